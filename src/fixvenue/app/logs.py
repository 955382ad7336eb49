"""The venue's log: a line per event that matters, as text or as JSON.

Every report the writer sends is logged with its session and ClOrdID: refusals and
venue-wide changes (halts, kill switches, risk limits, operators' session actions) at INFO,
the ordinary flow of orders, fills and cancels at DEBUG, so that a venue under load does
not spend itself on its log unless asked to.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from fixvenue.admin.requests import limits_view
from fixvenue.domain.events import (
    CancelRejected,
    Event,
    KillSwitchChanged,
    MassCancelReported,
    OrderRejected,
    OrderStatusReported,
    RiskLimitsChanged,
    SessionControlled,
    TradingDayEnded,
    TradingPhaseChanged,
    VenueEvent,
)

events_log = logging.getLogger("fixvenue.events")

# Attributes a record may carry beside its message; JSON lines show them as fields.
CONTEXT_FIELDS = ("session", "client_order_id", "order_id", "event_id")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _utc_microseconds(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line)


def _utc_microseconds(created: float) -> str:
    seconds = int(created)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + (
        f".{int((created - seconds) * 1_000_000):06d}Z"
    )


def configure(level: str, *, as_json: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if as_json
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # Alembic tells of every schema check at INFO: on the CLI's stderr, where a command's
    # one line must stand alone, that is noise.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLevelName(level)))


def log_events(events: list[Event]) -> None:
    """One line per committed event the writer has sent (see the module's docstring)."""
    debug = events_log.isEnabledFor(logging.DEBUG)
    for event in events:
        notable = isinstance(
            event,
            OrderRejected | CancelRejected | VenueEvent,
        ) or (isinstance(event, MassCancelReported) and event.reject_reason is not None)
        if notable or debug:
            _log_event(event, logging.INFO if notable else logging.DEBUG)


def _log_event(event: Event, level: int) -> None:
    context: dict[str, Any] = {"event_id": event.event_id}
    if isinstance(event, CancelRejected | MassCancelReported | OrderStatusReported):
        context |= {"session": event.session, "client_order_id": event.client_order_id}
    elif isinstance(event, SessionControlled):
        context |= {"session": event.session}
    elif not isinstance(event, VenueEvent):
        order = event.order
        context |= {
            "session": order.session,
            "client_order_id": order.client_order_id,
            "order_id": order.order_id,
        }
    suffix = " ".join(f"{key}={value}" for key, value in context.items() if key != "event_id")
    events_log.log(level, "%s%s", _describe(event), f" ({suffix})" if suffix else "", extra=context)


def _describe(event: Event) -> str:
    if isinstance(event, TradingPhaseChanged):
        return f"{event.symbol} {event.phase.value}: {event.reason}"
    if isinstance(event, KillSwitchChanged):
        state = "engaged" if event.engaged else "released"
        return (
            f"kill switch {state} for {event.scope.value} {event.name}: {event.reason} "
            f"({event.cancelled} open orders cancelled)"
        )
    if isinstance(event, RiskLimitsChanged):
        view = limits_view(event.limits)
        shown = "none" if view is None else " ".join(f"{k}={v}" for k, v in view.items())
        return f"risk limits of {event.account or 'the default'} are now: {shown}"
    if isinstance(event, TradingDayEnded):
        return (
            f"trading date {event.trading_date} ended ({event.expired} Day orders expired); "
            f"the venue is now at {event.next_trading_date}"
        )
    if isinstance(event, SessionControlled):
        return f"operator {event.action.value} of session {event.session}: {event.reason}"
    text = getattr(event, "text", None)
    return type(event).__name__ + (f": {text}" if text else "")
