"""symparam/printing.py: the spec syntax reads back (a choice by a condition, max and min as a spec writes them),
and the shorthand letters (a part no line can break named once, its parts first)."""

from __future__ import annotations

import sympy
from hypothesis import given, strategies as st

from symparam.expr import parse_expression
from symparam.printing import Shorthands, nameable, spec_text, text

A, B = (sympy.Symbol(n, integer=True, positive=True) for n in ("a", "b"))
ALPHA = sympy.Symbol("alpha", positive=True)


def read_back(expr):
    return parse_expression(spec_text(expr), {"a": A, "b": B}.__getitem__)


@given(st.integers(-50, 50), st.integers(1, 9), st.integers(-5, 5))
def test_choices_max_and_min_print_as_the_spec_writes_them_and_read_back(k, d, c):
    choice = sympy.Piecewise((A + k, A > d * B), (sympy.Max(A, B + c), A < B), (sympy.Min(3, A * d), True))
    assert "Piecewise" not in spec_text(choice) and "Max" not in spec_text(choice)
    back = read_back(choice)
    for a in range(1, 6):
        for b in range(1, 4):
            assert back.subs({A: a, B: b}) == choice.subs({A: a, B: b}), (a, b, spec_text(choice))


def test_a_choice_without_an_otherwise_prints_as_sympy_does():
    partial = sympy.Piecewise((A, A > 2))
    assert spec_text(partial).startswith("Piecewise(")


def test_letters_name_the_parts_inside_first_and_each_definition_uses_earlier_letters():
    inner = sympy.Max(8, 8 * sympy.floor(4 * ALPHA + sympy.Rational(1, 2)))
    outer = sympy.Piecewise((inner + 8, inner < 9 * ALPHA), (inner, True))
    names = Shorthands()
    assert text(names.lettered(3 * outer + inner)) in ("3·q₂ + q₁", "q₁ + 3·q₂")
    assert list(names.letters.values()) == ["q₁", "q₂"]
    assert text(names.definition(outer)) == "(q₁ + 8 if alpha > q₁/9 else q₁)"   # sympy orders the relation
    assert text(names.definition(inner)) == "max(8, 8·floor(4·alpha + 1/2))"
    assert not nameable(sympy.floor(A / 2)) and nameable(sympy.floor(sympy.floor(A / 2) / 3))
    assert names.lettered(A + 1) == A + 1   # nothing to name: the expression itself


def test_a_choice_squared_is_its_letter_squared():
    """sympy folds (a if c else b)**2 into (a**2 if c else b**2): the table and the documents print q₂^2 for it,
    the square of the choice already named, not a letter of its own."""
    inner = sympy.Max(8, 8 * sympy.floor(4 * ALPHA + sympy.Rational(1, 2)))
    outer = sympy.Piecewise((inner + 8, inner < 9 * ALPHA), (inner, True))
    assert isinstance(outer ** 2, sympy.Piecewise)   # the fold this is about
    names = Shorthands()
    assert text(names.lettered(6 * outer ** 2 + outer)) in ("6·q₂^2 + q₂", "q₂ + 6·q₂^2")
    assert list(names.letters.values()) == ["q₁", "q₂"]
