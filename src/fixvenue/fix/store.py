"""Reads QuickFIX's file store to learn which reports really left before a crash.

The ledger records how far delivery had got only with a later commit (the next one, or
within a second when quiet), so after a crash the last reports may or may not have been
sent. QuickFIX persists every outbound
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
    """(MsgType, identity) of recent outbound messages (see `identity`)."""
    identities = set()
    for fields in _stored_messages(path):
        msg_type = fields.get(tags.MSG_TYPE)
        if msg_type in _IDENTITY_TAGS:
            identities.add(_identity(msg_type, fields))
    return identities


def last_stored_number(path: Path) -> int:
    """The highest MsgSeqNum among the recent stored messages; 0 if there are none.

    QuickFIX stores a message, then writes it to the socket, then counts it in the
    `.seqnums` file. Killed in between, it restarts with a next number that the stored
    message already has, and would give it again to another message: whichever of the
    two the broker did not see is then lost to FIX recovery. Numbering must resume after
    this one."""
    numbers = (fields.get(tags.MSG_SEQ_NUM, "") for fields in _stored_messages(path))
    return max((int(number) for number in numbers if number.isdigit()), default=0)


def _stored_messages(path: Path) -> list[dict[int, str]]:
    """The fields of each message in the tail of a `.body` file, oldest first."""
    if not path.exists():
        return []
    with path.open("rb") as handle:
        start = max(0, handle.seek(0, 2) - _TAIL_BYTES)
        handle.seek(start)
        # QuickFIX stores what the venue handed it, text beyond ASCII as UTF-8; a cut
        # character at the start becomes surrogates, in the message dropped below.
        tail = handle.read().decode("utf-8", "surrogateescape")
    messages = tail.split(f"{_SOH}10=")[:-1]
    if start > 0:
        messages = messages[1:]  # the first one may be cut anywhere, even inside a field
    stored = []
    for message in messages:
        pairs = (field.split("=", 1) for field in message.split(_SOH) if "=" in field)
        stored.append({int(tag): value for tag, value in pairs if tag.isdigit()})
    return stored


# An ExecutionReport is known by its ExecID, in every FIX version. An OrderCancelReject has
# none, and a duplicate ClOrdID is rejected under the ClOrdID of an earlier request: it is
# known by its request, the order it named, the reason and the moment. The reason is its
# CxlRejReason and its Text: FIX 4.2 gives several reasons the same code, the Text always
# says which. An OrderMassCancelReport carries the mass cancel's own OrderID.
_IDENTITY_TAGS = {
    tags.MSG_EXECUTION_REPORT: (tags.EXEC_ID,),
    tags.MSG_ORDER_CANCEL_REJECT: (
        tags.CL_ORD_ID,
        tags.ORIG_CL_ORD_ID,
        tags.CXL_REJ_REASON,
        tags.TEXT,
        tags.TRANSACT_TIME,
    ),
    tags.MSG_ORDER_MASS_CANCEL_REPORT: (tags.ORDER_ID,),
}


def identity(msg_type: str, fields: list[tuple[int, str]]) -> tuple[str, str]:
    return _identity(msg_type, dict(fields))


def _identity(msg_type: str, values: dict[int, str]) -> tuple[str, str]:
    return msg_type, "|".join(values.get(tag, "") for tag in _IDENTITY_TAGS[msg_type])
