"""Exact, vectorised evaluation of the engine's expressions at many points (sweeps, solving).

Each expression is rewritten into integer arithmetic only (floor and ceiling of quotients become integer floor
division, rational coefficients are cleared by their common denominator), printed for numpy by sympy's printer,
and compiled once with lambdify. It then runs in int64. A float64 bound on every intermediate value, compiled the
same way, finds the points where int64 could overflow; those points are evaluated again with exact Python
integers (numpy object arrays). Nothing here ever rounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import lcm
from typing import Mapping, Sequence

import numpy as np
import sympy
from sympy.printing.numpy import NumPyPrinter

from .expr import as_expr

SAFE = float(2**62)   # a float64 bound below this leaves int64 (2**63) room for float rounding


class IntDiv(sympy.Function):
    """floor(a / d) for an integer-valued a and a positive integer d; kept unevaluated for printing."""
    nargs = 2


class NotExact(Exception):
    """The expression is not an integer program over its symbols (a symbol divides, say)."""


def _split(x: sympy.Expr) -> tuple[sympy.Expr, int]:
    """x = p / d with p an integer-coefficient polynomial in symbols and integer atoms, d a positive integer."""
    x = sympy.expand(x)
    d = 1
    for term in sympy.Add.make_args(x):
        coeff, _ = term.as_coeff_Mul()
        if not coeff.is_Rational:
            raise NotExact(f"coefficient {coeff} is not rational")
        d = lcm(d, int(coeff.q))
    p = sympy.expand(x * d)
    for power in p.atoms(sympy.Pow):
        if not (power.exp.is_Integer and power.exp >= 0):
            raise NotExact(f"{power} is not a polynomial term")
    return p, d


def _common(parts):
    """Rewrite several values over one denominator: [(p_i, d_i)] -> ([p_i * L / d_i], L)."""
    denominator = lcm(*(d for _, d in parts))
    return [p * (denominator // d) for p, d in parts], denominator


def to_integer_program(e: sympy.Expr) -> sympy.Expr:
    """The same value, written with integer operations only (IntDiv, Mod, Min, Max, +, *, integer powers)."""
    if e.is_Atom:
        if e.is_Number and not e.is_Integer:
            return e  # a rational constant: _split clears it
        return e
    if isinstance(e, (sympy.floor, sympy.ceiling)):
        p, d = _split(to_integer_program(e.args[0]))
        if d == 1:
            return p
        return IntDiv(p, d) if isinstance(e, sympy.floor) else -IntDiv(-p, d)
    if isinstance(e, sympy.Mod):
        (a, b), denominator = _common([_split(to_integer_program(x)) for x in e.args])
        return sympy.Mod(a, b, evaluate=False) / denominator
    if isinstance(e, (sympy.Min, sympy.Max)):
        parts, denominator = _common([_split(to_integer_program(x)) for x in e.args])
        return e.func(*parts, evaluate=False) / denominator
    if isinstance(e, sympy.Pow) and not (e.exp.is_Integer and e.exp >= 0):
        raise NotExact(f"{e} is not a polynomial term")
    return e.func(*(to_integer_program(a) for a in e.args))


def integer_form(e: sympy.Expr) -> tuple[sympy.Expr, int]:
    """(numerator program, denominator): e == numerator / denominator exactly."""
    return _split(to_integer_program(e))


def magnitude(e: sympy.Expr) -> sympy.Expr:
    """An upper bound on |e| and on every intermediate value of computing e as printed (all >= 1)."""
    if e.is_Integer:
        return sympy.Integer(max(1, abs(int(e))))
    if e.is_Symbol:
        return e
    if isinstance(e, sympy.Add):
        return sympy.Add(*(magnitude(a) for a in e.args))
    if isinstance(e, sympy.Mul):
        return sympy.Mul(*(magnitude(a) for a in e.args))
    if isinstance(e, sympy.Pow):
        return magnitude(e.base) ** e.exp
    if isinstance(e, IntDiv):
        return magnitude(e.args[0])
    if isinstance(e, (sympy.Mod, sympy.Min, sympy.Max)):
        return sympy.Max(*(magnitude(a) for a in e.args), evaluate=False)
    raise NotExact(f"cannot bound {e}")


class _Printer(NumPyPrinter):
    """numpy code with Python's integer semantics: // and % floor, minimum/maximum broadcast."""

    def _print_IntDiv(self, e):
        return f"(({self._print(e.args[0])}) // {self._print(e.args[1])})"

    def _print_Mod(self, e):
        return f"_mod({self._print(e.args[0])}, {self._print(e.args[1])})"

    def _nested(self, fn, args):
        code = self._print(args[0])
        for a in args[1:]:
            code = f"numpy.{fn}({code}, {self._print(a)})"
        return code

    def _print_Min(self, e):
        return self._nested("minimum", e.args)

    def _print_Max(self, e):
        return self._nested("maximum", e.args)

    def _print_Integer(self, e):
        return str(int(e))


def _mod(a, b):
    """a % b where b is not zero; where it is (a divisor that is zero at that point) the value is a stand-in and
    the point is marked invalid by the divisor's own check."""
    return a % np.where(np.asarray(b) == 0, 1, b)


def _compile(symbols: Sequence[sympy.Symbol], expr: sympy.Expr):
    """The symbols must be the safe stand-ins of Compiled (no user name reaches the generated code)."""
    return sympy.lambdify(list(symbols), expr, modules=[{"numpy": np, "_mod": _mod}, "numpy"], printer=_Printer,
                          docstring_limit=0)


_SIGNS = {sympy.Ge: "ge0", sympy.Gt: "gt0", sympy.Le: "le0", sympy.Lt: "lt0", sympy.Eq: "eq0", sympy.Ne: "ne0"}
_TESTS = {
    "ge0": lambda v, d: v >= 0, "gt0": lambda v, d: v > 0, "le0": lambda v, d: v <= 0, "lt0": lambda v, d: v < 0,
    "eq0": lambda v, d: v == 0, "ne0": lambda v, d: v != 0,
    "whole": lambda v, d: v % d == 0, "positive": lambda v, d: v >= d,
    "length": lambda v, d: (v % d == 0) & (v >= d),
}


@dataclass
class _Program:
    exact: object          # numerator program
    bound: object          # float64 magnitude of the numerator program
    denominator: int
    constant: int | None   # the value, when it does not depend on the symbols


class Compiled:
    """Expressions (name -> expr) and validity checks, compiled once, evaluated on arrays of points.

    checks: (expr, kind) with kind "holds" (expr is a relation, possibly And/Or/Not of relations), "ge0"
    (expr >= 0), "eq0" (expr == 0), "whole" (an integer), "positive" (>= 1) or "length" (a positive integer).
    A point where any divisor of a remainder (a % b) is zero is invalid. The user's symbol names never reach the
    generated code: they are replaced by stand-ins first (a symbol may be called numpy, floor or lambda).
    """

    def __init__(self, symbols: Sequence[sympy.Symbol], exprs: Mapping[str, sympy.Expr],
                 checks: Sequence[tuple[sympy.Expr, str]] = ()) -> None:
        self.symbols = list(symbols)
        self._safe = {s: sympy.Symbol(f"_x{i}", **s.assumptions0) for i, s in enumerate(self.symbols)}
        self._divisors: dict[sympy.Expr, None] = {}
        self.names = list(exprs)
        self.programs = {name: self._program(e) for name, e in exprs.items()}
        self.checks = [self._check(e, kind) for e, kind in checks]
        seen: set = set()
        while len(seen) < len(self._divisors):   # a divisor's own program may add divisors
            for divisor in [d for d in self._divisors if d not in seen]:
                seen.add(divisor)
                self.checks.append(("test", self._program(divisor, renamed=True), "ne0"))

    def _program(self, e: sympy.Expr, renamed: bool = False) -> _Program:
        e = as_expr(e)
        if not renamed:
            extra = e.free_symbols - set(self.symbols)
            if extra:
                raise ValueError(f"expression has unbound symbols {sorted(map(str, extra))}")
            try:
                numerator, denominator = integer_form(e.xreplace(self._safe))
            except NotExact:
                integer_form(e)   # the same failure, worded with the user's names
                raise
        else:
            numerator, denominator = integer_form(e)
        for mod in numerator.atoms(sympy.Mod):
            if not mod.args[1].is_Integer:
                self._divisors.setdefault(mod.args[1], None)
        if numerator.is_Integer:
            return _Program(None, None, denominator, int(numerator))
        safe = list(self._safe.values())
        return _Program(_compile(safe, numerator), _compile(safe, sympy.Float(1) * magnitude(numerator)),
                        denominator, None)

    def _check(self, e, kind: str):
        """A check as a small tree: ("test", program, kind), ("all"/"any", [trees]), ("not", tree), ("is", bool)."""
        if kind != "holds":
            return ("test", self._program(e), kind)
        if e is sympy.true or e is True or e is sympy.false or e is False:
            return ("is", bool(e))
        if isinstance(e, (sympy.And, sympy.Or)):
            return ("all" if isinstance(e, sympy.And) else "any", [self._check(a, kind) for a in e.args])
        if isinstance(e, sympy.Not):
            return ("not", self._check(e.args[0], kind))
        for relation, sign in _SIGNS.items():
            if type(e) is relation:
                return ("test", self._program(e.lhs - e.rhs), sign)
        raise NotExact(f"cannot check {e}")

    def _run(self, program: _Program, ints, floats, objects_of) -> np.ndarray:
        """The numerator at every point, exact: int64 where safe, Python ints elsewhere."""
        n = len(ints[0]) if ints else 1
        if program.constant is not None:
            return np.full(n, program.constant, dtype=np.int64 if abs(program.constant) < SAFE else object)
        with np.errstate(all="ignore"):
            bound = np.broadcast_to(np.asarray(program.bound(*floats), dtype=np.float64), (n,))
            unsafe = ~(bound < SAFE)
            if not unsafe.any():
                return np.broadcast_to(np.asarray(program.exact(*ints), dtype=np.int64), (n,)).copy()
            out = np.empty(n, dtype=object)
            safe = ~unsafe
            if safe.any():
                out[safe] = np.broadcast_to(np.asarray(program.exact(*(a[safe] for a in ints)), dtype=np.int64),
                                            (int(safe.sum()),))
            exact = program.exact(*objects_of(unsafe))
            out[unsafe] = np.broadcast_to(np.asarray(exact, dtype=object), (int(unsafe.sum()),))
            return out

    def evaluate(self, values: Mapping[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Values at every point (exact integers; int64 or object arrays) and the validity mask."""
        columns = [np.asarray(values[s.name]) for s in self.symbols]
        n = len(columns[0]) if columns else 1
        try:
            ints = [c.astype(np.int64) for c in columns]
            floats = [c.astype(np.float64) for c in columns]
        except OverflowError:  # inputs beyond int64: every point takes the exact path
            ints = [np.zeros(n, dtype=np.int64) for _ in columns]
            floats = [np.full(n, np.inf) for _ in columns]

        def objects_of(mask):
            return [np.array([int(v) for v in c[mask]], dtype=object) for c in columns]

        def holds(node) -> np.ndarray:
            if node[0] == "is":
                return np.full(n, node[1])
            if node[0] == "not":
                return ~holds(node[1])
            if node[0] in ("all", "any"):
                parts = [holds(child) for child in node[1]]
                return np.logical_and.reduce(parts) if node[0] == "all" else np.logical_or.reduce(parts)
            _, program, kind = node
            numerator = self._run(program, ints, floats, objects_of)
            return np.broadcast_to(np.asarray(_TESTS[kind](numerator, program.denominator), dtype=bool), (n,))

        valid = np.ones(n, dtype=bool)
        for check in self.checks:
            valid &= holds(check)
        out = {}
        for name, program in self.programs.items():
            numerator = self._run(program, ints, floats, objects_of)
            out[name] = numerator // program.denominator if program.denominator != 1 else numerator
        return out, valid


def checks_for(net) -> list[tuple[sympy.Expr, str]]:
    """Validity of a derived network at a point (symparam.checks): its conditions hold, every length is a positive
    integer."""
    from .checks import point_checks
    return [(check.expr, check.kind) for check in point_checks(net)]
