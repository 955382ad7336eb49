"""Why a request is refused. Apart from the values (values.py) because commands carry it
to the ledger, which decodes it from its annotations: the compiled build (setup.py) leaves
this module interpreted, as it does every type the ledger decodes."""

from __future__ import annotations

from dataclasses import dataclass

from fixvenue.domain.values import OrderRejectReason


@dataclass(frozen=True, slots=True, kw_only=True)
class Rejection:
    """A reason to refuse a request, found at the edge (malformed) or in the core."""

    reason: OrderRejectReason
    text: str
    # Values as the request gave them where the domain has no word for them (an unsupported
    # side, say), by field name, so that the reject can echo them instead of a stand-in.
    as_received: tuple[tuple[str, str], ...] = ()
