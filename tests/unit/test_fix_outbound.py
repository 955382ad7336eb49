"""Reports in each FIX version's dialect: complete code tables, and messages that a broker's
engine with the standard dictionary of that version accepts."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import pytest
import quickfix

from fixvenue.domain.commands import RequestOrderStatus
from fixvenue.domain.events import (
    CancelRejected,
    Event,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderStatusReported,
)
from fixvenue.domain.values import (
    CancelRejectReason,
    OrderRejectReason,
    OrderStatus,
    SelfTradePrevention,
)
from fixvenue.fix import inbound, store, tags
from fixvenue.fix.dialects import DIALECTS, FIX42, FIX44, Dialect, ReportKind
from fixvenue.fix.outbound import OutboundMessage, Renderer, text_field
from tests.support.fix_client import DICTIONARIES, SOH
from tests.unit.builders import (
    A2,
    BUY,
    EPOCH_US,
    GTC,
    GTD,
    INSTRUMENTS,
    IOC,
    MARKET,
    S1,
    S2,
    SELL,
    STOP,
    Driver,
    cancel,
    halt,
    kinds,
    place,
    replace,
)

RENDERER = Renderer({instrument.symbol: instrument for instrument in INSTRUMENTS})
DIALECT_LIST = list(DIALECTS.values())
_DICTIONARIES: dict[str, quickfix.DataDictionary] = {}
EventKind = TypeVar("EventKind", bound=Event)


def _dictionary(dialect: Dialect) -> quickfix.DataDictionary:
    begin_string = dialect.begin_string
    if begin_string not in _DICTIONARIES:
        _DICTIONARIES[begin_string] = quickfix.DataDictionary(str(DICTIONARIES[begin_string]))
    return _DICTIONARIES[begin_string]


def _message(rendered: OutboundMessage, dialect: Dialect) -> quickfix.Message:
    """The report as a broker receives it: with a header, BodyLength and CheckSum."""
    header = (
        f"8={dialect.begin_string}{SOH}9=0{SOH}35={rendered.msg_type}{SOH}34=7{SOH}"
        f"49=FIXVENUE{SOH}52=20260102-03:04:05.678901{SOH}56=BROKER{SOH}"
    )
    body = "".join(f"{tag}={value}{SOH}" for tag, value in rendered.fields)
    # Parsing and printing again computes BodyLength and CheckSum.
    return quickfix.Message(quickfix.Message(f"{header}{body}10=000{SOH}", False).toString())


def _fields(rendered: OutboundMessage) -> dict[int, str]:
    fields = dict(rendered.fields)
    assert len(fields) == len(rendered.fields), f"a tag appears twice: {rendered.fields}"
    return fields


def _trading_day() -> list[Event]:
    """One of each report: accept, reject, partial fill, fill, replace, cancel, cancel
    rejects, status of a known and of an unknown order, stop triggered, restated, expired."""
    driver = Driver.fresh()
    driver.send_all(
        place("SELL-1", SELL, 100, 10_000),
        place("BAD-SYMBOL", BUY, 100, None, symbol="NOPE"),  # no tick size: no price
        place("BAD-ACCOUNT", BUY, 100, 10_000, account=A2),
        place("SELL-1", SELL, 5, 10_000),
        place("BUY-1", BUY, 40, 10_000, session=S2),
        RequestOrderStatus(
            session=S1, client_order_id="SELL-1", order_id=None, symbol="ACME", side=SELL
        ),
        RequestOrderStatus(
            session=S1, client_order_id="NOBODY", order_id=None, symbol="ACME", side=SELL
        ),
        replace("SELL-2", "SELL-1", SELL, 80, 10_000),
        place("BUY-2", BUY, 40, 10_000, session=S2),
        place("SELL-3", SELL, 10, 10_100),
        cancel("SELL-3", "SELL-3", SELL),
        cancel("CANCEL-3", "SELL-3", SELL),
        cancel("CANCEL-4", "CANCEL-3", SELL),
        cancel("CANCEL-9", "NOBODY", SELL),
        cancel("CANCEL-2", "SELL-2", SELL),
        # The order types and instructions of the complete order model.
        place("ICE-1", SELL, 50, 10_000, display_quantity=10, time_in_force=GTC),
        # The last trade was at 100.00: the stop triggers on arrival.
        place("STOP-1", BUY, 5, None, order_type=STOP, stop_price=10_000, session=S2),
        place("MKT-1", BUY, 5, None, order_type=MARKET, session=S2),
        place("MIN-1", BUY, 100, 10_000, time_in_force=IOC, minimum_quantity=50, session=S2),
        place("GTD-1", BUY, 3, 9_000, time_in_force=GTD, expire_time_us=EPOCH_US + 10**7),
        place("OWN-1", BUY, 7, 10_000, self_trade_prevention=SelfTradePrevention.DECREMENT),
    )
    driver.expire_at(EPOCH_US + 10**7)
    return driver.events


def test_the_trading_day_has_every_kind_of_report() -> None:
    outline = kinds(_trading_day())
    for expected in (
        "triggered STOP-1",
        "fill STOP-1 5@10000",
        "restated ICE-1 43",
        "cancelled OWN-1",
        "expired GTD-1",
        "cancelled MIN-1",
    ):
        assert expected in outline, outline


def _only(events: list[Event], kind: type[EventKind], client_order_id: str) -> EventKind:
    """The one event of `kind` about the request or the order with this ClOrdID."""
    matching = [
        event
        for event in events
        if isinstance(event, kind)
        and client_order_id
        in (
            getattr(event, "client_order_id", None),  # requests: cancel rejects, status
            getattr(getattr(event, "order", None), "client_order_id", None),
        )
    ]
    assert len(matching) == 1, matching
    return matching[0]


def test_every_dialect_names_an_exec_type_and_exec_trans_type_for_every_kind_of_report() -> None:
    for dialect in DIALECT_LIST:
        assert set(dialect.exec_types) == set(ReportKind), dialect.begin_string
        assert dialect.exec_trans_types is None or set(dialect.exec_trans_types) == set(ReportKind)
    assert FIX42.exec_trans_types is not None and FIX44.exec_trans_types is None


def test_every_reject_reason_has_a_code_in_every_dialect() -> None:
    for dialect in DIALECT_LIST:
        assert set(dialect.order_reject_reasons) == set(OrderRejectReason)
        assert set(dialect.cancel_reject_reasons) == set(CancelRejectReason)


@pytest.mark.parametrize("dialect", DIALECT_LIST, ids=lambda dialect: dialect.begin_string)
def test_every_code_a_dialect_sends_is_one_its_standard_dictionary_defines(
    dialect: Dialect,
) -> None:
    dictionary = _dictionary(dialect)
    codes = [
        *((tags.EXEC_TYPE, code) for code in dialect.exec_types.values() if code is not None),
        *((tags.EXEC_TRANS_TYPE, code) for code in (dialect.exec_trans_types or {}).values()),
        *((tags.ORD_REJ_REASON, code) for code in dialect.order_reject_reasons.values()),
        *((tags.CXL_REJ_REASON, code) for code in dialect.cancel_reject_reasons.values()),
        *((tags.ORD_STATUS, code) for code in tags.ORDER_STATUS_CODES.values()),
    ]
    undefined = [(tag, code) for tag, code in codes if not dictionary.isFieldValue(tag, code)]
    assert not undefined
    assert all(dictionary.isMsgType(msg_type) for msg_type in dialect.order_messages)


def test_dialects_are_found_by_begin_string_and_fix42_takes_no_mass_cancel() -> None:
    assert DIALECTS == {"FIX.4.4": FIX44, "FIX.4.2": FIX42}
    assert tags.MSG_ORDER_MASS_CANCEL_REQUEST in FIX44.order_messages
    assert FIX42.order_messages == FIX44.order_messages - {tags.MSG_ORDER_MASS_CANCEL_REQUEST}


@pytest.mark.parametrize("dialect", DIALECT_LIST, ids=lambda dialect: dialect.begin_string)
def test_every_report_of_a_trading_day_passes_the_standard_dictionary_of_its_version(
    dialect: Dialect,
) -> None:
    events = _trading_day()
    assert {type(event) for event in events} >= {
        OrderAccepted,
        OrderRejected,
        OrderFilled,
        OrderCancelled,
        OrderReplaced,
        CancelRejected,
        OrderStatusReported,
    }
    for event in events:
        rendered = RENDERER.render(event, dialect)
        message = _message(rendered, dialect)
        try:
            _dictionary(dialect).validate(message)
        except quickfix.Exception as error:
            pytest.fail(f"{error}: {message.toString().replace(SOH, '|')}")


def test_a_fill_is_a_partial_fill_then_a_fill_on_fix42_and_a_trade_on_fix44() -> None:
    events = _trading_day()
    fills = [
        e
        for e in events
        if isinstance(e, OrderFilled) and e.order.client_order_id in ("SELL-1", "SELL-2")
    ]
    assert [fill.order.status for fill in fills] == [
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
    ]
    fix42 = [_fields(RENDERER.render(fill, FIX42)) for fill in fills]
    fix44 = [_fields(RENDERER.render(fill, FIX44)) for fill in fills]
    assert [(f[150], f[20], f[39], f[32]) for f in fix42] == [
        ("1", "0", "1", "40"),
        ("2", "0", "2", "40"),
    ]
    assert not [f for f in fix42 if {tags.SECONDARY_EXEC_ID, tags.LAST_LIQUIDITY_IND} & set(f)]
    assert [(f[150], f[39], f[851]) for f in fix44] == [("F", "1", "1"), ("F", "2", "1")]
    assert all(f[527] and tags.EXEC_TRANS_TYPE not in f for f in fix44)


def test_a_status_report_on_fix42_says_status_in_exec_trans_type_and_the_status_in_exec_type() -> (
    None
):
    events = _trading_day()
    known = _only(events, OrderStatusReported, "SELL-1")
    unknown = _only(events, OrderStatusReported, "NOBODY")
    fix42 = _fields(RENDERER.render(known, FIX42))
    assert (fix42[20], fix42[150], fix42[39]) == ("3", "1", "1")
    unknown_fix42 = _fields(RENDERER.render(unknown, FIX42))
    assert (unknown_fix42[20], unknown_fix42[150], unknown_fix42[39]) == ("3", "8", "8")
    fix44 = _fields(RENDERER.render(known, FIX44))
    assert (fix44[150], fix44[39]) == ("I", "1") and tags.EXEC_TRANS_TYPE not in fix44


def test_rejects_carry_the_code_of_the_sessions_version_and_the_same_text() -> None:
    events = _trading_day()
    account = _only(events, OrderRejected, "BAD-ACCOUNT")
    fix42, fix44 = (_fields(RENDERER.render(account, d)) for d in (FIX42, FIX44))
    assert (fix42[103], fix44[103]) == ("0", "15")
    assert fix42[58] == fix44[58] and A2 in fix42[58]
    duplicate = _only(events, CancelRejected, "SELL-3")
    assert duplicate.reason is CancelRejectReason.DUPLICATE_CLIENT_ORDER_ID
    fix42, fix44 = (_fields(RENDERER.render(duplicate, d)) for d in (FIX42, FIX44))
    assert (fix42[102], fix44[102]) == ("2", "6")
    assert "duplicate" in fix42[58]


def test_a_halted_symbol_rejects_orders_with_2_and_replaces_with_2_in_both_versions() -> None:
    driver = Driver.fresh()
    driver.send_all(place("B1", BUY, 5, 10_000), halt())
    (order_reject,) = driver.send(place("B2", BUY, 5, 10_000))
    (replace_reject,) = driver.send(replace("R1", "B1", BUY, 4, 10_000))
    (cancelled,) = driver.send(cancel("C1", "B1", BUY))
    for dialect in (FIX42, FIX44):
        rejected = _fields(RENDERER.render(order_reject, dialect))
        assert (rejected[150], rejected[103]) == ("8", "2") and "halted" in rejected[58]
        refused = _fields(RENDERER.render(replace_reject, dialect))
        assert (refused[434], refused[102]) == ("2", "2") and "halted" in refused[58]
        assert _fields(RENDERER.render(cancelled, dialect))[150] == "4"


def _cancel_reject(
    reason: CancelRejectReason, text: str, client_order_id: str = "C1"
) -> CancelRejected:
    return CancelRejected(
        event_id=7,
        timestamp_us=1_700_000_000_000_000,
        session=S1,
        client_order_id=client_order_id,
        original_client_order_id="O1",
        order_id=None,
        status=None,
        reason=reason,
        text=text,
    )


def test_a_fix42_cancel_reject_is_found_in_the_store_and_not_taken_for_one_sharing_its_code(
    tmp_path: Path,
) -> None:
    invalid = _cancel_reject(CancelRejectReason.INVALID_REPLACEMENT, "quantity not above CumQty")
    duplicate = _cancel_reject(CancelRejectReason.DUPLICATE_CLIENT_ORDER_ID, "duplicate ClOrdID")
    sent, unsent = RENDERER.render(invalid, FIX42), RENDERER.render(duplicate, FIX42)
    assert _fields(sent)[102] == _fields(unsent)[102] == "2"
    body_file = tmp_path / "FIX.4.2-FIXVENUE-BROKER.body"
    body_file.write_text(_message(sent, FIX42).toString(), encoding="latin-1")
    identities = store.sent_identities(body_file)
    assert store.identity(sent.msg_type, sent.fields) in identities
    assert store.identity(unsent.msg_type, unsent.fields) not in identities


def test_a_report_with_text_beyond_ascii_is_found_in_the_store(tmp_path: Path) -> None:
    reject = _cancel_reject(CancelRejectReason.UNKNOWN_ORDER, "no order ordre-é", "annulé-1")
    sent = RENDERER.render(reject, FIX44)
    body_file = tmp_path / "FIX.4.4-FIXVENUE-BROKER.body"
    # As QuickFIX stores it: the bytes it was handed, UTF-8.
    body_file.write_bytes(_message(sent, FIX44).toString().encode())
    assert store.identity(sent.msg_type, sent.fields) in store.sent_identities(body_file)


def test_the_last_stored_number_is_the_highest_msgseqnum_in_the_store(tmp_path: Path) -> None:
    body_file = tmp_path / "FIX.4.4-FIXVENUE-BROKER.body"
    assert store.last_stored_number(body_file) == 0, "no store yet"
    report = RENDERER.render(_cancel_reject(CancelRejectReason.UNKNOWN_ORDER, "none"), FIX44)
    messages = []
    for number in (7, 9, 8):
        message = _message(report, FIX44)
        message.getHeader().setField(34, str(number))
        messages.append(message.toString())
    body_file.write_text("".join(messages))
    assert store.last_stored_number(body_file) == 9


def test_a_status_answer_for_a_side_the_venue_does_not_know_echoes_it() -> None:
    request = inbound.order_status_request("S1", {11: "X1", 55: "ACME", 54: "5"}.get)
    (reported,) = Driver.fresh().send(request)
    for dialect in (FIX42, FIX44):
        rendered = RENDERER.render(reported, dialect)
        assert _fields(rendered)[54] == "5"
        _dictionary(dialect).validate(_message(rendered, dialect))


def test_a_text_is_sent_as_printable_ascii_whatever_it_holds() -> None:
    # SOH would end the field and make the report unsendable, now and on every resend.
    assert text_field("kill switch engaged: x\x01y\u00e9") == (
        tags.TEXT,
        "kill switch engaged: x?y?",
    )
    assert text_field("plain text") == (tags.TEXT, "plain text")
