"""`fixvenue dropcopy export` (CONTRACT §7): a trading date's ExecutionReports from the
ledger, one for one with what the brokers received, as FIX lines, CSV and JSON lines."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import simplefix

from tests.support.fix_client import FixClient, Received
from tests.support.venue import Venue, assert_refused, ledger_command, run_fixvenue

# Row columns and the tag each repeats.
_COLUMN_TAGS = {
    "exec_id": 17,
    "order_id": 37,
    "cl_ord_id": 11,
    "orig_cl_ord_id": 41,
    "account": 1,
    "symbol": 55,
    "side": 54,
    "exec_type": 150,
    "ord_status": 39,
    "cum_qty": 14,
    "leaves_qty": 151,
    "last_px": 31,
    "text": 58,
}


def _trade(venue: Venue, broker1: FixClient, broker2: FixClient) -> list[Received]:
    """A day's trading; every ExecutionReport the two brokers received, in ExecID order."""
    resting = broker1.new_order(account="BRK1-A", price="99.00", quantity="300")
    broker1.report(resting, "0")
    broker2.report(broker2.new_order(account="BRK2-A", side="2", price="99.00"), "F")
    broker1.report(broker1.replace(resting, quantity="250", price="99.00"), "5")
    broker1.report(broker1.new_order(account="NOT-MINE", price="99.00"), "8")
    broker2.report(broker2.new_order(account="BRK2-A", symbol="EURX", price="50.05"), "0")
    reports = [m for client in (broker1, broker2) for m in client.settle() if m.msg_type == "8"]
    return sorted(reports, key=lambda report: int(report[17]))


def _export(venue: Venue, out: Path, export_format: str, *options: str) -> Path:
    today = datetime.now(UTC).date().isoformat()
    output = ledger_command(
        venue,
        "dropcopy",
        "export",
        "--date",
        today,
        "--format",
        export_format,
        "--out",
        str(out),
        *options,
    )
    assert f"ExecutionReports of {today} written to {out}" in output
    return out


def _fix_messages(path: Path) -> list[simplefix.FixMessage]:
    messages = []
    for line in path.read_text().splitlines():
        raw = line.replace("|", "\x01").encode()
        # BodyLength counts from after its own field to the CheckSum field; CheckSum is the
        # byte sum up to it, modulo 256.
        _, _, rest = raw.partition(b"\x019=")
        length, _, body_and_trailer = rest.partition(b"\x01")
        body, _, checksum = body_and_trailer.rpartition(b"10=")
        assert int(length) == len(body), line
        assert int(checksum.rstrip(b"\x01")) == sum(raw[: raw.rindex(b"10=")]) % 256, line
        parser = simplefix.FixParser()
        parser.append_buffer(raw)
        message = parser.get_message()
        assert message is not None and parser.get_message() is None, line
        messages.append(message)
    return messages


def test_the_fix_export_holds_every_report_the_brokers_received_in_the_order_sent(
    venue: Venue, broker1: FixClient, broker2: FixClient, tmp_path: Path
) -> None:
    reports = _trade(venue, broker1, broker2)
    messages = _fix_messages(_export(venue, tmp_path / "day.fix", "fix"))
    assert [m.get(17).decode() for m in messages] == [r[17] for r in reports]
    for message, report in zip(messages, reports, strict=True):
        assert message.get(35) == b"8" and message.get(49) == b"FIXVENUE"
        assert message.get(56).decode() == report[56]  # the session it went to
        for tag in _COLUMN_TAGS.values():
            value = message.get(tag)
            assert (None if value is None else value.decode()) == report.get(tag), tag


def test_csv_and_json_lines_give_one_row_per_report_with_the_documented_columns(
    venue: Venue, broker1: FixClient, broker2: FixClient, tmp_path: Path
) -> None:
    reports = _trade(venue, broker1, broker2)
    with _export(venue, tmp_path / "day.csv", "csv").open() as handle:
        rows = list(csv.DictReader(handle))
    lines = _export(venue, tmp_path / "day.jsonl", "jsonl").read_text().splitlines()
    objects = [json.loads(line) for line in lines]
    assert len(rows) == len(objects) == len(reports)
    for row, item, report in zip(rows, objects, reports, strict=True):
        for column, tag in _COLUMN_TAGS.items():
            assert row[column] == report.get(tag, ""), column
            expected: str | int | None = report.get(tag)
            if column in ("cum_qty", "leaves_qty"):
                expected = int(report[tag])
            assert item[column] == expected, column
        assert row["session"] == item["session"] == report[56]
        assert item["firm"] == {"BROKER1": "BRK1", "BROKER2": "BRK2"}[report[56]]
        moment = datetime.strptime(report[60], "%Y%m%d-%H:%M:%S.%f").replace(tzinfo=UTC)
        assert item["transact_time_us"] == int(moment.timestamp()) * 1_000_000 + moment.microsecond
    fills = [item for item in objects if item["exec_type"] == "F"]
    assert {(item["trade_id"], item["liquidity"]) for item in fills} == {
        (fills[0]["trade_id"], "1"),
        (fills[0]["trade_id"], "2"),
    }


def test_an_export_for_one_firm_holds_only_its_sessions_reports(
    venue: Venue, broker1: FixClient, broker2: FixClient, tmp_path: Path
) -> None:
    reports = _trade(venue, broker1, broker2)
    lines = _export(venue, tmp_path / "brk2.jsonl", "jsonl", "--firm", "BRK2").read_text()
    assert [json.loads(line)["exec_id"] for line in lines.splitlines()] == [
        report[17] for report in reports if report[56] == "BROKER2"
    ]


def test_an_export_refuses_a_date_or_firm_the_ledger_does_not_have(
    venue: Venue, tmp_path: Path
) -> None:
    common = ("--format", "csv", "--out", str(tmp_path / "x.csv"), "--config")
    config = (str(venue.config_path), "--db", venue.database_url)
    today = datetime.now(UTC).date().isoformat()
    assert_refused(
        run_fixvenue("dropcopy", "export", "--date", "2001-02-03", *common, *config),
        "2001-02-03 is not a trading date of this ledger",
    )
    assert_refused(
        run_fixvenue("dropcopy", "export", "--date", today, "--firm", "NOPE", *common, *config),
        "unknown firm NOPE",
    )
    assert not (tmp_path / "x.csv").exists()
    missing_format = run_fixvenue("dropcopy", "export", "--date", today, "--out", "x", *config)
    assert missing_format.returncode == 2


def test_a_value_beyond_ascii_is_exported_exactly_in_every_format(
    venue: Venue, broker1: FixClient, tmp_path: Path
) -> None:
    broker1.report(
        broker1.new_order(account="BRK1-A", price="99.00", client_order_id="ordre-é"), "0"
    )
    (message,) = _fix_messages(_export(venue, tmp_path / "day.fix", "fix"))
    assert message.get(11).decode() == "ordre-é"
    with _export(venue, tmp_path / "day.csv", "csv").open(encoding="utf-8") as handle:
        assert [row["cl_ord_id"] for row in csv.DictReader(handle)] == ["ordre-é"]
    line = _export(venue, tmp_path / "day.jsonl", "jsonl").read_text(encoding="utf-8")
    assert json.loads(line)["cl_ord_id"] == "ordre-é"
