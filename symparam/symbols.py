"""One symbol table per network: the same name is always the same positive-integer Symbol."""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .errors import SymparamError, show
from .expr import GRAMMAR, check_name, parse_expression


@dataclass(frozen=True)
class SymbolInfo:
    symbol: sympy.Symbol
    default: int | None = None
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

    def defaults(self) -> dict[str, int]:
        return {name: i.default for name, i in self._info.items() if i.default is not None}

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
        raise SymparamError(f"--set {name} must be a positive integer. Received: --set {name}={value}.")
    return name, int(number)
