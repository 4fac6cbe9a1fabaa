"""Budgets: the largest VALID value of a symbol whose total stays within a budget, or that hits a target.

Valid means what `derive` accepts: every condition holds and every length is a positive integer (symparam.checks).
The search runs over candidates k (the value is k * multiple_of). The checks split in two:

- threshold checks, where the symbol appears outside any `%` (lengths at least 1, windows that fit, ...): taken
  to hold on one run of candidates, found by an exponential, then binary, search for its first candidate;
- periodic checks (divisibility, lengths that must be whole numbers): their truth repeats with a period read from
  their `%` terms and rational coefficients (d_model / 12 is whole for every twelfth d_model).

When the total provably does not decrease along the run (`_grows`: a polynomial's forward difference, or floors,
minima and maxima with nonnegative coefficients), the last candidate whose total fits is found by an exponential,
then binary, search on the total alone, and a walk down from it finds the largest valid value: one period is
enough to find it or to prove there is none. When the total may fall (a symbol that crops or strides a layer), the
run is scanned whole if it has at most WALK candidates, and refused otherwise. A check with no period found (a `%`
by the symbol itself, say) is walked at most WALK candidates, and the answer says when that was not enough.
No valid value within a budget is an error for the caller to word (the Answer has no value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd, lcm

import sympy

from .checks import Check, point_checks
from .errors import SymparamError, show
from .model import Network

DTYPES = {"fp64": 8, "fp32": 4, "tf32": 4, "fp16": 2, "bf16": 2, "fp8": 1, "int8": 1}
_SCALE = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "G": 10**9, "T": 10**12,
          "KI": 2**10, "MI": 2**20, "GI": 2**30, "TI": 2**40}
LIMIT = 2**64
WALK = 4096          # candidates a walk tests when the periodic checks have no period (or a longer one)


def parse_amount(text: str, option: str) -> int:
    """'350M', '1.5B', '24GB', '24GiB', '128952' -> an exact positive integer."""
    match = re.fullmatch(r"\s*([0-9][0-9_]*(?:\.[0-9_]+)?)(?:[eE]\+?([0-9]{1,2}))?\s*([KMGBT]i?)?(B)?\s*", text,
                         flags=re.IGNORECASE)
    if not match or len(text) > 40:
        raise SymparamError(f"{option} takes a positive number (1e21, 3.5e20 too) with an optional suffix K, M, B "
                            f"(or G), T (KiB, MiB, GiB, TiB for bytes). Received: {option} {show(text)}.")
    number, exponent, suffix, _ = match.groups()
    value = Fraction(number.replace("_", "")) * 10 ** int(exponent or 0) * _SCALE[(suffix or "").upper()]
    if value.denominator != 1 or value < 1:
        raise SymparamError(f"{option} must come to a positive whole number. Received: {option} {text}.")
    return int(value)


@dataclass
class Answer:
    name: str
    value: int | None                 # the largest valid value within the budget (None: no valid value fits)
    total: int | None                 # total parameters there
    next_value: int | None            # the smallest valid value above it (over the budget); None: none found
    next_total: int | None
    exact: bool = False               # --target: the value hits the target exactly
    relation: sympy.Basic | None = None   # with other symbols free: the boundary, symbolically
    solved: list | None = None        # explicit boundary values of the symbol, when sympy finds them
    edge: int | None = None           # the largest value whose total fits, valid or not
    skipped: list[str] = field(default_factory=list)   # why the values between `value` and `edge` are invalid
    below: list[str] = field(default_factory=list)     # why the values below the first valid one are invalid
    next_known: bool = True           # False: no valid value above was found within the walk (it may exist)


def solve(net: Network, name: str, limit: int, *, per_param: int = 1, multiple_of: int = 1,
          target: bool = False, total: sympy.Expr | None = None) -> Answer:
    """`net` is bound except for `name` (and possibly other symbols: then the answer is the boundary relation).
    `total`: the quantity to keep within the budget (the parameter total by default; FLOPs, symparam.compute; bytes
    of memory, symparam.memory).

    Only values at which the network is valid are answers (see the module's doc for the search)."""
    symbols = {s.symbol.name: s.symbol for s in net.symbols}
    if name not in symbols:
        raise SymparamError(f"--for {name}: the spec has no symbol {name!r}; its symbols are: "
                            f"{', '.join(net.unbound.free_symbols) or 'none'}.")
    if name in net.bindings:
        raise SymparamError(f"--for {name}: the symbol is also bound by --set; solve for it or set it.")
    s = symbols[name]
    total = net.total if total is None else total
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
    search = _Search(net, s, multiple_of, per_param, limit, target, total)
    first = search.first_inside()
    if first is None:
        failed = search.failing(search.threshold, LIMIT // multiple_of)
        raise SymparamError(f"no value of {name} up to 2**64 gives a valid network"
                            + (f": {_explain(failed[0], s)}." if failed else "."))
    if _grows(total, s, first * multiple_of, multiple_of):
        below, edge, skipped, above, known = search.monotone(first)
    else:
        below, edge, skipped, above, known = search.scan(first)
    if below is None and above is None:
        why = _reasons(search.failing(search.checks, first), s) if known else f"none among {WALK:,} candidates"
        raise SymparamError(f"no value of {name} gives a valid network ({why}).")
    reasons_below = [_explain(c, s) for c in search.failing(search.threshold, first - 1)] if first > 1 else []
    answer = Answer(name, None, None, None, None, next_known=known, skipped=[_explain(c, s) for c in _distinct(skipped, s)],
                    below=reasons_below, edge=None if edge is None else edge * multiple_of)
    if below is not None:
        answer.value, answer.total = below * multiple_of, search.params(below)
        answer.exact = target and answer.total * per_param == limit
    if above is not None:
        answer.next_value, answer.next_total = above * multiple_of, search.params(above)
    return answer


class _Search:
    """The network's checks split for the search: threshold checks, periodic ones (and their common period)."""

    def __init__(self, net: Network, s: sympy.Symbol, step: int, per_param: int, limit: int, target: bool,
                 total: sympy.Expr) -> None:
        self.s, self.step, self.per_param, self.limit, self.total = s, step, per_param, limit, total
        self.target = target
        self.checks = point_checks(net)
        self.threshold: list[Check] = []
        self.periodic: list[Check] = []
        period: int | None = 1
        for check in self.checks:
            p = _period(check, s)
            if p == 0:
                self.threshold.append(check)
            else:
                self.periodic.append(check)
                period = None if p is None or period is None else lcm(period, p)
        in_candidates = None if period is None else period // gcd(period, step)
        self.period = in_candidates if in_candidates is not None and in_candidates <= WALK else None

    def point(self, k: int) -> dict:
        return {self.s: sympy.Integer(k * self.step)}

    def failing(self, checks: list[Check], k: int) -> list[Check]:
        point = self.point(k)
        return [c for c in checks if not c.holds(point)]

    def inside(self, k: int) -> bool:
        point = self.point(k)
        return all(c.holds(point) for c in self.threshold)

    def valid(self, k: int) -> bool:
        point = self.point(k)
        return self.inside(k) and all(c.holds(point) for c in self.periodic)

    def cost(self, k: int):
        """The total times bytes per parameter (exact; a fraction where a length is not whole), or None."""
        try:
            value = self.total.xreplace(self.point(k))
        except (ZeroDivisionError, TypeError, ValueError):
            return None
        return value * self.per_param if value.is_Rational else None

    def params(self, k: int) -> int:
        return int(self.total.xreplace(self.point(k)))

    def fits(self, k: int) -> bool:
        if not self.inside(k):
            return False
        cost = self.cost(k)
        return cost is not None and cost <= self.limit

    def first_inside(self) -> int | None:
        """The first candidate where every threshold check holds (they hold from there on, up to an end)."""
        if self.inside(1):
            return 1
        k = 1
        while not self.inside(2 * k):
            k *= 2
            if k * self.step > LIMIT:
                return None
        low, high = k, 2 * k
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if self.inside(middle) else (middle, high)
        return high

    def last_fitting(self, start: int) -> int:
        """The largest candidate from `start` (which fits) whose total fits: exponential, then binary search."""
        span = 1
        while self.fits(start + span):
            span *= 2
            if (start + span) * self.step > LIMIT:
                raise SymparamError(f"{self.s} can grow past 2**64 within {self.limit:,}: the total barely grows "
                                    f"with it.")
        low, high = start + span // 2, start + span
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if self.fits(middle) else (low, middle)
        return low

    def monotone(self, first: int):
        """The search when the total provably grows with the symbol: (below, edge, skipped checks, above, known)."""
        below, edge, skipped = None, None, []
        if self.fits(first):
            edge = self.last_fitting(first)
            below, skipped, proven = self.walk_down(edge, first)
            if below is None and not proven:
                raise SymparamError(f"no valid value of {self.s} among the {WALK:,} largest whose total fits "
                                    f"({(edge - WALK + 1) * self.step:,} to {edge * self.step:,}): "
                                    f"{_reasons(skipped, self.s)}. Try --multiple-of, or sweep {self.s}.")
        above, known = self.walk_up(first if edge is None else edge + 1)
        return below, edge, skipped, above, known

    def scan(self, first: int):
        """Every candidate of the run where the threshold checks hold, when the total may fall as the symbol grows
        (a cropping or a stride of it): exact, for a run of at most WALK candidates."""
        end = first
        while end - first < WALK and (end + 1) * self.step <= LIMIT and self.inside(end + 1):
            end += 1
        if end - first >= WALK:
            raise SymparamError(f"solve cannot search {self.s} exactly: the total does not provably grow with it "
                                f"({self.total}), and its valid values run on past {WALK:,} candidates; sweep "
                                f"{self.s} instead.")
        costs = {k: self.cost(k) for k in range(first, end + 1)}
        fitting = [k for k, cost in costs.items() if cost is not None and cost <= self.limit]
        valid = [k for k in costs if self.valid(k)]
        under = [k for k in valid if k in set(fitting)]
        if self.target:   # the nearest totals on each side (the largest value among equals below, smallest above)
            below = max(under, key=lambda k: (costs[k], k), default=None)
            above = min((k for k in valid if k not in set(under)), key=lambda k: (costs[k], k), default=None)
            return below, below, [], above, True
        below = max(under, default=None)
        edge = fitting[-1] if fitting else None
        skipped: list[Check] = []
        for k in (k for k in fitting if below is not None and k > below):
            skipped.extend(c for c in self.failing(self.checks, k) if c not in skipped)
        above = min((k for k in valid if below is None or k > below), default=None)
        return below, edge, skipped, above, True

    def walk_down(self, edge: int, first: int) -> tuple[int | None, list[Check], bool]:
        """The largest valid candidate in [first, edge]; the checks that failed on the way; whether a miss is
        proven (the walk covered the range, or a whole period)."""
        span = self.period or WALK
        stop = max(first, edge - span + 1)
        failed: list[Check] = []
        for k in range(edge, stop - 1, -1):
            found = self.failing(self.checks, k)
            if not found:
                return k, failed, True
            failed.extend(c for c in found if c not in failed)
        return None, failed, stop == first or self.period is not None

    def walk_up(self, start: int) -> tuple[int | None, bool]:
        """The first valid candidate from `start`; None and True when there is none (the threshold checks end, or
        a whole period passed), None and False when the walk ended first."""
        span = self.period or WALK
        for k in range(start, start + span):
            if k * self.step > LIMIT or not self.inside(k):
                return None, True
            if self.valid(k):
                return k, True
        return None, self.period is not None


def _grows(expr, s, start: int, step: int) -> bool:
    """A proof that `expr` does not decrease from one value of s to the next (start, start + step, ...).

    A polynomial: its forward difference is >= 0 past its largest real root (a positive leading coefficient) and
    at every value up to that root. Otherwise a polynomial with nonnegative coefficients in s and in floors,
    ceilings, minima and maxima that are nonnegative at `start` and themselves grow."""
    if s not in expr.free_symbols:
        return True
    if _denominator(expr, s) is not None:
        delta = sympy.Poly(sympy.expand(expr.xreplace({s: s + step}) - expr), s)
        if delta.is_zero:
            return True
        if delta.LC() < 0:
            return False
        top = max((b for (_, b), _ in delta.intervals()), default=None)
        if top is None or top < start:
            return True
        last = int(sympy.floor(top))
        return (last - start) // step < WALK and all(delta.eval(v) >= 0 for v in range(start, last + 1, step))
    parts: dict[sympy.Dummy, sympy.Basic] = {}

    def mask(e):
        if isinstance(e, (sympy.floor, sympy.ceiling, sympy.Min, sympy.Max)) and s in e.free_symbols:
            d = sympy.Dummy()
            parts[d] = e
            return d
        return e.func(*(mask(a) for a in e.args)) if e.args else e

    masked = mask(expr)
    try:
        poly = sympy.Poly(masked, s, *parts)
    except sympy.PolynomialError:
        return False
    if not all(c.is_Rational and (c >= 0 or sum(m) == 0) for m, c in poly.terms()):
        return False
    point = {s: sympy.Integer(start)}
    return all(part.xreplace(point) >= 0 and all(_grows(a, s, start, step) for a in part.args)
               for part in parts.values())


def _mods(expr, s) -> list:
    return [m for m in expr.atoms(sympy.Mod) if s in m.free_symbols]


def _denominator(p, s) -> int | None:
    """The lcm of the denominators of p's coefficients when p is a polynomial in s with rational ones."""
    if not p.free_symbols <= {s} or not p.is_polynomial(s):
        return None
    coefficients = sympy.Poly(p, s).all_coeffs()
    if not all(c.is_Rational for c in coefficients):
        return None
    return lcm(*(int(c.q) for c in coefficients))


def _period(check: Check, s) -> int | None:
    """0: a threshold check (s appears outside any %); P > 0: the check's truth repeats every P values of s;
    None: neither (s inside and outside a %, a % by s, a floor of s that must be whole, ...)."""
    mods = _mods(check.expr, s)
    if check.kind == "whole" and not mods:
        return _denominator(check.expr, s)
    if not mods:
        return 0
    if s in check.expr.xreplace({m: sympy.Dummy() for m in mods}).free_symbols:
        return None
    period = 1
    for m in mods:
        p, q = m.args
        w = _denominator(p, s)
        if w is None or not q.is_Integer or q == 0:
            return None
        period = lcm(period, abs(int(q)) * w)
    return period


def _rule(check: Check, s) -> str:
    """'d_model must be a multiple of 12' when the check is a linear divisibility, else ''."""
    expr = check.expr
    if check.kind == "whole":
        linear, modulus = expr, sympy.Integer(1)
    elif isinstance(expr, sympy.Eq) and isinstance(expr.lhs, sympy.Mod) and expr.rhs == 0:
        linear, modulus = expr.lhs.args
    else:
        return ""
    if not modulus.is_Integer or modulus == 0 or not linear.free_symbols == {s} or not linear.is_polynomial(s):
        return ""
    poly = sympy.Poly(linear, s)
    if poly.degree() != 1 or not all(c.is_Rational for c in poly.all_coeffs()):
        return ""
    a, b = poly.all_coeffs()
    d = lcm(int(a.q), int(b.q))
    big_a, big_b, big_q = int(a * d), int(b * d), abs(int(modulus)) * d
    g = gcd(big_a, big_q)
    if big_b % g:
        return f"no value of {s} makes {linear} whole" if check.kind == "whole" else ""
    period = big_q // g
    if period == 1:
        return ""
    residue = (-big_b // g) * pow(big_a // g, -1, period) % period
    if residue == 0:
        return f"{s} must be a multiple of {period:,}"
    return f"{s} must be {residue:,} more than a multiple of {period:,}"


def _explain(check: Check, s) -> str:
    rule = _rule(check, s)
    return f"{rule} ({check.describe()})" if rule else check.describe()


def _distinct(checks: list[Check], s) -> list[Check]:
    """The checks, once per rule: two that both ask for a multiple of 12 are said once (the first)."""
    rules, kept = set(), []
    for check in checks:
        rule = _rule(check, s)
        if not rule or rule not in rules:
            rules.add(rule)
            kept.append(check)
    return kept


def _reasons(checks: list[Check], s, most: int = 3) -> str:
    """Why values fail (the first `most` distinct rules)."""
    kept = _distinct(checks, s)
    texts = [_explain(c, s) for c in kept[:most]]
    return "; ".join(texts) + (f"; and {len(kept) - most} more" if len(kept) > most else "")
