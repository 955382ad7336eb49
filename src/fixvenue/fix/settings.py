"""QuickFIX acceptor settings, generated from the venue's configuration."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True, kw_only=True)
class AcceptorSession:
    target_comp_id: str
    begin_string: str
    # The only peer addresses the session may log on from; empty: any the venue takes.
    allowed_addresses: tuple[str, ...] = ()


def _is_loopback(host: str) -> bool:
    return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback


def unreachable_addresses(host: str, session: AcceptorSession) -> list[str]:
    """The session's allowed addresses that cannot reach a venue listening on `host`
    (any but loopback ones, when that is a loopback address): left out of its settings."""
    if not _is_loopback(host):
        return []
    return [a for a in session.allowed_addresses if not ipaddress.ip_address(a).is_loopback]


def acceptor_settings(
    *,
    comp_id: str,
    host: str,
    port: int,
    data_dictionaries: Mapping[str, Path],
    store_dir: Path,
    log_dir: Path,
    sessions: Iterable[AcceptorSession],
) -> str:
    """The settings file. QuickFIX listens on every interface whatever SocketAcceptHost
    says, so a venue configured on a loopback address lets only loopback peers log on
    (Linux gives a local peer 127.0.0.1 whichever loopback address it connected to)."""
    lines = [
        "[DEFAULT]",
        "ConnectionType=acceptor",
        f"SocketAcceptHost={host}",
        f"SocketAcceptPort={port}",
        f"SenderCompID={comp_id}",
        f"FileStorePath={store_dir}",
        f"FileLogPath={log_dir}",
        # Sessions never end by schedule: no daily sequence reset (contract §2).
        "NonStopSession=Y",
        # Without it a paced order waits ~40 ms for its ack (Nagle against delayed ACK).
        "SocketNodelay=Y",
        "TimestampPrecision=6",
        "UseDataDictionary=Y",
        "ValidateUserDefinedFields=Y",
        "AllowUnknownMsgFields=N",
        "ResetOnLogon=N",
        "ResetOnLogout=N",
        "ResetOnDisconnect=N",
        "PersistMessages=Y",
    ]
    address = ipaddress.ip_address(socket.gethostbyname(host))
    if address.is_loopback:
        lines.append(f"AllowedRemoteAddresses={','.join(sorted({'127.0.0.1', str(address)}))}")
    for session in sessions:
        lines += [
            "",
            "[SESSION]",
            f"BeginString={session.begin_string}",
            f"TargetCompID={session.target_comp_id}",
            f"DataDictionary={data_dictionaries[session.begin_string]}",
        ]
        if session.allowed_addresses:
            unreachable = unreachable_addresses(host, session)
            allowed = [a for a in session.allowed_addresses if a not in unreachable]
            # None left: the session stays shut rather than open to everyone.
            lines.append(f"AllowedRemoteAddresses={','.join(allowed) or '0.0.0.0'}")
    return "\n".join(lines) + "\n"
