"""Tidying totals: the one readable form of a count, and the symbols a network's totals are grouped by."""

from __future__ import annotations

from functools import lru_cache

import sympy


def readable(expr: sympy.Expr, prefer=()) -> sympy.Expr:
    """The shortest of the expanded, collected and factored forms of a total (a number stays a number); cached, as
    a deep network has the same count in many layers.

    `prefer`: symbols to group by first (a network's repeat counts: n_layer·(12·d_model² + 13·d_model) + ...)."""
    if expr.is_number:
        return expr
    return _readable(expr, tuple(prefer))


@lru_cache(maxsize=4096)
def _readable(expr: sympy.Expr, prefer: tuple) -> sympy.Expr:
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


def grouping(net) -> list:
    """The symbols a network's totals are best grouped by: those its repeated layers repeat by."""
    found = []
    for layer in net.unbound.layers:
        for s in sorted(getattr(layer.repeat, "free_symbols", ()), key=lambda s: s.name):
            if s not in found:
                found.append(s)
    return found
