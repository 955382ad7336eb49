# Run with the project's virtualenv: .venv/bin/python scripts/bench_matching.py --help
"""Matching-core benchmark: TradingCore.apply alone, on one core, over a mixed stream.

The stream is generated up front (not timed) from a seeded random generator, over ten
symbols and four firms:
  - adds: passive limit orders a few ticks away from the touch (Day, GTC, some icebergs);
  - cancels and replaces of orders that are still open (replaces move the price or lower
    the quantity, so some keep priority and some re-match);
  - aggressive orders: limit IOC, limit Day and market orders that cross the spread.
Each command gets its sequence number and timestamp as the sequencer would give them, and
the timed loop is exactly what the sequencer thread does per command: core.apply.
With risk on (the default) the stream starts with the venue's ConfigureRisk, limits every
account has and that let the whole stream through, so every order runs every check.
--risk both runs the stream with and without limits, alternately, and prints what the
checks cost per command.
Prints commands/s and events/s (best of --repeat runs), and with --profile the functions
where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from machine_speed import calibration_ms

from fixvenue.app.memory import tune_garbage_collector
from fixvenue.core import trading
from fixvenue.core.trading import TradingCore
from fixvenue.domain.commands import (
    CancelOrder,
    Command,
    ConfigureRisk,
    PlaceOrder,
    ReplaceOrder,
    SequencedCommand,
)
from fixvenue.domain.risk import MONEY_SCALE, RiskLimits
from fixvenue.domain.values import (
    Instrument,
    OrderType,
    SessionProfile,
    Side,
    TimeInForce,
)

SYMBOLS = tuple(f"SYM{n}" for n in range(10))
REFERENCE_PRICE = 10_000  # ticks
INSTRUMENTS = tuple(
    Instrument(
        symbol=symbol,
        currency="USD",
        tick_size=Decimal("0.01"),
        reference_price=REFERENCE_PRICE,
        market_band_basis_points=500,
    )
    for symbol in SYMBOLS
)
SESSIONS = tuple(
    SessionProfile(session=f"S{n}", firm=f"F{n}", accounts=frozenset({f"A{n}"})) for n in range(4)
)
# (session, account) of each trader.
TRADERS = tuple((session.session, next(iter(session.accounts))) for session in SESSIONS)
EPOCH_US = 1_800_000_000_000_000
# Every limit checked on every order, none reached by the stream.
LIMITS = ConfigureRisk(
    default=RiskLimits(
        max_order_quantity=100_000,
        max_order_notional=100_000_000 * MONEY_SCALE,
        collar_basis_points=1_000,
        max_open_orders=1_000_000,
        max_orders_per_day=10_000_000,
        credit_limit=900_000_000_000 * MONEY_SCALE,
        max_position=100_000_000,
    ),
    accounts=(),
)


@dataclass
class _Open:
    """What the generator knows of an order it expects to be open."""

    session: str
    client_order_id: str
    symbol: str
    side: Side
    quantity: int
    price: int


@dataclass
class StreamMix:
    adds: int = 50
    cancels: int = 25
    replaces: int = 10
    aggressive: int = 15
    weights: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.weights = [self.adds, self.cancels, self.replaces, self.aggressive]


def generate(
    count: int,
    seed: int,
    mix: StreamMix,
    *,
    risk: bool,
    instruments: Sequence[Instrument] = INSTRUMENTS,
    traders: Sequence[tuple[str, str]] = TRADERS,
) -> list[SequencedCommand]:
    """The stream described above, over `instruments` and `traders` ((session, account)
    pairs), prices around each instrument's reference price."""
    rng = random.Random(seed)
    open_orders: list[_Open] = []
    commands: list[Command] = [LIMITS] if risk else []
    next_id = 0

    def client_order_id() -> str:
        nonlocal next_id
        next_id += 1
        return f"C{next_id}"

    kinds = rng.choices(("add", "cancel", "replace", "aggressive"), mix.weights, k=count)
    for kind in kinds:
        session, account = rng.choice(traders)
        if kind in ("cancel", "replace") and open_orders:
            index = rng.randrange(len(open_orders))
            target = open_orders[index]
            if kind == "cancel":
                open_orders[index] = open_orders[-1]
                open_orders.pop()
                commands.append(
                    CancelOrder(
                        session=target.session,
                        client_order_id=client_order_id(),
                        original_client_order_id=target.client_order_id,
                        order_id=None,
                        symbol=target.symbol,
                        side=target.side,
                    )
                )
            else:
                lower = rng.random() < 0.5
                quantity = max(1, target.quantity - 10) if lower else target.quantity
                step = rng.choice((-1, 1)) if not lower else 0
                price = target.price + step * (1 if target.side is Side.BUY else -1)
                previous, target.client_order_id = target.client_order_id, client_order_id()
                commands.append(
                    ReplaceOrder(
                        session=target.session,
                        client_order_id=target.client_order_id,
                        original_client_order_id=previous,
                        order_id=None,
                        symbol=target.symbol,
                        side=target.side,
                        order_type=OrderType.LIMIT,
                        quantity=quantity,
                        price=price,
                    )
                )
                target.quantity, target.price = quantity, price
            continue
        instrument = rng.choice(instruments)
        symbol, reference_price = instrument.symbol, instrument.reference_price
        side = rng.choice((Side.BUY, Side.SELL))
        sign = -1 if side is Side.BUY else 1
        if kind == "aggressive":
            market = rng.random() < 0.2
            commands.append(
                PlaceOrder(
                    session=session,
                    client_order_id=client_order_id(),
                    account=account,
                    symbol=symbol,
                    side=side,
                    order_type=OrderType.MARKET if market else OrderType.LIMIT,
                    quantity=rng.randrange(50, 400),
                    price=None if market else reference_price - sign * rng.randrange(0, 6),
                    time_in_force=rng.choice((TimeInForce.IMMEDIATE_OR_CANCEL, TimeInForce.DAY)),
                )
            )
            continue
        price = reference_price + sign * rng.randrange(1, 20)
        quantity = rng.randrange(1, 10) * 100
        order = _Open(session, client_order_id(), symbol, side, quantity, price)
        open_orders.append(order)
        commands.append(
            PlaceOrder(
                session=session,
                client_order_id=order.client_order_id,
                account=account,
                symbol=symbol,
                side=side,
                order_type=OrderType.LIMIT,
                quantity=quantity,
                price=price,
                time_in_force=rng.choice((TimeInForce.DAY, TimeInForce.GOOD_TILL_CANCEL)),
                display_quantity=100 if rng.random() < 0.05 else None,
            )
        )
    return [
        SequencedCommand(
            sequence=number,
            timestamp_us=EPOCH_US + number,
            inbound_sequence_number=number,
            command=command,
        )
        for number, command in enumerate(commands, start=1)
    ]


def new_core() -> TradingCore:
    return TradingCore(
        instruments=INSTRUMENTS,
        sessions=SESSIONS,
        first_trading_date="2026-01-02",
    )


def run_once(stream: list[SequencedCommand]) -> tuple[float, int, TradingCore]:
    """CPU seconds of one pass (the benchmark is single-threaded, so CPU time is the time
    on one core, and a busy neighbour on a shared machine does not count), events, core."""
    core = new_core()
    apply = core.apply
    events = 0
    gc.collect()
    started = time.process_time()
    for sequenced in stream:
        events += len(apply(sequenced))
    return time.process_time() - started, events, core


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeat", type=int, default=10, help="runs; the best one counts (shared hosts vary)"
    )
    parser.add_argument("--profile", action="store_true", help="profile one run instead")
    parser.add_argument("--floor", type=int, default=100_000, help="commands/s to pass")
    parser.add_argument(
        "--risk",
        choices=("on", "off", "both"),
        default="on",
        help="with the risk limits configured, without, or both to show what they cost",
    )
    arguments = parser.parse_args()

    stream = generate(arguments.commands, arguments.seed, StreamMix(), risk=arguments.risk != "off")
    tune_garbage_collector()  # as `fixvenue serve` does
    kinds: dict[str, int] = {}
    for sequenced in stream:
        name = type(sequenced.command).__name__
        kinds[name] = kinds.get(name, 0) + 1
    print(f"stream: {len(stream):,} commands over {len(SYMBOLS)} symbols: {kinds}")

    if arguments.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        run_once(stream)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return 0

    calibration_before = calibration_ms()
    unlimited = generate(arguments.commands, arguments.seed, StreamMix(), risk=False)
    # The venue's commands arrive one at a time and die once applied; these streams live
    # throughout, and the collector would walk them at every full collection. Frozen, they
    # are out of its way, as the state the venue replays at start-up is.
    gc.freeze()
    runs, bare_runs = [], []
    for _ in range(arguments.repeat):
        runs.append(run_once(stream))
        if arguments.risk == "both":  # alternately, so that both see the same machine
            bare_runs.append(run_once(unlimited))
    runs.sort(key=lambda run: run[0])
    print(f"calibration loop: {calibration_before} ms before, {calibration_ms()} ms after")
    # The container's build is compiled (setup.py; scripts/compiled-venv builds it here).
    build = "compiled (mypyc)" if trading.__file__.endswith(".so") else "interpreted"
    print(f"core: {build}, {trading.__file__}")
    if bare_runs:
        bare = min(seconds for seconds, _, _ in bare_runs)
        print(
            f"without limits: best {len(unlimited) / bare:,.0f} commands/s; the checks cost "
            f"{(runs[0][0] - bare) / len(unlimited) * 1e6:.2f} us per command"
        )
    seconds, events, core = runs[0]
    median_seconds = runs[len(runs) // 2][0]
    rate = len(stream) / seconds
    resting = len(core.open_orders)
    trades = core.identifiers.last_trade_number
    print(
        f"best of {arguments.repeat}: {seconds:.3f} CPU s, {rate:,.0f} commands/s, "
        f"{events / seconds:,.0f} events/s ({events:,} events, {trades:,} trades, "
        f"{resting:,} orders open at the end); median run {len(stream) / median_seconds:,.0f} "
        "commands/s"
    )
    if rate < arguments.floor:
        print(f"below the floor of {arguments.floor:,} commands/s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
