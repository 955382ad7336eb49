"""The ledger stores commands and events as JSON and decodes them by their annotations;
in the compiled build (setup.py) a class compiled by mypyc loses unions and generics from
its annotations, so no type the ledger decodes may be compiled."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, get_args

import msgspec

from fixvenue.domain.commands import Command, PlaceOrder
from fixvenue.domain.events import Event
from fixvenue.domain.rejection import Rejection
from fixvenue.domain.values import OrderRejectReason, OrderType, Side, TimeInForce
from fixvenue.ledger import codec


def _record_types(roots: tuple[type[Any], ...]) -> set[type[Any]]:
    """Every dataclass and Struct reachable from `roots` through annotations."""
    found: set[type[Any]] = set()
    pending = list(roots)
    while pending:
        cls = pending.pop()
        if cls in found:
            continue
        found.add(cls)
        for hint in typing.get_type_hints(cls).values():
            stack = [hint]
            while stack:
                part = stack.pop()
                stack.extend(get_args(part))
                if isinstance(part, type) and (
                    dataclasses.is_dataclass(part) or issubclass(part, msgspec.Struct)
                ):
                    pending.append(part)
    return found


_BARE_CONTAINERS = (tuple, list, dict, set, frozenset)


def test_every_type_the_ledger_decodes_keeps_its_annotations() -> None:
    records = _record_types((*get_args(Command), *get_args(Event)))
    assert Rejection in records  # reached through PlaceOrder.defect
    erased = {
        f"{cls.__name__}.{name}"
        for cls in records
        for name, hint in typing.get_type_hints(cls).items()
        # mypy's strict mode refuses a bare `tuple` or `int | None` spelled `type` in the
        # source, so either can only come from compilation.
        if hint is type or hint in _BARE_CONTAINERS
    }
    assert not erased


def test_a_rejected_order_command_survives_the_ledger_codec() -> None:
    command = PlaceOrder(
        session="BROKER1",
        client_order_id="C1",
        account="A1",
        symbol="ACME",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=100,
        price=10_000,
        time_in_force=TimeInForce.DAY,
        defect=Rejection(reason=OrderRejectReason.INCORRECT_QUANTITY, text="bad OrderQty"),
    )
    assert codec.decode_command(*codec.encode(command)) == command
