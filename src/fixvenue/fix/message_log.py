"""QuickFIX's file log with the secrets a Logon can carry masked before they are written.

QuickFIX logs every inbound message as received, before the application sees it, so a
broker's Password(554) would reach the messages log. Each session's log here is
QuickFIX's own FileLog (same files, same format) behind a wrapper that masks
Password(554), NewPassword(925) and RawData(96) in inbound messages.
"""

from __future__ import annotations

import logging
import re

import quickfix

log = logging.getLogger(__name__)

MASK = "********"
_SECRET = re.compile("(\x01(?:554|925|96)=)[^\x01]*")


def masked(message: str) -> str:
    """The message with every secret field's value replaced by MASK."""
    if "\x01554=" not in message and "\x01925=" not in message and "\x0196=" not in message:
        return message  # the common case, without running the pattern
    return _SECRET.sub(rf"\g<1>{MASK}", message)


class MaskingLog(quickfix.Log):  # type: ignore[misc]
    """Hands every line to QuickFIX's FileLog, inbound ones masked.

    An exception escaping here makes QuickFIX's binding end the process, so none does.
    QuickFIX hands over what it received as text decoded from UTF-8, invalid bytes as
    lone surrogates, which cannot be handed back: those are written as `\\xNN`.
    """

    def __init__(self, file_log: quickfix.Log) -> None:
        super().__init__()
        self.file_log = file_log

    def clear(self) -> None:
        try:
            self.file_log.clear()
        except Exception:
            log.exception("QuickFIX's log could not be cleared")

    def backup(self) -> None:
        try:
            self.file_log.backup()
        except Exception:
            log.exception("QuickFIX's log could not be backed up")

    # One method each, without a shared helper: they run for every message.

    def onIncoming(self, message: str) -> None:  # noqa: N802
        try:
            line = masked(message)
            self.file_log.onIncoming(line if line.isascii() else _escaped(line))
        except Exception:
            log.exception("QuickFIX's log could not write an inbound message")

    def onOutgoing(self, message: str) -> None:  # noqa: N802
        try:
            self.file_log.onOutgoing(message if message.isascii() else _escaped(message))
        except Exception:
            log.exception("QuickFIX's log could not write an outbound message")

    def onEvent(self, text: str) -> None:  # noqa: N802
        try:
            self.file_log.onEvent(text if text.isascii() else _escaped(text))
        except Exception:
            log.exception("QuickFIX's log could not write an event")


def _escaped(line: str) -> str:
    return line.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class MaskingLogFactory(quickfix.LogFactory):  # type: ignore[misc]
    """Creates a MaskingLog over a FileLog for each session, and one for the acceptor."""

    def __init__(self, settings: quickfix.SessionSettings) -> None:
        super().__init__()
        self._files = quickfix.FileLogFactory(settings)

    def create(self, session_id: quickfix.SessionID | None = None) -> MaskingLog:
        file_log = self._files.create() if session_id is None else self._files.create(session_id)
        log = MaskingLog(file_log)
        # Handed to QuickFIX for good: the C++ side keeps the Python object alive. Left to
        # Python, the log would be freed twice (or hang) when the acceptor is destroyed.
        log.__disown__()
        return log

    def destroy(self, log: quickfix.Log) -> None:
        """Nothing to free: a session's log lives as long as the venue, and QuickFIX has
        written each line through to its file as it logged it."""
