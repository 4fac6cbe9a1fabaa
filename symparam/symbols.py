"""One symbol table per network: the same name is always the same positive-integer Symbol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import sympy

from .errors import SymparamError, show
from .expr import GRAMMAR, check_expansion, check_name, parse_expression


@dataclass(frozen=True)
class SymbolInfo:
    symbol: sympy.Symbol
    default: int | sympy.Expr | None = None   # a number, or an expression of other symbols (d_ff = 4*d_model)
    doc: str = ""


class SymbolTable:
    """Declared symbols (with defaults and docs) and the free ones a spec uses without declaring."""

    def __init__(self) -> None:
        self._info: dict[str, SymbolInfo] = {}

    def declare(self, name: str, default: int | None = None, doc: str = "") -> sympy.Symbol:
        check_name(name)
        symbol = sympy.Symbol(name, integer=True, positive=True)
        self._info[name] = SymbolInfo(symbol, default, doc)
        return symbol

    def get(self, name: str) -> sympy.Symbol:
        info = self._info.get(name)
        if info is None:
            return self.declare(name)
        return info.symbol

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
        values: dict[str, int | sympy.Expr] = {k: v for k, v in (given or {}).items() if k not in free}
        formulas: dict[str, sympy.Expr] = {}
        for name, info in self._info.items():
            if name in values or name in free or info.default is None:
                continue
            if isinstance(info.default, int):
                if defaults:
                    values[name] = info.default
            else:
                formulas[name] = info.default
        known = {self._info[k].symbol: sympy.Integer(v) for k, v in values.items() if k in self._info}
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
                if not (expr.is_Integer and expr >= 1):
                    raise SymparamError(f"[symbols] {name}: the default {self._info[name].default} is {expr} here; "
                                        f"it must come to a positive integer.")
                values[name] = int(expr)
            else:
                values[name] = expr
        return values

    def parse(self, value: object, what: str) -> sympy.Expr:
        """A size as written in a spec: an integer, or text for the safe parser. `what` names it in errors."""
        if type(value) is int:
            return sympy.Integer(value)
        if isinstance(value, str):
            try:
                return parse_expression(value, self.get)
            except SymparamError as exc:
                raise SymparamError(f"{what} is not a valid size: {exc.message}. Received: {what} = {show(value)}.") from None
        raise SymparamError(f"{what} must be {GRAMMAR}. Received: {what} = {show(value)}.")


def parse_binding(text: str) -> tuple[str, int]:
    """`NAME=VALUE` from the command line: VALUE a positive integer (no expressions: a binding is a number)."""
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name:
        raise SymparamError(f"--set takes NAME=VALUE with VALUE a positive integer. Received: --set {show(text)}.")
    check_name(name)
    number = value.replace("_", "")
    if not number.isdigit() or not number.isascii() or len(number) > 30 or int(number) < 1:
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise SymparamError(f"--set {name} must be a positive integer of at most 30 digits. Received: --set "
                            f"{name}={shown}.")
    return name, int(number)


class ScopedTable:
    """Names inside a block: its arguments (each an expression of the caller's symbols), else the network's symbols."""

    def __init__(self, outer, values: dict[str, sympy.Expr]) -> None:
        self.outer, self.values = outer, values

    def get(self, name: str) -> sympy.Expr:
        return self.values[name] if name in self.values else self.outer.get(name)

    def parse(self, value: object, what: str) -> sympy.Expr:
        if isinstance(value, str):
            try:
                return parse_expression(value, self.get)
            except SymparamError as exc:
                raise SymparamError(f"{what} is not a valid size: {exc.message}. Received: {what} = {show(value)}.") \
                    from None
        return self.outer.parse(value, what)
