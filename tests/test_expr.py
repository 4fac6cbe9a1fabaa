"""The safe size parser: what it accepts, what it refuses, and that refusing runs nothing."""

import os

import pytest
import sympy
from hypothesis import given, settings, strategies as st

from symparam.errors import SymparamError
from symparam.expr import parse_expression
from symparam.symbols import SymbolTable


def parse(text):
    table = SymbolTable()
    return parse_expression(text, table.get), table


def sym(name):
    return sympy.Symbol(name, integer=True, positive=True)


@pytest.mark.parametrize("text, expected", [
    ("32", sympy.Integer(32)),
    ("2*f", 2 * sym("f")),
    ("img_size // 2", sympy.floor(sym("img_size") / 2)),
    ("d_model**2 + 3", sym("d_model") ** 2 + 3),
    ("max(a, b) - min(a, 4)", sympy.Max(sym("a"), sym("b")) - sympy.Min(sym("a"), 4)),
    ("ceil(n / 3) + floor(n / 3)", sympy.ceiling(sym("n") / 3) + sympy.floor(sym("n") / 3)),
    ("n % 8", sympy.Mod(sym("n"), 8)),
    ("-(-n)", sym("n")),
    ("(n + 1) * (n - 1)", (sym("n") + 1) * (sym("n") - 1)),
])
def test_accepts_the_grammar(text, expected):
    value, _ = parse(text)
    assert sympy.simplify(value - expected) == 0


def test_same_name_same_symbol():
    table = SymbolTable()
    a = parse_expression("n + 1", table.get)
    b = parse_expression("2*n", table.get)
    assert a.free_symbols == b.free_symbols
    (n,) = a.free_symbols
    assert n.is_integer and n.is_positive


HOSTILE = [
    "__import__('os').system('touch pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "n.__class__",
    "__builtins__",
    "_n",
    "lambda: 1",
    "exec('1')",
    "eval('1')",
    "open('x')",
    "[1, 2]",
    "'a' + 'b'",
    "10**10**10",
    "2**n",
    "n**100",
    "1.5",
    "1e9",
    "True",
    "n if n else 1",
    "n < 3",
    "n and 2",
    "n @ n",
    "n << 2",
    "~n",
    "f'{n}'",
    "max(n, key=1)",
    "floor(n, 2)",
    "max(n)",
    "x[0]",
    "(y := 3)",
    "n / 0",
    "n // (2 - 2)",
    "n % 0",
    "99999999999999999999999999999",
    "(" * 150 + "1" + ")" * 150,
    "n + " * 60 + "1",
    "",
    "   ",
    "1 +",
    "\x00",
    "((((2**16)**16)**16)**16)**16",
    "(n**16)**16",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_refuses_what_is_outside_the_grammar(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SymparamError):   # refused by the grammar and its bounds, before anything is computed
        parse(text)
    assert not os.path.exists("pwned")


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_any_text_is_parsed_or_refused_cleanly(text):
    try:
        value, _ = parse(text)
    except SymparamError:
        return
    assert isinstance(value, sympy.Basic)


@given(st.integers(min_value=1, max_value=10**12), st.integers(min_value=1, max_value=10**6))
def test_integer_arithmetic_is_exact(a, b):
    value, _ = parse(f"{a} * {b} + {a} // {b} - {a} % {b}")
    assert value == a * b + a // b - a % b


@given(st.integers(1, 4), st.integers(1, 6), st.integers(-8, 8), st.integers(0, 3), st.booleans())
@settings(max_examples=400, deadline=None)
def test_floor_and_ceil_match_sympys_own_evaluation(a, s, k, shape, use_floor):
    """floor_of/ceil_of avoid sympy's slow first evaluation; they must give sympy's exact form, except that a
    rounding of a rounding is written as one (floor(floor(n/3)/2) = floor(n/6)): there the values must agree."""
    from symparam.expr import ceil_of, floor_of
    n, m = sym("n"), sym("m")
    x = [(a * n - k) / s, (n + m - k) / s, sympy.floor(n / 3) / s + k, n / s + sympy.Rational(k, 3)][shape]
    ours, theirs = (floor_of, sympy.floor) if use_floor else (ceil_of, sympy.ceiling)
    collapsed = shape == 2 and s > 1 and use_floor
    assert collapsed or ours(x) == theirs(x)
    if collapsed:
        assert ours(x) == sympy.floor(n / (3 * s)) + k
        assert all(ours(x).subs(n, v) == theirs(x.subs(n, v)) for v in range(1, 200))
    for value in (1, 2, 7, 30):
        assert ours(x).subs(n, value).subs(m, 3) == theirs(x.subs(n, value).subs(m, 3))


@given(st.integers(1, 6), st.integers(1, 6), st.integers(-9, 9), st.booleans())
@settings(max_examples=300, deadline=None)
def test_a_rounding_of_a_rounding_is_one_rounding(a, b, c, use_floor):
    """floor((floor(n/a) + c)/b) = floor((n + c·a)/(a·b)) for positive integers, and so for ceil: written once,
    and equal at every value."""
    from symparam.expr import ceil_of, floor_of
    n = sym("n")
    ours, theirs = (floor_of, sympy.floor) if use_floor else (ceil_of, sympy.ceiling)
    value = ours((ours(n / a) + c) / b)
    assert not any(isinstance(arg, (sympy.floor, sympy.ceiling)) for node in sympy.preorder_traversal(value)
                   if isinstance(node, (sympy.floor, sympy.ceiling)) for arg in sympy.preorder_traversal(node.args[0]))
    for v in (1, 2, 3, 7, 30, 101):
        assert value.subs(n, v) == theirs((theirs(sympy.Rational(v, a)) + c) / b)


def test_as_sympy_takes_exact_numbers_and_never_parses_text():
    """The package's one int/Fraction -> sympy conversion (where sympify was): text is refused, not evaluated."""
    from fractions import Fraction

    import pytest
    import sympy

    from symparam.expr import as_sympy
    assert as_sympy(3) == sympy.Integer(3) and as_sympy(Fraction(3, 4)) == sympy.Rational(3, 4)
    n = sympy.Symbol("n")
    assert as_sympy(n) is n
    for text in ("__import__('os').system('true')", "1+1", True, 0.5):
        with pytest.raises(TypeError):
            as_sympy(text)
