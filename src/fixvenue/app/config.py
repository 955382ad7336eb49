"""The venue's TOML configuration, read strictly: an unknown key or a bad value is an error."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from fixvenue.domain.commands import ConfigureRisk
from fixvenue.domain.risk import MONEY_SCALE, RiskLimits, to_millionths
from fixvenue.domain.values import (
    PRICE_BOUND,
    Instrument,
    SelfTradePrevention,
    SessionProfile,
    SessionRole,
    percent_to_basis_points,
    price_to_ticks,
)
from fixvenue.fix.credentials import BadPasswordHashError, Credentials, PasswordHash


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and why."""


BEGIN_STRINGS = ("FIX.4.4", "FIX.4.2")
DROP_COPY_BEGIN_STRING = "FIX.4.4"
TOKEN_NAME_LENGTH_MAX = 64  # the audit log's column
TOKEN_NAME = re.compile(rf"[A-Za-z0-9._-]{{1,{TOKEN_NAME_LENGTH_MAX}}}")
CLEARING_FIRM_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionConfig:
    target_comp_id: str
    begin_string: str
    role: SessionRole
    firm: str | None  # drop copy: None means every firm
    accounts: frozenset[str]
    enabled: bool
    cancel_on_disconnect: bool
    throttle_messages_per_second: int
    # The only addresses the session may log on from (IPs, normalised); empty: any.
    allowed_addresses: tuple[str, ...] = ()
    # What its Logon must carry, when the session is configured with a username.
    credentials: Credentials | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    host: str
    port: int


# The name the audit log gives whoever uses `admin.token` (or FIXVENUE_ADMIN_TOKEN).
MAIN_TOKEN_NAME = "admin"


@dataclass(frozen=True, slots=True, kw_only=True)
class AdminConfig:
    endpoint: Endpoint
    token: str  # the CLI's token; may instead come from FIXVENUE_ADMIN_TOKEN
    # More tokens, each named for who holds it: the audit log says who made each request.
    named_tokens: dict[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueConfig:
    path: Path
    comp_id: str
    data_dir: Path
    fix: Endpoint
    data_dictionaries: dict[str, Path]
    metrics: Endpoint
    admin: AdminConfig
    instruments: tuple[Instrument, ...]
    sessions: tuple[SessionConfig, ...]
    default_risk: RiskLimits
    account_risk: dict[str, RiskLimits]
    # Per account, where it is not the default of cancelling the resting order.
    self_trade_prevention: dict[str, SelfTradePrevention]
    # The clearing firm of every firm that trades (by default the firm itself).
    clearing_firms: dict[str, str]

    def account_clearing_firms(self) -> dict[str, str]:
        """Each account's clearing firm: the one its firm clears through."""
        return {
            account: self.clearing_firms[session.firm]
            for session in self.sessions
            if session.role is SessionRole.ORDER_ENTRY and session.firm is not None
            for account in session.accounts
        }

    def session(self, target_comp_id: str) -> SessionConfig:
        for session in self.sessions:
            if session.target_comp_id == target_comp_id:
                return session
        raise KeyError(target_comp_id)

    def risk_configuration(self) -> ConfigureRisk:
        return ConfigureRisk(
            default=self.default_risk, accounts=tuple(sorted(self.account_risk.items()))
        )

    def session_profiles(self) -> list[SessionProfile]:
        return [
            SessionProfile(session=s.target_comp_id, firm=s.firm, accounts=s.accounts)
            for s in self.sessions
            if s.role is SessionRole.ORDER_ENTRY and s.firm is not None
        ]


DEFAULT_THROTTLE = 500
# A fee per share beyond this is a typing error, not a fee.
FEE_PER_SHARE_BOUND = Decimal(1000)
DEFAULT_MARKET_BAND_PERCENT = "5"


def load(path: Path) -> VenueConfig:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read it: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    return _Reader(path).venue(data)


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: {where}: {message}")

    def table(self, data: Any, where: str, keys: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, "expected a table")
        unknown = sorted(set(data) - keys)
        if unknown:
            raise self.fail(where, f"unknown key {unknown[0]!r}")
        missing = sorted(required - set(data))
        if missing:
            raise self.fail(where, f"missing key {missing[0]!r}")
        return data

    def string(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(where, "expected a non-empty string")
        return value

    def integer(self, value: Any, where: str, minimum: int = 1) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(where, f"expected a whole number of at least {minimum}")
        return value

    def decimal(self, value: Any, where: str, *, signed: bool = False) -> Decimal:
        """A decimal number given as a string; positive unless `signed`."""
        # Strings only: a TOML float would already have lost exactness.
        if not isinstance(value, str):
            raise self.fail(where, 'expected a decimal number in a string, e.g. "0.01"')
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise self.fail(where, f"{value!r} is not a decimal number") from None
        if not number.is_finite():
            raise self.fail(where, f"{value!r} is not a finite number")
        if number <= 0 and not signed:
            raise self.fail(where, "expected a positive decimal number")
        return number

    def basis_points(self, value: Any, where: str) -> int:
        """A percentage in hundredths of a percent."""
        try:
            return percent_to_basis_points(self.decimal(value, where))
        except ValueError as error:
            raise self.fail(where, str(error)) from None

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, "expected true or false")
        return value

    def endpoint(self, data: Any, where: str) -> Endpoint:
        table = self.table(data, where, {"host", "port"}, {"host", "port"})
        return Endpoint(
            host=self.string(table["host"], f"{where}.host"),
            port=self.integer(table["port"], f"{where}.port"),
        )

    def named_tokens(self, data: Any) -> dict[str, str]:
        if not isinstance(data, dict):
            raise self.fail("admin.tokens", "expected a table of name = token")
        tokens = {}
        for name, token in data.items():
            where = f"admin.tokens.{name}"
            if name == MAIN_TOKEN_NAME:
                raise self.fail(where, f"{name!r} is the name of admin.token")
            if not TOKEN_NAME.fullmatch(name):
                raise self.fail(
                    where,
                    "a name is letters, digits, '.', '_' or '-', "
                    f"at most {TOKEN_NAME_LENGTH_MAX} characters",
                )
            tokens[name] = self.string(token, where)
        if len(set(tokens.values())) < len(tokens):
            raise self.fail(
                "admin.tokens", "two names share a token: the audit log could not tell them apart"
            )
        return tokens

    def venue(self, data: dict[str, Any]) -> VenueConfig:
        top = self.table(
            data,
            "top level",
            {
                "venue",
                "fix",
                "metrics",
                "admin",
                "instruments",
                "sessions",
                "risk",
                "self_trade_prevention",
                "clearing_firms",
            },
            {"venue", "fix", "metrics", "admin", "instruments", "sessions", "risk"},
        )
        venue = self.table(top["venue"], "venue", {"comp_id", "data_dir"}, {"comp_id"})
        fix = self.table(
            top["fix"],
            "fix",
            {"host", "port", "data_dictionaries"},
            {"host", "port", "data_dictionaries"},
        )
        admin = self.table(
            top["admin"], "admin", {"host", "port", "token", "tokens"}, {"host", "port"}
        )
        instruments = self.instruments(top["instruments"])
        sessions = self.sessions(top["sessions"])
        default_risk, account_risk = self.risk(top["risk"], sessions, instruments)
        self_trade_prevention = self.self_trade_prevention(
            top.get("self_trade_prevention", {}), sessions
        )
        return VenueConfig(
            path=self.path,
            comp_id=self.string(venue["comp_id"], "venue.comp_id"),
            data_dir=Path(self.string(venue.get("data_dir", "var"), "venue.data_dir")),
            fix=self.endpoint({"host": fix["host"], "port": fix["port"]}, "fix"),
            data_dictionaries=self.dictionaries(fix["data_dictionaries"]),
            metrics=self.endpoint(top["metrics"], "metrics"),
            admin=AdminConfig(
                endpoint=self.endpoint({"host": admin["host"], "port": admin["port"]}, "admin"),
                # The token may instead come from FIXVENUE_ADMIN_TOKEN at the admin edge.
                token=self.string(admin["token"], "admin.token") if "token" in admin else "",
                named_tokens=self.named_tokens(admin.get("tokens", {})),
            ),
            instruments=instruments,
            sessions=sessions,
            default_risk=default_risk,
            account_risk=account_risk,
            self_trade_prevention=self_trade_prevention,
            clearing_firms=self.clearing_firms(top.get("clearing_firms", {}), sessions),
        )

    def addresses(self, data: Any, where: str) -> tuple[str, ...]:
        """IP addresses, as QuickFIX compares them (it resolves no names)."""
        if not isinstance(data, list):
            raise self.fail(where, "expected a list of IP addresses")
        result = []
        for value in data:
            try:
                result.append(str(ipaddress.ip_address(self.string(value, where))))
            except ValueError:
                raise self.fail(where, f"{value!r} is not an IP address") from None
        return tuple(result)

    def credentials(
        self, table: dict[str, Any], where: str, begin_string: str
    ) -> Credentials | None:
        username, password_hash = table.get("username"), table.get("password_hash")
        if username is None and password_hash is None:
            return None
        if username is None or password_hash is None:
            raise self.fail(where, "username and password_hash go together")
        if begin_string == "FIX.4.2":
            raise self.fail(where, "FIX 4.2 has no Username(553) and Password(554) on its Logon")
        try:
            parsed = PasswordHash.parse(self.string(password_hash, f"{where}.password_hash"))
        except BadPasswordHashError as error:
            raise self.fail(f"{where}.password_hash", str(error)) from None
        return Credentials(self.string(username, f"{where}.username"), parsed)

    def clearing_firms(self, data: Any, sessions: tuple[SessionConfig, ...]) -> dict[str, str]:
        """Firm -> clearing firm for every firm that trades; a firm not named clears for
        itself. The names become directory and file names of the clearing files."""
        firms = sorted(
            {s.firm for s in sessions if s.role is SessionRole.ORDER_ENTRY and s.firm is not None}
        )
        table = self.table(data, "clearing_firms", set(firms), set())
        result = {}
        for firm in firms:
            where = f"clearing_firms.{firm}" if firm in table else f"firm {firm!r}"
            name = self.string(table.get(firm, firm), where)
            if not CLEARING_FIRM_NAME.fullmatch(name):
                raise self.fail(
                    where,
                    f"a clearing firm's name ({name!r}) names its files: use 1 to 64 letters, "
                    "digits, '.', '_' or '-', not starting with '.'",
                )
            result[firm] = name
        return result

    def dictionaries(self, data: Any) -> dict[str, Path]:
        table = self.table(data, "fix.data_dictionaries", set(BEGIN_STRINGS), set(BEGIN_STRINGS))
        result = {}
        for begin_string, value in table.items():
            where = f"fix.data_dictionaries.{begin_string}"
            path = (self.path.parent / self.string(value, where)).resolve()
            if not path.is_file():
                raise self.fail(where, f"no data dictionary at {path}")
            result[begin_string] = path
        return result

    def instruments(self, data: Any) -> tuple[Instrument, ...]:
        if not isinstance(data, list) or not data:
            raise self.fail("instruments", "expected at least one [[instruments]] table")
        result: list[Instrument] = []
        for index, item in enumerate(data):
            where = f"instruments[{index}]"
            required = {"symbol", "currency", "tick_size", "reference_price"}
            optional = {"market_band_percent", "maker_fee_per_share", "taker_fee_per_share"}
            table = self.table(item, where, required | optional, required)
            tick_size = self.decimal(table["tick_size"], f"{where}.tick_size")
            if tick_size >= PRICE_BOUND:
                raise self.fail(f"{where}.tick_size", f"must be below {PRICE_BOUND}")
            if tick_size * MONEY_SCALE != (tick_size * MONEY_SCALE).to_integral_value():
                raise self.fail(f"{where}.tick_size", "expected at most six decimals")
            reference = self.decimal(table["reference_price"], f"{where}.reference_price")
            if reference >= PRICE_BOUND:
                raise self.fail(f"{where}.reference_price", f"must be below {PRICE_BOUND}")
            reference_ticks = price_to_ticks(reference, tick_size)
            if reference_ticks is None:
                raise self.fail(
                    f"{where}.reference_price", f"{reference} is not on the tick size {tick_size}"
                )
            result.append(
                Instrument(
                    symbol=self.string(table["symbol"], f"{where}.symbol"),
                    currency=self.string(table["currency"], f"{where}.currency"),
                    tick_size=tick_size,
                    reference_price=reference_ticks,
                    market_band_basis_points=self.basis_points(
                        table.get("market_band_percent", DEFAULT_MARKET_BAND_PERCENT),
                        f"{where}.market_band_percent",
                    ),
                    maker_fee_per_share=self.fee(table, "maker_fee_per_share", where),
                    taker_fee_per_share=self.fee(table, "taker_fee_per_share", where),
                )
            )
        symbols = [i.symbol for i in result]
        if len(set(symbols)) != len(symbols):
            raise self.fail("instruments", "a symbol is listed twice")
        return tuple(result)

    def fee(self, table: dict[str, Any], key: str, where: str) -> int:
        """A fee per share in millionths of the currency (negative: a rebate); 0 if not
        given."""
        if key not in table:
            return 0
        fee = self.decimal(table[key], f"{where}.{key}", signed=True)
        if abs(fee) >= FEE_PER_SHARE_BOUND:
            raise self.fail(f"{where}.{key}", f"must be within ±{FEE_PER_SHARE_BOUND}")
        millionths = fee * MONEY_SCALE
        if millionths != millionths.to_integral_value():
            raise self.fail(f"{where}.{key}", "expected at most six decimals")
        return int(millionths)

    def check_drop_copies(self, sessions: list[SessionConfig]) -> None:
        """Drop copies are FIX 4.4 (CONTRACT §7), scoped to a firm that has sessions."""
        firms = {s.firm for s in sessions if s.role is SessionRole.ORDER_ENTRY}
        for index, session in enumerate(sessions):
            if session.role is not SessionRole.DROP_COPY:
                continue
            where = f"sessions[{index}]"
            if session.begin_string != DROP_COPY_BEGIN_STRING:
                raise self.fail(
                    f"{where}.begin_string", f"a drop-copy session speaks {DROP_COPY_BEGIN_STRING}"
                )
            if session.firm is not None and session.firm not in firms:
                raise self.fail(
                    f"{where}.firm", f"no order-entry session has firm {session.firm!r}"
                )

    def sessions(self, data: Any) -> tuple[SessionConfig, ...]:
        if not isinstance(data, list) or not data:
            raise self.fail("sessions", "expected at least one [[sessions]] table")
        result: list[SessionConfig] = []
        for index, item in enumerate(data):
            where = f"sessions[{index}]"
            keys = {
                "target_comp_id",
                "begin_string",
                "role",
                "firm",
                "accounts",
                "enabled",
                "cancel_on_disconnect",
                "throttle_messages_per_second",
                "allowed_addresses",
                "username",
                "password_hash",
            }
            table = self.table(item, where, keys, {"target_comp_id", "begin_string", "role"})
            begin_string = self.string(table["begin_string"], f"{where}.begin_string")
            if begin_string not in BEGIN_STRINGS:
                raise self.fail(f"{where}.begin_string", f"expected one of {BEGIN_STRINGS}")
            try:
                role = SessionRole(table["role"])
            except ValueError:
                raise self.fail(f"{where}.role", "expected order_entry or drop_copy") from None
            firm = table.get("firm")
            if firm is not None:
                firm = self.string(firm, f"{where}.firm")
            elif role is SessionRole.ORDER_ENTRY:
                raise self.fail(where, "an order-entry session needs a firm")
            accounts = table.get("accounts", [])
            if not isinstance(accounts, list):
                raise self.fail(f"{where}.accounts", "expected a list of account names")
            if role is SessionRole.ORDER_ENTRY and not accounts:
                raise self.fail(where, "an order-entry session needs accounts")
            result.append(
                SessionConfig(
                    target_comp_id=self.string(table["target_comp_id"], f"{where}.target_comp_id"),
                    begin_string=begin_string,
                    role=role,
                    firm=firm,
                    accounts=frozenset(self.string(a, f"{where}.accounts") for a in accounts),
                    enabled=self.boolean(table.get("enabled", True), f"{where}.enabled"),
                    cancel_on_disconnect=self.boolean(
                        table.get("cancel_on_disconnect", False), f"{where}.cancel_on_disconnect"
                    ),
                    throttle_messages_per_second=self.integer(
                        table.get("throttle_messages_per_second", DEFAULT_THROTTLE),
                        f"{where}.throttle_messages_per_second",
                    ),
                    allowed_addresses=self.addresses(
                        table.get("allowed_addresses", []), f"{where}.allowed_addresses"
                    ),
                    credentials=self.credentials(table, where, begin_string),
                )
            )
        names = [s.target_comp_id for s in result]
        if len(set(names)) != len(names):
            raise self.fail("sessions", "a target_comp_id is listed twice")
        owners: dict[str, str] = {}
        for session in result:
            if session.role is not SessionRole.ORDER_ENTRY or session.firm is None:
                continue
            for account in sorted(session.accounts):
                owner = owners.setdefault(account, session.firm)
                if owner != session.firm:
                    raise self.fail(
                        "sessions",
                        f"account {account} is listed for firms {owner} and {session.firm}: "
                        "an account belongs to one firm",
                    )
        self.check_drop_copies(result)
        return tuple(result)

    _RISK_KEYS = frozenset(
        {
            "max_order_quantity",
            "max_order_notional",
            "collar_percent",
            "max_open_orders",
            "max_orders_per_day",
            "credit_limit",
        }
    )
    _OPTIONAL_RISK_KEYS = frozenset({"max_position", "restricted_symbols"})

    def money(self, value: Any, where: str) -> int:
        """An amount of money in millionths of its currency."""
        try:
            return to_millionths(self.decimal(value, where))
        except ValueError as error:
            raise self.fail(where, str(error)) from None

    def limits(
        self,
        data: Any,
        where: str,
        symbols: set[str],
        inherited: RiskLimits | None,
    ) -> RiskLimits:
        """One account's limits; an account's table may leave out any the default gives."""
        keys = set(self._RISK_KEYS | self._OPTIONAL_RISK_KEYS)
        table = self.table(data, where, keys, set(self._RISK_KEYS) if inherited is None else set())
        given: dict[str, Any] = {}
        readers = {
            "max_order_quantity": self.integer,
            "max_order_notional": self.money,
            "collar_percent": self.basis_points,
            "max_open_orders": self.integer,
            "max_orders_per_day": self.integer,
            "credit_limit": self.money,
            "max_position": self.integer,
        }
        for key, read in readers.items():
            if key in table:
                name = "collar_basis_points" if key == "collar_percent" else key
                given[name] = read(table[key], f"{where}.{key}")
        if "restricted_symbols" in table:
            restricted = table["restricted_symbols"]
            if not isinstance(restricted, list):
                raise self.fail(f"{where}.restricted_symbols", "expected a list of symbols")
            for symbol in restricted:
                if not isinstance(symbol, str) or symbol not in symbols:
                    raise self.fail(f"{where}.restricted_symbols", f"unknown symbol {symbol!r}")
            given["restricted_symbols"] = tuple(sorted(set(restricted)))
        if inherited is None:
            return RiskLimits(**given)
        return dataclasses.replace(inherited, **given)

    def risk(
        self,
        data: Any,
        sessions: tuple[SessionConfig, ...],
        instruments: tuple[Instrument, ...],
    ) -> tuple[RiskLimits, dict[str, RiskLimits]]:
        table = self.table(data, "risk", {"default", "accounts"}, {"default"})
        symbols = {instrument.symbol for instrument in instruments}
        default = self.limits(table["default"], "risk.default", symbols, None)
        known = {account for session in sessions for account in session.accounts}
        accounts = self.table(table.get("accounts", {}), "risk.accounts", known, set())
        return default, {
            name: self.limits(value, f"risk.accounts.{name}", symbols, default)
            for name, value in accounts.items()
        }

    def self_trade_prevention(
        self, data: Any, sessions: tuple[SessionConfig, ...]
    ) -> dict[str, SelfTradePrevention]:
        accounts = {account for session in sessions for account in session.accounts}
        table = self.table(data, "self_trade_prevention", accounts, set())
        modes = ", ".join(mode.value for mode in SelfTradePrevention)
        result = {}
        for account, value in table.items():
            where = f"self_trade_prevention.{account}"
            try:
                result[account] = SelfTradePrevention(self.string(value, where))
            except ValueError:
                raise self.fail(where, f"expected one of {modes}") from None
        return result
