"""sympy's JavaScript printer, made exact: every value is a BigInt, so counts beyond 2**53 stay exact.

An expression is first rewritten as p / q with p and q integer programs: integers, symbols, +, *, powers with
literal exponents, and the integer operations below (rational coefficients are cleared by their common
denominator; floor and ceiling of a quotient become integer division). The printer then writes those with
BigInt literals (`5n`), symbols as properties of the values object `v` (`v.img_size`), and the helpers of
RUNTIME, which have Python's floor semantics (BigInt `/` truncates toward zero).

A value that must be a whole number but is not (an inferred Reshape axis, say), or a division by zero, throws;
the page shows such a point as invalid.
"""

from __future__ import annotations

from math import lcm

import sympy

from ..expr import as_expr
from sympy.printing.jscode import JavascriptCodePrinter

RUNTIME = """\
class Invalid extends Error {}
function fdiv(a, b) { const q = a / b; return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q; }
function cdiv(a, b) { const q = a / b; return (a % b !== 0n && (a < 0n) === (b < 0n)) ? q + 1n : q; }
function mod(a, b) { return a - b * fdiv(a, b); }
function nonzero(b) { if (b === 0n) throw new RangeError("Division by zero"); return true; }
function exact(a, b) { if (a % b !== 0n) throw new Invalid("not a whole number"); return a / b; }
function min(...xs) { return xs.reduce((m, x) => (x < m ? x : m)); }
function max(...xs) { return xs.reduce((m, x) => (x > m ? x : m)); }
"""


class FDiv(sympy.Function):
    """floor(a / b) of integers (kept unevaluated: only printed)."""
    nargs = 2


class CDiv(sympy.Function):
    """ceiling(a / b) of integers."""
    nargs = 2


class IMod(sympy.Function):
    """a mod b of integers, with the sign of b (Python's and sympy's Mod)."""
    nargs = 2


class IMin(sympy.Function):
    pass


class IMax(sympy.Function):
    pass


class Exact(sympy.Function):
    """a / b, which must be a whole number."""
    nargs = 2


def _positive(p, q):
    """The same fraction with a denominator that is positive wherever it is not zero (zero throws when used)."""
    return (p, q) if q.is_nonnegative else (p * q, q * q)


def _common(parts):
    """Several fractions over one positive denominator: ([numerators], denominator)."""
    parts = [_positive(p, q) for p, q in parts]
    if all(q.is_Integer for _, q in parts):
        d = lcm(*(int(q) for _, q in parts))
        return [p * (d // int(q)) for p, q in parts], sympy.Integer(d)
    others = [sympy.Mul(*(q for j, (_, q) in enumerate(parts) if j != i)) for i in range(len(parts))]
    return [p * o for (p, _), o in zip(parts, others)], sympy.Mul(*(q for _, q in parts))


def fraction(e) -> tuple[sympy.Expr, sympy.Expr]:
    """(p, q) with e == p / q, p and q integer programs, q nonzero (a positive integer when a number)."""
    if e.is_Integer:
        return e, sympy.Integer(1)
    if e.is_Rational:
        return sympy.Integer(e.p), sympy.Integer(e.q)
    if e.is_Symbol:
        if not e.is_integer:
            raise ValueError(f"the symbol {e} is not an integer")
        return e, sympy.Integer(1)
    if e.is_Add:
        (p, q), *rest = [fraction(a) for a in e.args]
        for p2, q2 in rest:
            if q.is_Integer and q2.is_Integer:
                d = lcm(int(q), int(q2))
                p, q = p * (d // int(q)) + p2 * (d // int(q2)), sympy.Integer(d)
            elif q == q2:
                p = p + p2
            else:
                p, q = p * q2 + p2 * q, q * q2
        return p, q
    if e.is_Mul:
        parts = [fraction(a) for a in e.args]
        return sympy.Mul(*(p for p, _ in parts)), sympy.Mul(*(q for _, q in parts))
    if e.is_Pow:
        if not e.exp.is_Integer:
            raise ValueError(f"{e} is not an integer power")
        p, q = fraction(e.base)
        k = int(e.exp)
        return (p ** k, q ** k) if k >= 0 else _positive(q ** -k, p ** -k)
    if isinstance(e, (sympy.floor, sympy.ceiling)):
        p, q = _positive(*fraction(e.args[0]))
        if q == 1:
            return p, q
        return (FDiv if isinstance(e, sympy.floor) else CDiv)(p, q), sympy.Integer(1)
    if isinstance(e, sympy.Mod):
        (a, b), d = _common([fraction(x) for x in e.args])
        return IMod(a, b), d
    if isinstance(e, (sympy.Min, sympy.Max)):
        parts, d = _common([fraction(x) for x in e.args])
        return (IMin if isinstance(e, sympy.Min) else IMax)(*parts), d
    raise ValueError(f"cannot print {type(e).__name__} exactly: {e}")


class BigIntPrinter(JavascriptCodePrinter):
    """Prints integer programs (see `fraction`) as BigInt JavaScript over a values object `v`."""

    def _print_Integer(self, expr):
        return f"{int(expr)}n"

    def _print_Symbol(self, expr):
        return f"v.{expr.name}"

    def _print_Pow(self, expr):
        if not (expr.exp.is_Integer and expr.exp >= 0):
            raise ValueError(f"{expr} is not a BigInt power")
        return f"(({self._print(expr.base)})**{int(expr.exp)}n)"

    def _print_Rational(self, expr):
        raise ValueError(f"the rational {expr} must be cleared before printing")

    def _print_Float(self, expr):
        raise ValueError(f"the float {expr} has no exact BigInt value")

    def _call(self, name, expr):
        return f"{name}({', '.join(self._print(a) for a in expr.args)})"

    def _print_FDiv(self, expr):
        return self._call("fdiv", expr)

    def _print_CDiv(self, expr):
        return self._call("cdiv", expr)

    def _print_IMod(self, expr):
        return self._call("mod", expr)

    def _print_IMin(self, expr):
        return self._call("min", expr)

    def _print_IMax(self, expr):
        return self._call("max", expr)

    def _print_Exact(self, expr):
        return self._call("exact", expr)


_PRINTER = BigIntPrinter()
_SIGN_TESTS = {sympy.Ge: ">=", sympy.Gt: ">", sympy.Le: "<=", sympy.Lt: "<", sympy.Eq: "===", sympy.Ne: "!=="}


def js_value(expr) -> str:
    """A JavaScript expression for the BigInt value of `expr`, which must be a whole number (else it throws)."""
    p, q = fraction(as_expr(expr))
    return _PRINTER.doprint(p if q == 1 else Exact(*_positive(p, q)))


def js_condition(relation) -> str:
    """A JavaScript boolean expression for a sympy relation (or And/Or/Not of them), decided exactly."""
    if relation is sympy.true or relation is sympy.false:
        return "true" if relation is sympy.true else "false"
    if isinstance(relation, sympy.And):
        return "(" + " && ".join(js_condition(a) for a in relation.args) + ")"
    if isinstance(relation, sympy.Or):
        return "(" + " || ".join(js_condition(a) for a in relation.args) + ")"
    if isinstance(relation, sympy.Not):
        return "!" + js_condition(relation.args[0])
    test = _SIGN_TESTS.get(type(relation))
    if test is None:
        raise ValueError(f"cannot print the condition {relation}")
    # lhs - rhs = p / q with q > 0 has the sign of p (and no value where q is 0).
    p, q = _positive(*fraction(relation.lhs - relation.rhs))
    guard = "" if q.is_Integer else f"nonzero({_PRINTER.doprint(q)}) && "
    return f"({guard}{_PRINTER.doprint(p)} {test} 0n)"
