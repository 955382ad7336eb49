"""Commands and events to and from the ledger's JSON payloads."""

from __future__ import annotations

from typing import Any, get_args

import msgspec

from fixvenue.domain.commands import Command
from fixvenue.domain.events import Event

# Every command and event type, stored under its class name.
_COMMAND_TYPES: dict[str, type[Any]] = {cls.__name__: cls for cls in get_args(Command)}
_EVENT_TYPES: dict[str, type[Any]] = {cls.__name__: cls for cls in get_args(Event)}
_encoder = msgspec.json.Encoder()
_decoders = {
    name: msgspec.json.Decoder(cls) for name, cls in (_COMMAND_TYPES | _EVENT_TYPES).items()
}


def encode(value: Command | Event) -> tuple[str, str]:
    """The (kind, payload) pair a command or event is stored as."""
    return type(value).__name__, _encoder.encode(value).decode()


def decode_command(kind: str, payload: str) -> Command:
    assert kind in _COMMAND_TYPES, kind
    command: Command = _decoders[kind].decode(payload)
    return command


def decode_event(kind: str, payload: str) -> Event:
    assert kind in _EVENT_TYPES, kind
    event: Event = _decoders[kind].decode(payload)
    return event
