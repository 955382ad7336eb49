"""Logon passwords: only salted hashes are kept, and no log writes what a Logon carries."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from fixvenue.cli.main import main
from fixvenue.fix.credentials import (
    BadPasswordHashError,
    Credentials,
    PasswordHash,
    hash_password,
)
from fixvenue.fix.message_log import MASK, MaskingLog, masked


def test_a_hashed_password_matches_itself_alone_and_reads_back_from_its_text() -> None:
    hashed = hash_password("s3cret pass")
    assert "s3cret" not in str(hashed)
    parsed = PasswordHash.parse(str(hashed))
    assert parsed == hashed
    assert parsed.matches("s3cret pass")
    assert not parsed.matches("s3cret pass ")
    assert hash_password("s3cret pass") != hashed  # a new salt each time


@pytest.mark.parametrize(
    "text",
    [
        "s3cret",
        "scrypt:16384:8:1$abcd$" + "00" * 32,  # a salt too short
        "scrypt:1000:8:1$" + "00" * 16 + "$" + "00" * 32,  # N not a power of 2
        "scrypt:1048576:8:1$" + "00" * 16 + "$" + "00" * 32,  # 1 GiB per check
        "scrypt:16384:8:1$" + "0" * 33 + "$" + "00" * 32,  # half a byte
        "pbkdf2:16384:8:1$" + "00" * 16 + "$" + "00" * 32,
        "scrypt:65536:1:1$" + "00" * 16 + "$" + "00" * 32,  # N too large for r = 1
    ],
)
def test_anything_but_a_scrypt_hash_of_bounded_cost_is_refused(text: str) -> None:
    with pytest.raises(BadPasswordHashError):
        PasswordHash.parse(text)


def test_credentials_admit_the_username_and_password_together_only() -> None:
    credentials = Credentials("desk", hash_password("pw"))
    assert credentials.admit("desk", "pw")
    assert not credentials.admit("desk", "PW")
    assert not credentials.admit("other", "pw")
    assert not credentials.admit(None, "pw")
    assert not credentials.admit("desk", None)
    assert not credentials.admit("dèsk", "pw")
    # Bytes that are not UTF-8 (QuickFIX hands them over as lone surrogates) do not match,
    # and raise nothing.
    assert not credentials.admit("desk", "p\udce9")
    assert not credentials.admit("d\udce9sk", "pw")


def test_the_message_log_masks_passwords_and_raw_data_and_nothing_else() -> None:
    logon = (
        "8=FIX.4.4\x019=80\x0135=A\x01553=desk\x01554=pw=1\x01925=new\x0195=3\x0196=raw"
        "\x0110=000\x01"
    )
    assert masked(logon) == (
        f"8=FIX.4.4\x019=80\x0135=A\x01553=desk\x01554={MASK}\x01925={MASK}\x0195=3\x01"
        f"96={MASK}\x0110=000\x01"
    )
    order = "8=FIX.4.4\x019=5\x0135=D\x011554=x\x0144=100.00\x0110=000\x01"
    assert masked(order) == order


def test_the_cli_prints_a_hash_of_the_password_asked_for_and_refuses_an_empty_one() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["password-hash"], input="pass phrase\npass phrase\n")
    assert result.exit_code == 0, result.output
    printed = result.output.splitlines()[-1]
    assert "pass phrase" not in result.output
    assert PasswordHash.parse(printed).matches("pass phrase")
    mistyped = runner.invoke(main, ["password-hash"], input="one\ntwo\n")
    assert mistyped.exit_code != 0
    empty = runner.invoke(main, ["password-hash", "--password", ""])
    assert empty.exit_code == 2 and "must not be empty" in empty.output


class _Lines:
    """Stands for QuickFIX's FileLog: keeps what it is given; refuses on request."""

    def __init__(self) -> None:
        self.incoming: list[str] = []
        self.refuse = False

    def onIncoming(self, line: str) -> None:  # noqa: N802
        if self.refuse:
            raise TypeError("in method 'FileLog_onIncoming', argument 2")
        self.incoming.append(line)


def test_the_log_writes_undecodable_bytes_escaped_and_never_lets_an_error_out() -> None:
    lines = _Lines()
    log = MaskingLog(lines)
    # QuickFIX hands over invalid UTF-8 as lone surrogates (Python's surrogateescape).
    log.onIncoming("8=FIX.4.4\x0135=A\x01554=p\udcff\x0158=caf\udce9 \u00e9\x01")
    assert lines.incoming == [f"8=FIX.4.4\x0135=A\x01554={MASK}\x0158=caf\\xe9 \u00e9\x01"]
    lines.refuse = True
    log.onIncoming("8=FIX.4.4\x0135=0\x01")  # raising here would end the venue
