"""The venue's Prometheus metrics.

Counters follow committed events, counted by the writer thread just before it sends them,
so they say what the brokers are told. Gauges that describe state the sequencer owns (book
depth) are read at scrape time through a query on the sequencer thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from fixvenue.core.trading import TradingCore
from fixvenue.domain.events import (
    CancelRejected,
    Event,
    MassCancelReported,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderRejected,
)
from fixvenue.domain.values import Amendment, Side

# Order-to-ack latency: from the FIX callback taking the order in to its report being
# handed to QuickFIX, in seconds. The targets are a p50 under 0.7 ms and a p99 under 2 ms.
ACK_BUCKETS = (
    0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.01, 0.025,
    0.05, 0.1, 0.25, 0.5, 1.0,
)  # fmt: skip
COMMIT_BUCKETS = (
    0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
    2.5,
)  # fmt: skip


class VenueMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.orders = Counter(
            "fixvenue_orders", "Orders accepted, by session", ["session"], registry=registry
        )
        self.executions = Counter(
            "fixvenue_executions",
            "Fills reported, by session (each side of a trade counts)",
            ["session"],
            registry=registry,
        )
        self.cancels = Counter(
            "fixvenue_cancels", "Orders cancelled, by session", ["session"], registry=registry
        )
        self.rejects = Counter(
            "fixvenue_rejects",
            "Requests refused, by session, request (order, cancel, replace, mass_cancel) "
            "and reason",
            ["session", "request", "reason"],
            registry=registry,
        )
        self.sessions_logged_on = Gauge(
            "fixvenue_sessions_logged_on", "FIX sessions logged on", registry=registry
        )
        self.ack_latency = Histogram(
            "fixvenue_order_ack_latency_seconds",
            "From taking a NewOrderSingle in to handing its first report to QuickFIX",
            buckets=ACK_BUCKETS,
            registry=registry,
        )
        self.commit_latency = Histogram(
            "fixvenue_ledger_commit_seconds",
            "One ledger transaction (a batch of commands and their events)",
            buckets=COMMIT_BUCKETS,
            registry=registry,
        )
        self.inbound_queue_depth = Gauge(
            "fixvenue_inbound_queue_depth",
            "Commands waiting for the sequencer",
            registry=registry,
        )

    def watch(
        self,
        *,
        sessions: Callable[[], Mapping[str, bool]],
        inbound_depth: Callable[[], int],
        query: Callable[[Callable[[TradingCore], Any]], Any],
    ) -> None:
        """Reads these at scrape time: each session's logged-on state, the inbound queue,
        and (through `query`, on the sequencer thread) the books."""
        self.sessions_logged_on.set_function(lambda: sum(sessions().values()))
        self.inbound_queue_depth.set_function(inbound_depth)
        self.registry.register(_Sessions(sessions))
        self.registry.register(_BookDepth(query))

    def count(self, events: Iterable[Event]) -> None:
        """Counts committed events about to be sent."""
        for event in events:
            if isinstance(event, OrderAccepted):
                self.orders.labels(event.order.session).inc()
            elif isinstance(event, OrderFilled):
                self.executions.labels(event.order.session).inc()
            elif isinstance(event, OrderCancelled):
                self.cancels.labels(event.order.session).inc()
            elif isinstance(event, OrderRejected):
                self.rejects.labels(event.order.session, "order", event.reason.value).inc()
            elif isinstance(event, CancelRejected):
                request = "replace" if event.response_to is Amendment.REPLACE else "cancel"
                self.rejects.labels(event.session, request, event.reason.value).inc()
            elif isinstance(event, MassCancelReported) and event.reject_reason is not None:
                self.rejects.labels(event.session, "mass_cancel", event.reject_reason.value).inc()


class _Sessions(Collector):
    """1 for each FIX session logged on, 0 for each that is not: what "session down"
    alerts on."""

    def __init__(self, sessions: Callable[[], Mapping[str, bool]]) -> None:
        self._sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "fixvenue_session_logged_on", "1 if the FIX session is logged on", labels=["session"]
        )
        for session, logged_on in sorted(self._sessions().items()):
            family.add_metric([session], 1 if logged_on else 0)
        yield family


class _BookDepth(Collector):
    """Price levels and resting orders per symbol and side, read from the sequencer."""

    def __init__(self, query: Callable[[Callable[[TradingCore], Any]], Any]) -> None:
        self._query = query

    def collect(self) -> Iterator[GaugeMetricFamily]:
        levels = GaugeMetricFamily(
            "fixvenue_book_levels", "Price levels on the book", labels=["symbol", "side"]
        )
        orders = GaugeMetricFamily(
            "fixvenue_book_orders", "Orders resting on the book", labels=["symbol", "side"]
        )
        for symbol, side, level_count, order_count in self._query(_depths):
            levels.add_metric([symbol, side], level_count)
            orders.add_metric([symbol, side], order_count)
        yield levels
        yield orders


def _depths(core: TradingCore) -> list[tuple[str, str, int, int]]:
    rows = []
    for symbol, book in core.books.items():
        for side in (Side.BUY, Side.SELL):
            views = list(book.levels(side))
            rows.append((symbol, side.value, len(views), sum(view.orders for view in views)))
    return rows
