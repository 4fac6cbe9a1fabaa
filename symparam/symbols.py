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

    def defaults(self, given: Mapping[str, int] | None = None, skip: Iterable[str] = (),
                 formulas: bool = False, numbers: bool = True) -> dict[str, int | sympy.Expr]:
        """Default values for the symbols not `given` (and not in `skip`). A default written as an expression
        (d_ff = "4*d_model") is worked out from the given values and the other defaults; one that depends on a
        symbol without a value is left out, so that symbol stays free; with `formulas`, it is given as its expression
        instead (so d_ff follows d_model in a sweep or a solve over d_model). Without `numbers` (--symbolic) only
        the formulas apply."""
        given = dict(given or {})
        skip = set(skip)
        values = {**given}
        out: dict[str, int] = {}
        pending = {n: i for n, i in self._info.items() if i.default is not None and n not in given and n not in skip}
        for name, info in list(pending.items()):
            if isinstance(info.default, int):
                if numbers:
                    values[name] = out[name] = info.default
                del pending[name]
        for _ in range(len(pending) + 1):
            for name, info in list(pending.items()):
                needed = {s.name for s in info.default.free_symbols}
                if needed <= set(values):
                    value = info.default.xreplace({self._info[k].symbol: sympy.Integer(values[k]) for k in needed})
                    check_expansion(value, f"[symbols] {name}: the default {info.default}")   # before the next uses it
                    if not (value.is_Integer and value >= 1):
                        raise SymparamError(f"[symbols] {name}: the default {info.default} is {value} here; it must "
                                            f"come to a positive integer.")
                    values[name] = out[name] = int(value)
                    del pending[name]
        if formulas:
            known = {self._info[k].symbol: sympy.Integer(v) for k, v in values.items() if k in self._info}
            for name, info in pending.items():
                if name not in skip:
                    out[name] = info.default.xreplace(known)
        return out

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
