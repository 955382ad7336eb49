"""Reads QuickFIX's file store to learn which reports really left before a crash.

The ledger records how far delivery had got only with the next commit, so after a crash the
last batch's reports may or may not have been sent. QuickFIX persists every outbound
application message in the session's `.body` file before writing it to the socket (even
when the session is logged off), so a report is in that file exactly when it was handed
to the session. Only the file's tail can hold the last batch, so only the tail is read.
"""

from __future__ import annotations

from pathlib import Path

from fixvenue.fix import tags

_SOH = "\x01"
_TAIL_BYTES = 8 * 1024 * 1024


def body_file(store_dir: Path, begin_string: str, comp_id: str, target_comp_id: str) -> Path:
    return store_dir / f"{begin_string}-{comp_id}-{target_comp_id}.body"


def sent_identities(path: Path) -> set[tuple[str, str]]:
    """(MsgType, id) of recent outbound messages: ExecID for reports, ClOrdID for the rest."""
    if not path.exists():
        return set()
    with path.open("rb") as handle:
        start = max(0, handle.seek(0, 2) - _TAIL_BYTES)
        handle.seek(start)
        tail = handle.read().decode("latin-1")
    messages = tail.split(f"{_SOH}10=")[:-1]
    if start > 0:
        messages = messages[1:]  # the first one may be cut anywhere, even inside a field
    identities = set()
    for message in messages:
        fields = dict(field.split("=", 1) for field in message.split(_SOH) if "=" in field)
        msg_type = fields.get(str(tags.MSG_TYPE))
        key = tags.EXEC_ID if msg_type == tags.MSG_EXECUTION_REPORT else tags.CL_ORD_ID
        if msg_type is not None and str(key) in fields:
            identities.add((msg_type, fields[str(key)]))
    return identities


def identity(msg_type: str, fields: list[tuple[int, str]]) -> tuple[str, str]:
    key = tags.EXEC_ID if msg_type == tags.MSG_EXECUTION_REPORT else tags.CL_ORD_ID
    return msg_type, next(value for tag, value in fields if tag == key)
