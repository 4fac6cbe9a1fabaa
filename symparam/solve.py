"""Budgets: the largest value of a symbol whose total stays within a budget, or that hits a target."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import sympy

from .errors import SymparamError, show
from .model import Network

DTYPES = {"fp64": 8, "fp32": 4, "tf32": 4, "fp16": 2, "bf16": 2, "fp8": 1, "int8": 1}
_SCALE = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "G": 10**9, "T": 10**12,
          "KI": 2**10, "MI": 2**20, "GI": 2**30, "TI": 2**40}
LIMIT = 2**64


def parse_amount(text: str, option: str) -> int:
    """'350M', '1.5B', '24GB', '24GiB', '128952' -> an exact positive integer."""
    match = re.fullmatch(r"\s*([0-9][0-9_]*(?:\.[0-9_]+)?)\s*([KMGBT]i?)?(B)?\s*", text, flags=re.IGNORECASE)
    if not match or len(text) > 40:
        raise SymparamError(f"{option} takes a positive number with an optional suffix K, M, B (or G), T "
                            f"(KiB, MiB, GiB, TiB for bytes). Received: {option} {show(text)}.")
    number, suffix, _ = match.groups()
    value = Fraction(number.replace("_", "")) * _SCALE[(suffix or "").upper()]
    if value.denominator != 1 or value < 1:
        raise SymparamError(f"{option} must come to a positive whole number. Received: {option} {text}.")
    return int(value)


@dataclass
class Answer:
    name: str
    value: int | None                 # the largest valid value within the budget (or hitting the target)
    total: int | None                 # total parameters there
    next_value: int | None            # the next allowed value, over the budget
    next_total: int | None
    exact: bool = False               # --target: the value hits the target exactly
    relation: sympy.Basic | None = None   # with other symbols free: the boundary, symbolically
    solved: list | None = None        # explicit boundary values of the symbol, when sympy finds them


def solve(net: Network, name: str, limit: int, *, per_param: int = 1, multiple_of: int = 1,
          target: bool = False) -> Answer:
    """`net` is bound except for `name` (and possibly other symbols: then the answer is the boundary relation).

    The total is taken to grow with `name` (true of every layer kind: sizes only multiply counts); the search is
    exponential, then binary, over multiples of `multiple_of`, with exact integer arithmetic throughout.
    """
    symbols = {s.symbol.name: s.symbol for s in net.symbols}
    if name not in symbols:
        raise SymparamError(f"--for {name}: the spec has no symbol {name!r}; its symbols are: "
                            f"{', '.join(net.unbound.free_symbols) or 'none'}.")
    if name in net.bindings:
        raise SymparamError(f"--for {name}: the symbol is also bound by --set; solve for it or set it.")
    s = symbols[name]
    total = net.total
    if s not in total.free_symbols:
        raise SymparamError(f"the total does not depend on {name} (it is {total}); there is nothing to solve.")
    others = total.free_symbols - {s}
    if others:
        relation = sympy.Le(total * per_param, limit) if not target else sympy.Eq(total * per_param, limit)
        solved = None
        poly = total.as_poly(s)
        if poly is not None and poly.degree() <= 2:
            solved = [r for r in sympy.solve(sympy.Eq(total * per_param, limit), s)]
        return Answer(name, None, None, None, None, relation=relation, solved=solved)

    def cost(k: int) -> int:
        return int(total.xreplace({s: sympy.Integer(k * multiple_of)})) * per_param

    if cost(1) > limit:
        raise SymparamError(f"even {name} = {multiple_of} gives {cost(1):,}, over {limit:,}.")
    low, high = 1, 2
    while cost(high) <= limit:
        low, high = high, high * 2
        if high * multiple_of > LIMIT:
            raise SymparamError(f"{name} can grow past 2**64 within {limit:,}: the total barely grows with it.")
    while high - low > 1:
        middle = (low + high) // 2
        if cost(middle) <= limit:
            low = middle
        else:
            high = middle
    value, at = low * multiple_of, cost(low) // per_param
    return Answer(name, value, at, high * multiple_of, cost(high) // per_param, exact=target and cost(low) == limit)
