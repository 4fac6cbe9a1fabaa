"""Adding up and tidying: readable forms of totals, and numbers as people read them."""

from __future__ import annotations

import sympy


def readable(expr: sympy.Expr, prefer=()) -> sympy.Expr:
    """The shortest of the expanded, collected and factored forms of a total (a number stays a number).

    `prefer`: symbols to group by first (a network's repeat counts: n_layer·(12·d_model² + 13·d_model) + ...)."""
    if expr.is_number:
        return expr
    expanded = sympy.expand(expr)
    prefer = [s for s in prefer if s in expanded.free_symbols]
    if prefer:
        others = sorted(expanded.free_symbols - set(prefer), key=lambda s: s.name)
        return sympy.collect(expanded, [*prefer, *others])
    candidates = [expanded]
    symbols = sorted(expanded.free_symbols, key=lambda s: s.name)
    candidates.append(sympy.collect(expanded, symbols))
    if expanded.is_polynomial(*symbols):
        candidates.append(sympy.factor(expanded))
    return min(candidates, key=lambda c: (len(str(c)), sympy.count_ops(c)))


def is_integer(expr) -> bool:
    return expr is not None and expr.is_number and expr.is_integer


def grouped(n: int) -> str:
    """128952 -> '128,952'."""
    return f"{int(n):,}"


def text(expr) -> str:
    """An expression as plain one-line text for tables: '·' for products, '^' for powers."""
    if expr is None:
        return "None"
    if is_integer(expr):
        return grouped(expr)
    return str(expr).replace("**", "^").replace("*", "·")


def json_value(expr):
    """A JSON integer when concrete, else a string sympy.sympify reads back (given the symbols as locals)."""
    if expr is None:
        return None
    if is_integer(expr):
        return int(expr)
    return str(expr)


def grouping(net) -> list:
    """The symbols a network's totals are best grouped by: those its repeated layers repeat by."""
    found = []
    for layer in net.unbound.layers:
        for s in sorted(getattr(layer.repeat, "free_symbols", ()), key=lambda s: s.name):
            if s not in found:
                found.append(s)
    return found
