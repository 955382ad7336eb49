"""Prometheus metrics of a running venue after a known sequence of orders."""

from __future__ import annotations

import re
import tomllib
import urllib.request

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from tests.support.fix_client import FixClient
from tests.support.venue import REPO, Venue


def _families(venue: Venue) -> list[Metric]:
    endpoint = tomllib.loads(venue.config_path.read_text())["metrics"]
    url = f"http://{endpoint['host']}:{endpoint['port']}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        return list(text_string_to_metric_families(response.read().decode()))


def _scrape(venue: Venue) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in _families(venue)
        for sample in family.samples
    }


def test_the_metrics_count_what_the_brokers_were_told(
    venue: Venue, broker1: FixClient, broker2: FixClient
) -> None:
    resting = broker1.new_order(account="BRK1-A", price="99.00")
    broker1.report(resting, "0")
    sell = broker1.new_order(account="BRK1-A", side="2", price="101.00", quantity="50")
    broker1.report(sell, "0")
    take = broker2.new_order(account="BRK2-A", price="101.00", quantity="50")
    broker2.report(take, "F")
    broker2.report(broker2.new_order(account="BRK2-A", symbol="NOPE", price="1.00"), "8")
    broker1.report(broker1.cancel(resting), "4")
    gone = broker1.cancel(resting)  # already cancelled: OrderCancelReject, too late
    broker1.expect(lambda m: m.msg_type == "9" and m.get(11) == gone)

    metrics = _scrape(venue)
    assert metrics[("fixvenue_orders_total", (("session", "BROKER1"),))] == 2
    assert metrics[("fixvenue_orders_total", (("session", "BROKER2"),))] == 1
    assert metrics[("fixvenue_executions_total", (("session", "BROKER1"),))] == 1
    assert metrics[("fixvenue_executions_total", (("session", "BROKER2"),))] == 1
    assert metrics[("fixvenue_cancels_total", (("session", "BROKER1"),))] == 1
    order_reject = (("reason", "unknown_symbol"), ("request", "order"), ("session", "BROKER2"))
    assert metrics[("fixvenue_rejects_total", order_reject)] == 1
    cancel_reject = (
        ("reason", "too_late_to_cancel"),
        ("request", "cancel"),
        ("session", "BROKER1"),
    )
    assert metrics[("fixvenue_rejects_total", cancel_reject)] == 1
    assert metrics[("fixvenue_sessions_logged_on", ())] == 2
    assert metrics[("fixvenue_session_logged_on", (("session", "BROKER1"),))] == 1
    assert metrics[("fixvenue_session_logged_on", (("session", "BROKER3"),))] == 0
    # Every order got its acknowledgement timed: three accepted, one rejected.
    assert metrics[("fixvenue_order_ack_latency_seconds_count", ())] == 4
    assert metrics[("fixvenue_ledger_commit_seconds_count", ())] >= 1
    assert metrics[("fixvenue_inbound_queue_depth", ())] == 0
    assert metrics[("fixvenue_book_levels", (("side", "buy"), ("symbol", "ACME")))] == 0
    assert metrics[("fixvenue_book_orders", (("side", "sell"), ("symbol", "ACME")))] == 0
    broker1.report(broker1.new_order(account="BRK1-A", price="98.00"), "0")
    broker1.report(broker1.new_order(account="BRK1-A", price="98.00"), "0")
    metrics = _scrape(venue)
    assert metrics[("fixvenue_book_levels", (("side", "buy"), ("symbol", "ACME")))] == 1
    assert metrics[("fixvenue_book_orders", (("side", "buy"), ("symbol", "ACME")))] == 2


def test_the_alert_rules_and_the_dashboard_use_only_metrics_the_venue_exports(
    venue: Venue,
) -> None:
    # A labelled counter shows no sample before its first count: names come from the
    # families the venue declares, with the suffixes their samples carry.
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
    exported = {
        family.name + suffix
        for family in _families(venue)
        for suffix in suffixes.get(family.type, ("",))
    }
    for path in (
        REPO / "config" / "prometheus" / "alerts.yml",
        REPO / "config" / "grafana" / "fixvenue-dashboard.json",
    ):
        used = set(re.findall(r"fixvenue_[a-z_]+", path.read_text()))
        assert used, path
        assert used <= exported, (path, used - exported)
