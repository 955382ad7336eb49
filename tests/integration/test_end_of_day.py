"""End of day over the running venue (CONTRACT §8): a scripted day over FIX, the clearing
files line by line, the tie-outs, a second run, the next date, and a broken ledger row."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, delete, select, update

from fixvenue.ledger.schema import postings, trades, trading_days
from tests.support.fix_client import FixClient, Received
from tests.support.venue import Venue, assert_refused, ledger_command, run_fixvenue

FIRMS = ("BRK1", "BRK2", "BRK3", "BRK4")
KINDS = ("fees", "positions", "settlement", "trades")
TRADE_HEADER = (
    "trade_id,exec_id,order_id,clordid,account,session,symbol,side,qty,price,currency,"
    "notional,liquidity,fee,transact_time"
)
POSITION_HEADER = (
    "account,symbol,currency,sod_qty,bought_qty,sold_qty,net_qty,bought_notional,"
    "sold_notional,close_price"
)
SETTLEMENT_HEADER = "currency,bought_notional,sold_notional,net_cash,fees,net_after_fees"
FEE_HEADER = "account,symbol,currency,liquidity,fills,qty,fees"


def _first_trading_date(venue: Venue) -> str:
    engine = create_engine(venue.database_url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(select(trading_days.c.trading_date)).scalar_one())
    finally:
        engine.dispose()


def _eod(venue: Venue, trading_date: str, out: Path, *more: str) -> str:
    return ledger_command(venue, "eod", "run", "--date", trading_date, "--out", str(out), *more)


def _reconcile(venue: Venue, trading_date: str, *more: str) -> tuple[int, str]:
    result = run_fixvenue(
        "reconcile",
        "--date",
        trading_date,
        *more,
        "--config",
        str(venue.config_path),
        "--db",
        venue.database_url,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout


def _lines(out: Path, firm: str, kind: str, trading_date: str) -> list[str]:
    name = f"{kind}_{firm}_{trading_date.replace('-', '')}.csv"
    return (out / firm / name).read_text().splitlines()


def _iso(fix_time: str) -> str:
    """A FIX UTCTimestamp with microseconds as the files write it."""
    return datetime.strptime(fix_time, "%Y%m%d-%H:%M:%S.%f").strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _trade_line(fill: Received, account: str, session: str, notional: str, fee: str) -> str:
    side = {"1": "buy", "2": "sell"}[fill.get(54) or ""]
    liquidity = {"1": "added", "2": "removed"}[fill.get(851) or ""]
    return ",".join(
        (
            fill.get(527) or "",
            fill.get(17) or "",
            fill.get(37) or "",
            fill.get(11) or "",
            account,
            session,
            fill.get(55) or "",
            side,
            fill.get(32) or "",
            fill.get(31) or "",
            {"ACME": "USD", "EURX": "EUR"}[fill.get(55) or ""],
            notional,
            liquidity,
            fee,
            _iso(fill.get(60) or ""),
        )
    )


def _snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_a_days_trading_ends_in_clearing_files_that_reconcile_and_rerun_identically(
    venue: Venue, broker1: FixClient, broker2: FixClient, dc_all: FixClient, tmp_path: Path
) -> None:
    day = _first_trading_date(venue)
    stamp = day.replace("-", "")
    # BRK1-A bids for 100 ACME (Day); BRK2-A sells it 60.
    day_bid = broker1.new_order(account="BRK1-A", price="99.00", quantity="100")
    broker1.report(day_bid, "0")
    acme_sell = broker2.new_order(account="BRK2-A", side="2", price="99.00", quantity="60")
    acme_maker, acme_taker = broker1.report(day_bid, "F"), broker2.report(acme_sell, "F")
    # BRK1-B offers 40 EURX (GTC); BRK2-A buys it all.
    eurx_offer = broker1.new_order(
        account="BRK1-B", symbol="EURX", side="2", price="50.00", quantity="40", time_in_force="1"
    )
    broker1.report(eurx_offer, "0")
    eurx_bid = broker2.new_order(account="BRK2-A", symbol="EURX", price="50.00", quantity="40")
    eurx_maker, eurx_taker = broker1.report(eurx_offer, "F"), broker2.report(eurx_bid, "F")
    # A GTC bid that carries over to the next date.
    carried = broker1.new_order(account="BRK1-A", symbol="BOLT", price="24.00", time_in_force="1")
    broker1.report(carried, "0")

    out = tmp_path / "clearing"
    said = _eod(venue, day, out)
    assert f"trading date {day} ended: 1 Day orders expired" in said
    # The rest of the Day bid expired, reported to its session and to the drop copy.
    expired = broker1.report(day_bid, "C")
    assert (expired.get(39), expired.get(14), expired.get(151)) == ("C", "60", "0")
    copy = dc_all.expect(lambda m: m.get(17) == expired.get(17) and m.get(150) == "C")
    assert copy.get(115) == "BROKER1"

    assert _lines(out, "BRK1", "trades", day) == [
        TRADE_HEADER,
        _trade_line(acme_maker, "BRK1-A", "BROKER1", "5940.00", "-0.12"),
        _trade_line(eurx_maker, "BRK1-B", "BROKER1", "2000.00", "-0.06"),
    ]
    assert _lines(out, "BRK2", "trades", day) == [
        TRADE_HEADER,
        _trade_line(acme_taker, "BRK2-A", "BROKER2", "5940.00", "0.18"),
        _trade_line(eurx_taker, "BRK2-A", "BROKER2", "2000.00", "0.10"),
    ]
    assert acme_maker.get(527) == acme_taker.get(527)  # one trade, two fills
    assert _lines(out, "BRK1", "positions", day) == [
        POSITION_HEADER,
        "BRK1-A,ACME,USD,0,60,0,60,5940.00,0.00,99.00",
        "BRK1-B,EURX,EUR,0,0,40,-40,0.00,2000.00,50.00",
    ]
    assert _lines(out, "BRK2", "positions", day) == [
        POSITION_HEADER,
        "BRK2-A,ACME,USD,0,0,60,-60,0.00,5940.00,99.00",
        "BRK2-A,EURX,EUR,0,40,0,40,2000.00,0.00,50.00",
    ]
    # Money in is positive; a maker's rebate is a negative fee.
    assert _lines(out, "BRK1", "settlement", day) == [
        SETTLEMENT_HEADER,
        "EUR,0.00,2000.00,2000.00,-0.06,2000.06",
        "USD,5940.00,0.00,-5940.00,-0.12,-5939.88",
    ]
    assert _lines(out, "BRK2", "settlement", day) == [
        SETTLEMENT_HEADER,
        "EUR,2000.00,0.00,-2000.00,0.10,-2000.10",
        "USD,0.00,5940.00,5940.00,0.18,5939.82",
    ]
    assert _lines(out, "BRK1", "fees", day) == [
        FEE_HEADER,
        "BRK1-A,ACME,USD,added,1,60,-0.12",
        "BRK1-B,EURX,EUR,added,1,40,-0.06",
    ]
    assert _lines(out, "BRK2", "fees", day) == [
        FEE_HEADER,
        "BRK2-A,ACME,USD,removed,1,60,0.18",
        "BRK2-A,EURX,EUR,removed,1,40,0.10",
    ]
    # A firm that did not trade still gets its files, each with its header alone.
    headers = dict(
        zip(KINDS, (FEE_HEADER, POSITION_HEADER, SETTLEMENT_HEADER, TRADE_HEADER), strict=True)
    )
    for kind in KINDS:
        assert _lines(out, "BRK3", kind, day) == [headers[kind]]

    manifest = json.loads((out / f"manifest_{stamp}.json").read_text())
    names = [f"{firm}/{kind}_{firm}_{stamp}.csv" for firm in FIRMS for kind in KINDS]
    assert [entry["name"] for entry in manifest["files"]] == names
    for entry in manifest["files"]:
        content = (out / entry["name"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry["records"] == len(content.splitlines()) - 1
        with (out / entry["name"]).open(newline="") as handle:
            header, *rows = csv.reader(handle)
        assert all(len(row) == len(header) for row in rows), entry
    assert not list(out.rglob("*.partial"))

    code, report = _reconcile(venue, day)
    assert code == 0, report
    assert f"reconcile {day} (ended): 0 breaks" in report
    assert report.count("  ok     ") == 6, report

    # Again: nothing new is posted, and the files are the same bytes.
    before = _snapshot(out)
    assert f"trading date {day} had already ended; nothing posted" in _eod(venue, day, out)
    assert _snapshot(out) == before
    broker1.settle()
    assert [m for m in broker1.received() if m.get(150) == "C"] == [expired]


def test_the_next_date_reuses_clordids_and_starts_from_the_positions_carried(
    venue: Venue, broker1: FixClient, broker2: FixClient, tmp_path: Path
) -> None:
    day = _first_trading_date(venue)
    following = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    bid = broker1.new_order(account="BRK1-A", price="99.00", quantity="60")
    first_ack = broker1.report(bid, "0")
    broker2.report(broker2.new_order(account="BRK2-A", side="2", price="99.00", quantity="60"), "F")
    broker1.report(bid, "F")
    out = tmp_path / "clearing"
    answer = json.loads(_eod(venue, day, out, "--json"))
    assert answer["current_trading_date"] == following
    assert answer["closes"] == {"ACME": "99.00", "BOLT": "25.00", "EURX": "50.00"}
    # The new date outlasts a restart: the end of day replays like any command.
    assert venue.stop() == 0
    venue.start()
    broker1.wait_logon()
    broker2.wait_logon()

    # The same ClOrdID is new again on the next date; the close is the reference price.
    again = broker1.new_order(
        account="BRK1-A", side="2", price="99.50", quantity="10", client_order_id=bid
    )
    second_ack = broker1.report(again, "0")
    broker2.report(broker2.new_order(account="BRK2-A", price="99.50", quantity="10"), "F")
    _eod(venue, following, out)
    # The compliance files of each date hold that date's reports alone.
    exported = {}
    for trading_date in (day, following):
        path = tmp_path / f"reports_{trading_date}.jsonl"
        ledger_command(
            venue,
            "dropcopy",
            "export",
            "--date",
            trading_date,
            "--format",
            "jsonl",
            "--out",
            str(path),
        )
        exported[trading_date] = {
            json.loads(line)["exec_id"] for line in path.read_text().splitlines()
        }
    assert first_ack.get(17) in exported[day] and first_ack.get(17) not in exported[following]
    assert second_ack.get(17) in exported[following] and second_ack.get(17) not in exported[day]
    assert len(exported[day]) == 4 and len(exported[following]) == 4
    assert _lines(out, "BRK1", "positions", following)[1:] == [
        "BRK1-A,ACME,USD,60,0,10,50,0.00,995.00,99.50"
    ]
    assert _lines(out, "BRK2", "positions", following)[1:] == [
        "BRK2-A,ACME,USD,-60,10,0,-50,995.00,0.00,99.50"
    ]
    code, report = _reconcile(venue, following)
    assert code == 0 and "positions carried to the next date: 2 positions" in report, report
    # The first date's files are still there, and it cannot end twice.
    assert (out / f"manifest_{day.replace('-', '')}.json").exists()
    assert "had already ended" in _eod(venue, day, out)


def test_reconcile_finds_a_broken_posting_and_a_fill_missing_from_the_register(
    venue: Venue, broker1: FixClient, broker2: FixClient, tmp_path: Path
) -> None:
    day = _first_trading_date(venue)
    bid = broker1.new_order(account="BRK1-A", price="99.00", quantity="60")
    broker1.report(bid, "0")
    offer = broker2.new_order(account="BRK2-A", side="2", price="99.00", quantity="60")
    taker, maker = broker2.report(offer, "F"), broker1.report(bid, "F")
    _eod(venue, day, tmp_path / "clearing")
    assert _reconcile(venue, day)[0] == 0
    # One share too many posted to the buyer; the seller's fill gone from the register.
    bought, sold = int(maker.get(17) or 0), int(taker.get(17) or 0)
    engine = create_engine(venue.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                update(postings)
                .where(postings.c.event_id == bought, postings.c.leg == 0)
                .values(amount=postings.c.amount + 1)
            )
            connection.execute(delete(trades).where(trades.c.event_id == sold))
    finally:
        engine.dispose()
    code, report = _reconcile(venue, day)
    assert code == 1, report
    assert f"fill {sold} is not in the trade register" in report
    assert f"event {sold} is posted but has no row in the trade register" in report
    assert (
        f"fill {bought}: postings to account BRK1-A are 3 legs: position 61 ACME, "
        "cash -5940.00 USD, fee 0.12 USD, expected 3 legs: position 60 ACME" in report
    ), report
    assert "BREAK  positions net to zero per symbol: 1 symbols" in report
    assert "ACME nets to 1" in report
    assert "BREAK  debits equal credits" in report
    assert "position ACME: debits 121, credits 120" in report
    assert "BRK1-A ACME: start of day plus postings is 61, carried 60" in report
    code, as_json = _reconcile(venue, day, "--json")
    answer = json.loads(as_json)
    assert code == 1 and answer["ok"] is False
    broken = {check["check"]: check["break_count"] for check in answer["checks"] if not check["ok"]}
    assert broken == {
        "fills in the trade register": 1,
        "fills posted": 2,
        "positions net to zero per symbol": 1,
        "debits equal credits": 1,
        "positions carried to the next date": 1,
    }
    assert answer["breaks"] == 6


def test_eod_refuses_a_date_that_has_not_begun_and_a_bad_date(venue: Venue, tmp_path: Path) -> None:
    day = date.fromisoformat(_first_trading_date(venue))
    later = (day + timedelta(days=1)).isoformat()
    arguments = ("--out", str(tmp_path / "out"), "--config", str(venue.config_path))
    refused = run_fixvenue("eod", "run", "--date", later, *arguments, "--db", venue.database_url)
    assert_refused(refused, f"trading date {later} has not begun", f"the venue is at {day}")
    assert not (tmp_path / "out").exists()
    bad = run_fixvenue("eod", "run", "--date", "22/11/2026", *arguments)
    assert bad.returncode == 2 and "--date" in bad.stderr, bad
    unknown = run_fixvenue(
        "reconcile",
        "--date",
        "2001-01-01",
        "--config",
        str(venue.config_path),
        "--db",
        venue.database_url,
    )
    assert_refused(unknown, "2001-01-01 is not a trading date of this ledger")
