"""Tidying totals: the one readable form of a count, and the symbols a network's totals are grouped by."""

from __future__ import annotations

from functools import lru_cache

import sympy


FACTOR_TERMS = 12     # sympy.factor runs only on totals this small: its cost grows steeply with the symbols
FACTOR_SYMBOLS = 6    # (a 20-symbol sum takes a second); factor_terms, always tried, is linear in the terms


def readable(expr: sympy.Expr, prefer=()) -> sympy.Expr:
    """The shortest of the expanded, collected and factored forms of a total (a number stays a number); cached, as
    a deep network has the same count in many layers.

    `prefer`: symbols to group by first (a network's repeat counts: n_layer·(12·d_model² + 13·d_model) + ...).
    The common factor of every term is taken out (4·width·(width + 1)); a full factorisation is tried only on a
    small total (FACTOR_TERMS, FACTOR_SYMBOLS), so no total's cost explodes with the number of symbols."""
    if expr.is_number:
        return expr
    return _readable(expr, tuple(prefer))


@lru_cache(maxsize=4096)
def _readable(expr: sympy.Expr, prefer: tuple) -> sympy.Expr:
    expanded = sympy.expand(expr)
    prefer = [s for s in prefer if s in expanded.free_symbols]
    if prefer:
        others = sorted(expanded.free_symbols - set(prefer), key=lambda s: s.name)
        return collect(expanded, [*prefer, *others])
    candidates = [expanded, expr]   # expr as built: (floor(n/4) - 3)**2 stays a square when that is shorter
    symbols = sorted(expanded.free_symbols, key=lambda s: s.name)
    candidates.append(collect(expanded, symbols))
    if expanded.is_polynomial(*symbols):
        small = len(sympy.Add.make_args(expanded)) <= FACTOR_TERMS and len(symbols) <= FACTOR_SYMBOLS
        candidates.append(sympy.factor(expanded) if small else sympy.factor_terms(expanded))
    return min(candidates, key=lambda c: (len(str(c)), sympy.count_ops(c)))


LISTED = 12   # layers (or repeated blocks) a total is written per layer for; a deeper network's is tidied whole


def layered(parts, prefer=()) -> sympy.Expr:
    """A network's total grouped per layer, and per block for repeated layers: each layer's count in its readable
    form, the layers repeated n times together under n (n_layer·(12·d_model² + 13·d_model)), never one layer's terms
    merged with another's. `parts` are (copies, one copy's count) per layer. With more than LISTED groups, or one,
    the readable form of the whole sum."""
    blocks: dict[sympy.Expr, list[sympy.Expr]] = {}
    single = []
    for copies, count in parts:
        if count == 0:
            continue
        if copies == 1:
            single.append(count)
        else:
            blocks.setdefault(copies, []).append(count)
    whole = sympy.Add(*single, *(n * sympy.Add(*counts) for n, counts in blocks.items()))
    if whole.is_number or not 1 < len(single) + len(blocks) <= LISTED:
        return readable(whole, prefer)
    terms = [readable(c, prefer) for c in single] + [n * readable(sympy.Add(*c)) for n, c in blocks.items()]
    constant = sympy.Add(*(t for t in terms if t.is_number))   # layers of a fixed size: one number
    terms = [t for t in terms if not t.is_number] + ([constant] if constant != 0 else [])
    return sympy.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]


def collect(expanded: sympy.Expr, symbols) -> sympy.Expr:
    """sympy.collect(expanded, symbols) for an expanded sum, in one pass over its terms: each term goes to the first of
    `symbols` among its factors, under that symbol's power. sympy's own tries every symbol on every term (a cost of
    terms x symbols: seconds for a 200-symbol network); tests compare the two on generated sums."""
    order = {s: i for i, s in enumerate(symbols)}
    groups: dict[sympy.Expr, list[sympy.Expr]] = {}
    rest = []
    for term in sympy.Add.make_args(expanded):
        powers = term.as_powers_dict()
        found = [base for base in powers if base in order]
        if not found:
            rest.append(term)
            continue
        first = min(found, key=order.__getitem__)
        index = first ** powers[first]
        groups.setdefault(index, []).append(term / index)
    return sympy.Add(*(index * sympy.Add(*parts) for index, parts in groups.items()), *rest)


def grouping(net) -> list:
    """The symbols a network's totals are best grouped by: those its repeated layers repeat by."""
    found = []
    for layer in net.unbound.layers:
        for s in sorted(getattr(layer.repeat, "free_symbols", ()), key=lambda s: s.name):
            if s not in found:
                found.append(s)
    return found
