"""Exact vectorised evaluation: the compiled programs agree with sympy's exact substitution, everywhere,
including where int64 would overflow (those points fall back to Python integers)."""

import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st

from symparam.numeric import Compiled, NotExact, integer_form

n = sympy.Symbol("n", integer=True, positive=True)
m = sympy.Symbol("m", integer=True, positive=True)

atoms = st.sampled_from([n, m, sympy.Integer(1), sympy.Integer(3), sympy.Integer(7)])


@st.composite
def expressions(draw, depth=3):
    """Expressions of the kinds the engine builds: polynomials, floor/ceiling of quotients, Mod, Min, Max."""
    if depth == 0:
        return draw(atoms)
    kind = draw(st.sampled_from(["add", "mul", "pow", "floor", "ceil", "mod", "min", "max", "frac", "atom"]))
    a = draw(expressions(depth=depth - 1))
    b = draw(expressions(depth=depth - 1))
    k = draw(st.integers(1, 6))
    if kind == "add":
        return a + b
    if kind == "mul":
        return a * b
    if kind == "pow":
        return a ** draw(st.integers(0, 4))
    if kind == "floor":
        return sympy.floor((a - draw(st.integers(0, 5))) / k)
    if kind == "ceil":
        return sympy.ceiling(a / k)
    if kind == "mod":
        return sympy.Mod(a, k)
    if kind == "min":
        return sympy.Min(a, b)
    if kind == "max":
        return sympy.Max(a, b)
    if kind == "frac":  # integer-valued with a rational coefficient
        return a * (a + 1) / 2
    return a


values = st.one_of(st.integers(1, 1000), st.integers(1, 10**12), st.integers(2**40, 2**70))


@given(expressions(), st.lists(st.tuples(values, values), min_size=1, max_size=20))
@settings(max_examples=150, deadline=None)
def test_compiled_equals_sympy_subs(expr, points):
    compiled = Compiled([n, m], {"e": expr})
    grid = {"n": np.array([p[0] for p in points], dtype=object), "m": np.array([p[1] for p in points], dtype=object)}
    small = all(max(p) < 2**62 for p in points)
    if small:
        grid = {k: v.astype(np.int64) for k, v in grid.items()}
    out, valid = compiled.evaluate(grid)
    for (a, b), got in zip(points, out["e"]):
        assert int(got) == expr.xreplace({n: a, m: b}), (expr, a, b)
    assert valid.all()


def test_overflowing_points_are_exact_python_integers():
    compiled = Compiled([n], {"e": n ** 4 * 3 + 1})
    out, _ = compiled.evaluate({"n": np.array([10, 2**20, 3 * 10**5], dtype=np.int64)})
    assert [int(v) for v in out["e"]] == [3 * 10**4 + 1, 3 * 2**80 + 1, 3 * (3 * 10**5) ** 4 + 1]
    assert out["e"].dtype == object


def test_int64_path_is_used_when_safe():
    compiled = Compiled([n, m], {"e": n * m + sympy.floor(n / 3)})
    out, _ = compiled.evaluate({"n": np.arange(1, 1001), "m": np.arange(1, 1001)})
    assert out["e"].dtype == np.int64
    assert out["e"][-1] == 1000 * 1000 + 333


def test_checks_mark_points_invalid():
    compiled = Compiled([n], {"e": n}, [(n - 5, "ge0"), (sympy.Mod(n, 2), "eq0"), ((n - 1) / 3, "length")])
    _, valid = compiled.evaluate({"n": np.arange(1, 15)})
    assert [i for i, ok in zip(range(1, 15), valid) if ok] == [10]   # >= 5, even, (n-1)/3 a positive integer


def test_a_symbol_in_a_denominator_is_not_exact():
    with pytest.raises(NotExact):
        integer_form(n / m)
