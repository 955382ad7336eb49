"""How amounts and times are written in the clearing files: exact, whatever the value."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixvenue.clearing.files import CsvFile, TransactTimes
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


# Texts a ClOrdID can bring: anything but SOH, CSV's delimiter, quote and line ends above all.
FIELD_TEXTS = st.text(alphabet=st.sampled_from(["a", "7", ",", '"', "\n", "\r", " ", "é", "-"]))


@given(rows=st.lists(st.lists(FIELD_TEXTS, min_size=1, max_size=6), min_size=1, max_size=5))
def test_a_row_of_texts_is_written_as_csv_writes_it(
    rows: list[list[str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    directory = tmp_path_factory.mktemp("csv")
    fast, plain = (
        CsvFile(directory, "fast.csv", ["a", "b"]),
        CsvFile(directory, "plain.csv", ["a", "b"]),
    )
    for row in rows:
        fast.text_row(row)
        plain.row(row)
    fast.finish()
    plain.finish()
    assert (directory / "fast.csv").read_bytes() == (directory / "plain.csv").read_bytes()
    reference = io.StringIO()
    csv.writer(reference, lineterminator="\n").writerows([["a", "b"], *rows])
    assert (directory / "fast.csv").read_bytes() == reference.getvalue().encode()
