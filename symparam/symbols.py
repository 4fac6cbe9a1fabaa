"""One symbol table per network: the same name is always the same Symbol, of its declared type.

Types: "positive" (a positive integer: every size, the default), "natural" (an integer >= 0: a repeat count that
may be 0), "rational" (an exact positive fraction: alpha = 0.75 is 3/4), and two that decide the network's
structure rather than a size, so they always have a value while the network is built: "bool" and "choice" (one
string of a set). A structural symbol reads as sympy.true/false or as expr.Text in expressions."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Mapping

import sympy

from .errors import SymparamError, show
from .expr import GRAMMAR, Text, as_sympy, check_expansion, check_name, parse_condition, parse_expression

TYPES = ("positive", "natural", "rational", "bool", "choice")
STRUCTURAL = ("bool", "choice")
_ASSUMPTIONS = {"positive": {"integer": True, "positive": True}, "natural": {"integer": True, "nonnegative": True},
                "rational": {"rational": True, "positive": True}}


@dataclass(frozen=True)
class SymbolInfo:
    symbol: sympy.Symbol | None               # None for a structural symbol (bool, choice): it is never free
    default: Any = None                       # a number (int, sympy.Rational), an expression of other symbols
    doc: str = ""                             # (d_ff = 4*d_model), or a structural symbol's bool or string
    type: str = "positive"
    values: tuple[str, ...] = ()              # a choice's strings


def exact(value: Any) -> Fraction | None:
    """A TOML or Python number as an exact fraction: a float through its shortest repr text (0.75 -> 3/4, 1.1 ->
    11/10), never through float arithmetic. None for anything else (a bool is not a number here)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float) and math.isfinite(value):
        return Fraction(repr(value))
    if isinstance(value, Fraction):
        return value
    return None


def check_value(kind: str, value: Any, values: tuple[str, ...] = ()) -> Any:
    """`value` as a symbol of type `kind` holds it (int, sympy.Rational, bool, str), or None when it is not one."""
    if kind in ("positive", "natural"):
        if type(value) is int and value >= (1 if kind == "positive" else 0):
            return value
        return None
    if kind == "rational":
        number = exact(value)
        if number is None or number <= 0 or max(abs(number.numerator), number.denominator).bit_length() > 64:
            return None
        return int(number) if number.denominator == 1 else sympy.Rational(number.numerator, number.denominator)
    if kind == "bool":
        return value if isinstance(value, bool) else None
    return value if isinstance(value, str) and value in values else None


def describe_type(kind: str, values: tuple[str, ...] = ()) -> str:
    return {"positive": "a positive integer", "natural": "an integer >= 0",
            "rational": "a positive number (an integer, a decimal such as 0.75, or a fraction such as 3/4)",
            "bool": "true or false"}.get(kind) or "one of " + ", ".join(f'"{v}"' for v in values)


class SymbolTable:
    """Declared symbols (with defaults and docs) and the free ones a spec uses without declaring. `strict` (a spec
    with a [symbols] table): a name it does not declare is an error. `indexes`: the repeat indexes of the spec (name
    -> where), which only their repeat may use. `helpers`: the spec's named formulas."""

    def __init__(self) -> None:
        self._info: dict[str, SymbolInfo] = {}
        self.strict = False
        self.indexes: dict[str, str] = {}
        self.helpers: dict = {}
        self.structure: dict[str, Any] = {}   # the structural symbols' values the network is built with
        self.at: dict[str, Any] = {}          # the sizes a `when` over sizes is decided at, when not the defaults
        self.decided: dict[str, sympy.Basic] = {}   # the sizes `when`s were decided at -> their values
        self.decisions: list = []             # each such `when` as a Condition on the network (model.Condition)

    def declare(self, name: str, default: Any = None, doc: str = "", kind: str = "positive",
                values: tuple[str, ...] = ()) -> sympy.Symbol | None:
        check_name(name)
        symbol = None if kind in STRUCTURAL else sympy.Symbol(name, **_ASSUMPTIONS[kind])
        self._info[name] = SymbolInfo(symbol, default, doc, kind, tuple(values))
        if kind in STRUCTURAL:
            self.structure[name] = default
        return symbol

    def get(self, name: str) -> sympy.Basic:
        info = self._info.get(name)
        if info is None:
            if name in self.indexes:
                raise SymparamError(f"{name!r} is the index of the repeat at {self.indexes[name]}; only that "
                                    f"layer's arguments (or its block call's) may use it")
            if self.strict:
                close = difflib.get_close_matches(name, self.names(), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise SymparamError(f"{name!r} is not declared in [symbols]{hint} (a spec with a [symbols] table "
                                    f"declares every name it uses)")
            return self.declare(name)
        if info.type == "bool":
            return sympy.true if self.structure[name] else sympy.false
        if info.type == "choice":
            return Text(self.structure[name])
        return info.symbol

    @property
    def root(self) -> "SymbolTable":
        return self

    def decide_at(self, name: str) -> sympy.Basic | None:
        """The number a `when` over the size `name` is decided at: the value the network is read at (--set), else
        the spec's number default; None for a symbol with neither (or not a size)."""
        info = self._info.get(name)
        if info is None or info.type in STRUCTURAL:
            return None
        if name in self.at:
            return as_sympy(self.at[name])
        default = info.default
        return as_sympy(default) if isinstance(default, (int, sympy.Rational, Fraction)) else None

    def literal(self, name: Any) -> Any:
        """The bool or string a layer argument written as a structural symbol's name stands for, else None."""
        if isinstance(name, str) and name in self._info and self._info[name].type in STRUCTURAL:
            return self.structure[name]
        return None

    def fix(self, given: Mapping[str, Any]) -> None:
        """Set the structural symbols' values (`given`, else their defaults), before the layers are read."""
        for name, value in given.items():
            info = self._info.get(name)
            if info is not None and info.type in STRUCTURAL:
                self.structure[name] = value

    def structural(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The structural symbols' values at `given` (checked), their defaults otherwise."""
        values = {n: i.default for n, i in self._info.items() if i.type in STRUCTURAL}
        for name, value in (given or {}).items():
            if name in values:
                values[name] = self._checked(name, value)
        return values

    def __contains__(self, name: str) -> bool:
        return name in self._info

    def __iter__(self):
        return iter(self._info.values())

    def info(self, name: str) -> SymbolInfo:
        return self._info[name]

    def names(self) -> list[str]:
        return list(self._info)

    def set_default(self, name: str, default: sympy.Expr) -> None:
        info = self._info[name]
        self._info[name] = SymbolInfo(info.symbol, default, info.doc)

    def resolve(self, given: Mapping[str, int] | None = None, *, defaults: bool = True,
                free: Iterable[str] = ()) -> dict[str, int | sympy.Expr]:
        """The value of every symbol that has one: the `given` numbers; unless `defaults` is False (--symbolic),
        the spec's number defaults; and every formula default (d_ff = "4*d_model") worked out through the others,
        chains included (c = "b + 1" with b = "2*a" is 2·a + 1), as a number where its symbols have numbers, else as
        an expression of the symbols left free, which it then follows (in a sweep or a solve over them).
        Symbols in `free` keep no value (what a sweep or a solve varies). The one place defaults are resolved."""
        free = set(free)
        values: dict[str, int | sympy.Expr] = {k: self._checked(k, v) for k, v in (given or {}).items()
                                               if k not in free and not self._structural(k)}
        formulas: dict[str, sympy.Expr] = {}
        for name, info in self._info.items():
            if name in values or name in free or info.default is None or info.type in STRUCTURAL:
                continue
            if isinstance(info.default, int) or isinstance(info.default, sympy.Rational):
                if defaults:
                    values[name] = info.default
            else:
                formulas[name] = info.default
        known = {self._info[k].symbol: as_sympy(v) for k, v in values.items() if k in self._info}
        pending = {self._info[k].symbol: e.xreplace(known) for k, e in formulas.items()}
        for _ in range(len(pending) + 1):    # each round puts every formula into every other once
            step = {k: e.xreplace(pending) for k, e in pending.items()}
            for k, e in step.items():          # bounded before the next round builds on it
                check_expansion(e, f"[symbols] {k.name}: the default {self._info[k.name].default}")
            if step == pending:
                break
            pending = step
        for symbol, expr in pending.items():
            name = symbol.name
            circle = sorted(s.name for s in expr.free_symbols if s in pending)
            if circle:
                raise SymparamError(f"[symbols] {name}: the default {self._info[name].default} depends on itself "
                                    f"through {', '.join(circle)}; defaults may not refer to each other in a "
                                    f"circle.")
            check_expansion(expr, f"[symbols] {name}: the default {self._info[name].default}")
            if expr.is_number:
                kind = self._info[name].type
                number = check_value(kind, int(expr) if expr.is_Integer else
                                     Fraction(int(expr.p), int(expr.q)) if expr.is_Rational else None)
                if number is None:
                    raise SymparamError(f"[symbols] {name}: the default {self._info[name].default} is {expr} here; "
                                        f"it must come to {describe_type(kind)}.")
                values[name] = number
            else:
                values[name] = expr
        return values

    def _structural(self, name: str) -> bool:
        return name in self._info and self._info[name].type in STRUCTURAL

    def _checked(self, name: str, value: Any) -> Any:
        """A --set or API value for `name` as its declared type holds it; one that is not of that type is an error."""
        info = self._info.get(name)
        if info is None or isinstance(value, sympy.Basic):
            return value
        checked = check_value(info.type, value, info.values)
        if checked is None:
            shown = value if isinstance(value, str) else str(value).lower() if isinstance(value, (bool, Fraction)) \
                else show(value)
            raise SymparamError(f"--set {name} must be {describe_type(info.type, info.values)}. Received: --set "
                                f"{name}={shown if len(shown) <= 40 else shown[:37] + '...'}.")
        return checked

    def parse(self, value: object, what: str) -> sympy.Expr:
        """A size as written in a spec: an integer, or text for the safe parser. `what` names it in errors."""
        return _parse(self, value, what)

    def condition(self, value: object, what: str) -> sympy.Basic:
        return _condition(self, value, what)


def _parse(table, value: object, what: str) -> sympy.Expr:
    if type(value) is int:
        return sympy.Integer(value)
    if isinstance(value, str):
        try:
            return parse_expression(value, table.get, table.helpers)
        except SymparamError as exc:
            raise SymparamError(f"{what} is not a valid size: {exc.message}. Received: {what} = {show(value)}.") \
                from None
    if isinstance(value, float) and not isinstance(value, bool):
        raise SymparamError(f"{what} must be {GRAMMAR}; a fraction is no size (a rational where an integer is "
                            f"needed). Received: {what} = {show(value)}.")
    raise SymparamError(f"{what} must be {GRAMMAR}. Received: {what} = {show(value)}.")


def _condition(table, value: object, what: str) -> sympy.Basic:
    """A `when`: true/false, or text the safe parser reads as a condition."""
    if isinstance(value, bool):
        return sympy.true if value else sympy.false
    if isinstance(value, str):
        try:
            return parse_condition(value, table.get, table.helpers)
        except SymparamError as exc:
            raise SymparamError(f"{what} is not a valid condition: {exc.message}. Received: {what} = "
                                f"{show(value)}.") from None
    raise SymparamError(f"{what} must be true, false or a condition over booleans, choices and numbers "
                        f"(\"variant == 'large'\", \"expand_ratio != 1\"). Received: {what} = {show(value)}.")


def parse_binding(text: str, positive: bool = False) -> tuple[str, Any]:
    """`NAME=VALUE` from the command line: VALUE a number (an integer, a decimal 0.75 or a fraction 3/4, for a
    rational symbol), true or false, or a word (a choice). No expressions: a binding is a value. Its type is
    checked against the symbol's declaration when it is bound (SymbolTable.resolve). `positive`: VALUE must be a
    positive integer (a size given where no declaration says otherwise)."""
    name, value = _binding(text)
    if positive and not (type(value) is int and value >= 1):
        raise SymparamError(f"{name} must be a positive integer of at most 30 digits. Received: {name}="
                            f"{text.partition('=')[2].strip()[:40]}.")
    return name, value


def _binding(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name:
        raise SymparamError(f"--set takes NAME=VALUE with VALUE a positive integer. Received: --set {show(text)}.")
    check_name(name)
    shown = value if len(value) <= 40 else value[:37] + "..."
    if value.replace("_", "").lstrip("-").isdigit() and value.isascii() and len(value.replace("_", "")) > 30:
        raise SymparamError(f"--set {name} must be a positive integer of at most 30 digits. Received: --set "
                            f"{name}={shown}.")
    parsed = parse_value(value)
    if parsed is None:
        raise SymparamError(f"--set {name} must be a positive integer (or, for a symbol of another type, a number "
                            f"such as 0.75 or 3/4, true or false, or a word). Received: --set {name}={shown}.")
    return name, parsed


def parse_value(text: str) -> Any:
    """One value as the command line writes it (--set, sweep --over, quiz --vary), or None: an integer (at most 30
    digits, `_` allowed), a decimal 0.75 or a fraction 3/4 (an exact Fraction, never through float), true or
    false, or a word (a choice). Which of these a symbol takes is checked against its type where it is bound."""
    number = text.replace("_", "")
    if number.lstrip("-").isdigit() and number.isascii():
        return int(number) if len(number) <= 30 else None
    if text in ("true", "false"):
        return text == "true"
    if len(text) <= 40 and text.isascii() and all(c.isdigit() or c in "./" for c in text) and \
            text.count(".") + text.count("/") == 1 and text[0].isdigit() and text[-1].isdigit():
        if not text.rpartition("/")[2].strip("0"):   # 3/0: no number (Fraction would raise)
            return None
        return Fraction(text)
    if text.isidentifier() and text.isascii() and len(text) <= 64:
        return text
    return None


def binding_text(value: Any) -> str:
    """A bound value as `--set` takes it back (parse_binding): 224, 1/2, true, large."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (sympy.Rational, Fraction)) and not isinstance(value, sympy.Integer):
        return f"{value.numerator}/{value.denominator}" if isinstance(value, Fraction) else f"{value.p}/{value.q}"
    return str(value)


class ScopedTable:
    """Names inside a block or a repeat: its arguments (expressions of the caller's symbols, or a string or boolean
    argument's value) and the repeat's index, else the enclosing table's names."""

    def __init__(self, outer, values: dict[str, Any]) -> None:
        self.outer, self.values = outer, values

    @property
    def root(self):
        """The network's own table (where a `when` over sizes is decided and recorded)."""
        return self.outer.root

    @property
    def helpers(self):
        return self.outer.helpers

    @property
    def indexes(self):
        return self.outer.indexes

    def get(self, name: str) -> sympy.Basic:
        if name in self.values:
            value = self.values[name]
            if isinstance(value, bool):
                return sympy.true if value else sympy.false
            return Text(value) if isinstance(value, str) else value
        return self.outer.get(name)

    def literal(self, name: Any) -> Any:
        if isinstance(name, str) and name in self.values:
            value = self.values[name]
            return value if isinstance(value, (bool, str)) else None
        return self.outer.literal(name)

    def parse(self, value: object, what: str) -> sympy.Expr:
        return _parse(self, value, what)

    def condition(self, value: object, what: str) -> sympy.Basic:
        return _condition(self, value, what)
