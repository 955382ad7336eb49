"""The QuickFIX settings the venue generates carry the session rules of CONTRACT §2."""

from __future__ import annotations

from pathlib import Path

from fixvenue.fix.settings import AcceptorSession, acceptor_settings, unreachable_addresses


def _settings(host: str = "127.0.0.1") -> list[str]:
    return acceptor_settings(
        comp_id="FIXVENUE",
        host=host,
        port=9878,
        data_dictionaries={"FIX.4.4": Path("/d/FIX44.xml"), "FIX.4.2": Path("/d/FIX42.xml")},
        store_dir=Path("/data/store"),
        log_dir=Path("/data/log"),
        sessions=[
            AcceptorSession(target_comp_id="BROKER1", begin_string="FIX.4.4"),
            AcceptorSession(target_comp_id="BROKER3", begin_string="FIX.4.2"),
        ],
    ).splitlines()


def test_sessions_never_stop_or_reset_by_schedule() -> None:
    lines = _settings()
    assert "NonStopSession=Y" in lines
    assert not [line for line in lines if line.startswith(("StartTime", "EndTime"))]
    for reset in ("ResetOnLogon=N", "ResetOnLogout=N", "ResetOnDisconnect=N"):
        assert reset in lines


def test_sockets_send_at_once_and_timestamps_carry_microseconds() -> None:
    lines = _settings()
    assert "SocketNodelay=Y" in lines
    assert "TimestampPrecision=6" in lines


def test_each_session_validates_with_its_own_versions_dictionary() -> None:
    lines = _settings()
    broker1, broker3 = lines.index("TargetCompID=BROKER1"), lines.index("TargetCompID=BROKER3")
    assert lines[broker1 - 1] == "BeginString=FIX.4.4"
    assert lines[broker1 + 1] == "DataDictionary=/d/FIX44.xml"
    assert lines[broker3 + 1] == "DataDictionary=/d/FIX42.xml"
    assert "UseDataDictionary=Y" in lines


def test_a_venue_configured_on_loopback_lets_only_loopback_peers_log_on() -> None:
    # QuickFIX binds every interface whatever SocketAcceptHost says.
    assert "AllowedRemoteAddresses=127.0.0.1" in _settings()


def test_a_venue_on_another_loopback_address_still_takes_local_peers() -> None:
    assert "AllowedRemoteAddresses=127.0.0.1,127.0.1.1" in _settings("127.0.1.1")


def test_a_venue_configured_on_every_interface_lets_any_peer_log_on() -> None:
    lines = _settings("0.0.0.0")
    assert not [line for line in lines if line.startswith("AllowedRemoteAddresses")]


def _session_block(lines: list[str], target: str) -> list[str]:
    start = lines.index(f"TargetCompID={target}")
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start:end]


def _with_allowed(host: str, *addresses: str) -> list[str]:
    return acceptor_settings(
        comp_id="FIXVENUE",
        host=host,
        port=9878,
        data_dictionaries={"FIX.4.4": Path("/d/FIX44.xml")},
        store_dir=Path("/data/store"),
        log_dir=Path("/data/log"),
        sessions=[
            AcceptorSession(
                target_comp_id="BROKER1", begin_string="FIX.4.4", allowed_addresses=addresses
            ),
            AcceptorSession(target_comp_id="BROKER2", begin_string="FIX.4.4"),
        ],
    ).splitlines()


def test_a_session_with_allowed_addresses_takes_logons_from_those_alone() -> None:
    lines = _with_allowed("0.0.0.0", "10.0.0.5", "192.0.2.7")
    assert "AllowedRemoteAddresses=10.0.0.5,192.0.2.7" in _session_block(lines, "BROKER1")
    assert not [line for line in lines if line.startswith("AllowedRemoteAddresses=1")][1:]
    assert not [line for line in _session_block(lines, "BROKER2") if line.startswith("Allowed")]


def test_on_loopback_a_sessions_remote_addresses_are_left_out_and_none_left_shuts_it() -> None:
    mixed = _session_block(_with_allowed("127.0.0.1", "127.0.0.2", "10.0.0.5"), "BROKER1")
    assert "AllowedRemoteAddresses=127.0.0.2" in mixed
    remote_only = _session_block(_with_allowed("127.0.0.1", "10.0.0.5"), "BROKER1")
    assert "AllowedRemoteAddresses=0.0.0.0" in remote_only  # no peer has that address
    assert unreachable_addresses(
        "127.0.0.1",
        AcceptorSession(
            target_comp_id="B", begin_string="FIX.4.4", allowed_addresses=("10.0.0.5",)
        ),
    ) == ["10.0.0.5"]
