"""The configuration's risk and admin sections: read exactly, bad values refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixvenue.app.config import ConfigError, load
from fixvenue.domain.risk import MONEY_SCALE, RiskLimits
from tests.support.venue import write_config


def _load(tmp_path: Path, replace: dict[str, str]) -> object:
    return load(write_config(tmp_path, fix_port=9878, replace=replace))


def test_the_demo_limits_are_read_exactly(tmp_path: Path) -> None:
    config = load(write_config(tmp_path, fix_port=9878))
    assert config.default_risk == RiskLimits(
        max_order_quantity=10_000,
        max_order_notional=2_000_000 * MONEY_SCALE,
        collar_basis_points=1_000,
        max_open_orders=5_000,
        max_orders_per_day=100_000,
        credit_limit=50_000_000 * MONEY_SCALE,
        max_position=1_000_000,
    )
    # An account's table gives only what differs from the default.
    assert config.account_risk["BRK1-A"].max_order_quantity == 10_000
    assert config.account_risk["BRK1-A"].max_open_orders == 10_000


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('collar_percent = "10"', 'collar_percent = "1E+999999"', "risk.default.collar_percent"),
        ('collar_percent = "10"', 'collar_percent = "10.005"', "at most two decimals"),
        ('credit_limit = "50000000"', 'credit_limit = "1.0000001"', "at most six decimals"),
        ('credit_limit = "50000000"', 'credit_limit = "1000000000000"', "must be below"),
        ("max_open_orders = 5000", "max_open_orders = 0", "at least 1"),
        ("max_open_orders = 5000", 'max_open_orders = "5"', "whole number"),
        (
            'credit_limit = "50000000"',
            'credit_limit = "50000000"\nrestricted_symbols = [["ACME"]]',
            "unknown symbol",
        ),
        (
            'credit_limit = "50000000"',
            'credit_limit = "50000000"\nrestricted_symbols = ["NOPE"]',
            "unknown symbol 'NOPE'",
        ),
        ('[risk.accounts."BRK2-A"]', '[risk.accounts."NOBODY"]', "unknown key 'NOBODY'"),
        ('tick_size = "0.05"', 'tick_size = "0.0000001"', "at most six decimals"),
    ],
)
def test_a_bad_risk_value_is_refused_naming_the_key(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        _load(tmp_path, {old: new})


# The configuration's commented-out example of named tokens.
_EXAMPLE_TOKENS = '# [admin.tokens]\n# alice = "a-long-random-secret"'


def test_named_admin_tokens_are_read_by_name(tmp_path: Path) -> None:
    config = load(
        write_config(
            tmp_path,
            fix_port=9878,
            replace={_EXAMPLE_TOKENS: '[admin.tokens]\nalice = "a1"\nbob = "b2"'},
        )
    )
    assert config.admin.token == "demo-admin-token"
    assert config.admin.named_tokens == {"alice": "a1", "bob": "b2"}


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        ('alice = "same"\nbob = "same"', "two names share a token"),
        ('admin = "other"', "'admin' is the name of admin.token"),
        ('alice = ""', "admin.tokens.alice: expected a non-empty string"),
        ('"al\\u0001ice" = "x"', "a name is letters, digits"),
        ('"(no valid token)" = "x"', "a name is letters, digits"),
        ('"" = "x"', "a name is letters, digits"),
    ],
)
def test_ambiguous_or_empty_admin_tokens_are_refused(
    tmp_path: Path, tokens: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, {_EXAMPLE_TOKENS: "[admin.tokens]\n" + tokens})


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'target_comp_id = "DC-ALL"\nbegin_string = "FIX.4.4"',
            'target_comp_id = "DC-ALL"\nbegin_string = "FIX.4.2"',
            "a drop-copy session speaks FIX.4.4",
        ),
        (
            'target_comp_id = "DC-BRK1"\nbegin_string = "FIX.4.4"\nrole = "drop_copy"\n'
            'firm = "BRK1"',
            'target_comp_id = "DC-BRK1"\nbegin_string = "FIX.4.4"\nrole = "drop_copy"\n'
            'firm = "BRK9"',
            "no order-entry session has firm 'BRK9'",
        ),
    ],
)
def test_a_drop_copy_session_speaks_fix_4_4_and_is_scoped_to_a_known_firm(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, {old: new})


def test_a_sessions_allowed_addresses_are_ip_addresses(tmp_path: Path) -> None:
    config = load(
        write_config(
            tmp_path,
            fix_port=9878,
            replace={'firm = "BRK4"': 'firm = "BRK4"\nallowed_addresses = ["10.0.0.5", "::1"]'},
        )
    )
    assert config.session("BROKER4").allowed_addresses == ("10.0.0.5", "::1")
    assert config.session("BROKER3").allowed_addresses == ()
    with pytest.raises(ConfigError, match=r"'broker4\.example' is not an IP address"):
        _load(tmp_path, {'firm = "BRK4"': 'firm = "BRK4"\nallowed_addresses = ["broker4.example"]'})


def test_an_account_belongs_to_one_firm_and_a_clearing_firm_names_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="account BRK1-A is listed for firms BRK1 and BRK4"):
        _load(tmp_path, {'accounts = ["BRK4-A"]': 'accounts = ["BRK4-A", "BRK1-A"]'})
    with pytest.raises(ConfigError, match="names its files"):
        _load(tmp_path, {"[metrics]": '[clearing_firms]\nBRK3 = "../x"\n\n[metrics]'})


# A hash of "secret" with scrypt's smallest cost, so that the test does not wait on it.
SECRET_HASH = "scrypt:2:1:1$00112233445566778899aabbccddeeff$" + "ab" * 32


def test_a_session_takes_a_username_with_a_password_hash_and_never_a_password(
    tmp_path: Path,
) -> None:
    given = f'firm = "BRK4"\nusername = "desk"\npassword_hash = "{SECRET_HASH}"'
    config = load(write_config(tmp_path, fix_port=9878, replace={'firm = "BRK4"': given}))
    credentials = config.session("BROKER4").credentials
    assert credentials is not None and credentials.username == "desk"
    assert str(credentials.password_hash) == SECRET_HASH
    assert config.session("BROKER1").credentials is None
    with pytest.raises(ConfigError, match="username and password_hash go together"):
        _load(tmp_path, {'firm = "BRK4"': 'firm = "BRK4"\nusername = "desk"'})
    with pytest.raises(ConfigError, match="unknown key 'password'"):
        _load(tmp_path, {'firm = "BRK4"': 'firm = "BRK4"\nusername = "desk"\npassword = "x"'})
    with pytest.raises(ConfigError, match="fixvenue password-hash"):
        _load(
            tmp_path,
            {'firm = "BRK4"': 'firm = "BRK4"\nusername = "desk"\npassword_hash = "secret"'},
        )
    with pytest.raises(ConfigError, match=r"FIX 4\.2 has no Username"):
        _load(tmp_path, {'firm = "BRK3"': given.replace("BRK4", "BRK3")})
