"""`fixvenue sessions` and `fixvenue audit`: the FIX sessions and the admin audit log,
through the running venue's admin endpoint."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from fixvenue.cli.admin_client import client_for
from fixvenue.cli.options import (
    config_option,
    json_option,
    one_line_errors,
    reason_command,
    show,
)


@click.group("sessions")
def sessions_group() -> None:
    """The venue's FIX sessions. SESSION is the TargetCompID or the full QuickFIX session
    id (FIX.4.4:FIXVENUE->BROKER1)."""


@sessions_group.command("list")
@config_option
@json_option
@one_line_errors
def sessions_list(config_path: Path, as_json: bool) -> None:
    """Every session: enabled, logged on, next sequence numbers, peer, last message."""
    sessions = client_for(config_path).get("/sessions")["sessions"]
    show(sessions, as_json, _sessions_table(sessions))


def _sessions_table(sessions: list[dict[str, Any]]) -> str:
    columns = (
        ("session_id", "session"),
        ("begin_string", "version"),
        ("role", "role"),
        ("enabled", "enabled"),
        ("logged_on", "logged on"),
        ("next_sender_seq", "next out"),
        ("next_target_seq", "next in"),
        ("peer_address", "peer"),
        ("last_message_time", "last message"),
    )

    def cell(value: Any) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "-" if value is None else str(value)

    rows = [[title for _key, title in columns]] + [
        [cell(session[key]) for key, _title in columns] for session in sessions
    ]
    widths = [max(len(row[index]) for row in rows) for index in range(len(columns))]
    return "\n".join(
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


_ACTIONS = {
    "logout": "Log SESSION out now (it may log on again).",
    "disable": "Log SESSION out if it is logged on and refuse its logons until enabled; "
    "it stays disabled across restarts.",
    "enable": "Let SESSION log on again.",
    "reset-seq": "Reset SESSION's sequence numbers, both ways, to 1. Refused while it is "
    "logged on, and while reports wait for its next logon unless --force.",
}


def _action_command(action: str) -> click.Command:
    return reason_command(
        action,
        help_text=_ACTIONS[action],
        argument="session",
        path=lambda session: f"/sessions/{session}/{action}",
        describe=lambda _session, answer: f"session {answer['session']}: {action} done",
        force_help="Reset even though reports wait for its next logon: they are dropped."
        if action == "reset-seq"
        else None,
    )


for _action in _ACTIONS:
    sessions_group.add_command(_action_command(_action))


@click.group("audit")
def audit_group() -> None:
    """The audit log of admin requests."""


@audit_group.command("log")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The UTC day to list (default: today).",
)
@config_option
@json_option
@one_line_errors
def audit_log(day: Any, config_path: Path, as_json: bool) -> None:
    """Every admin request of one day: when, who (the token's name), what, and the result."""
    wanted: date | None = None if day is None else day.date()
    query = "" if wanted is None else f"?date={wanted.isoformat()}"
    entries = client_for(config_path).get(f"/audit{query}")["entries"]
    show(entries, as_json, _audit_table(entries))


def _audit_table(entries: list[dict[str, Any]]) -> str:
    if not entries:
        return "no admin requests that day"
    return "\n".join(
        f"{entry['time']}  {entry['who']:<16} {entry['what']}\n"
        f"{'':<29}-> {entry['result'] or 'no result (in progress, or the venue stopped meanwhile)'}"
        for entry in entries
    )
