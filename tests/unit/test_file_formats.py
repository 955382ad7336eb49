"""How amounts and times are written in the clearing files: exact, whatever the value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fixvenue.clearing.files import TransactTimes
from fixvenue.domain.risk import MONEY_SCALE, money_text

MILLIONTHS = st.integers(min_value=-(10**18), max_value=10**18)
MICROSECONDS = st.integers(min_value=0, max_value=4_102_444_800_000_000)  # to 2100


@given(MILLIONTHS)
def test_an_amount_is_its_exact_value_with_at_least_two_decimals(millionths: int) -> None:
    text = money_text(millionths)
    assert Decimal(text) * MONEY_SCALE == millionths
    decimals = text.partition(".")[2]
    assert len(decimals) >= 2 and (len(decimals) == 2 or not decimals.endswith("0")), text


def test_amounts_read_as_an_operator_expects() -> None:
    assert [money_text(m) for m in (0, -120_000, 5_940_000_000, 99_000, -1)] == [
        "0.00",
        "-0.12",
        "5940.00",
        "0.099",
        "-0.000001",
    ]


@given(st.lists(MICROSECONDS, min_size=1, max_size=20))
def test_a_time_is_the_utc_instant_to_the_microsecond_in_any_order(moments: list[int]) -> None:
    times = TransactTimes()
    for moment in sorted(moments) + moments:
        expected = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=moment)
        assert times.text(moment) == expected.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
