"""Bindings of every type are shown wherever bindings are listed: integers, exact rationals (alpha = 1/2), booleans
and choices, whether given by --set or by the spec's defaults."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from symparam.api import load_text
from symparam.cli import main
from symparam.quiz import describe
from symparam.symbols import parse_binding
from test_spec_language import ROOT, example

MOBILENET = ROOT / "examples" / "mobilenet.toml"


@pytest.fixture
def typed(tmp_path):
    path = tmp_path / "typed.toml"
    path.write_text(example("typed-symbols"))
    return path


def run(capsys, *argv) -> str:
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def bound_line(out: str) -> str:
    (line,) = [line for line in out.splitlines() if line.startswith("Bound: ")]
    return line


def test_mobilenet_alpha_is_shown_in_the_table_and_json(capsys):
    assert "alpha = 1/2" in bound_line(run(capsys, "derive", MOBILENET, "--set", "alpha=0.5"))
    doc = json.loads(run(capsys, "derive", MOBILENET, "--set", "alpha=0.5", "--json"))
    assert doc["bindings"]["alpha"] == "1/2"
    assert Fraction(doc["bindings"]["alpha"]) == Fraction(1, 2)     # read back exactly


def test_every_type_by_set(typed, capsys):
    argv = ("derive", typed, "--set", "alpha=3/8", "--set", "use_bias=false", "--set", "variant=small")
    assert bound_line(run(capsys, *argv)) == \
        "Bound: alpha = 3/8, img_size = 32, use_bias = false, variant = small"   # numbers given first, as before
    doc = json.loads(run(capsys, *argv, "--json"))
    assert doc["bindings"] == {"img_size": 32, "alpha": "3/8", "use_bias": False, "variant": "small"}


def test_defaults_of_every_type(typed, capsys):
    # alpha = 0.75 in the spec is the rational default 3/4; the bool and the choice have defaults too
    assert bound_line(run(capsys, "derive", typed)) == \
        "Bound: img_size = 32, alpha = 3/4, use_bias = true, variant = large"
    assert json.loads(run(capsys, "derive", typed, "--json"))["bindings"] == \
        {"img_size": 32, "alpha": "3/4", "use_bias": True, "variant": "large"}


def test_symbolic_keeps_the_structure_it_was_built_with(typed, capsys):
    doc = json.loads(run(capsys, "derive", typed, "--symbolic", "--json"))
    assert doc["bindings"] == {"use_bias": True, "variant": "large"}   # no number bound; the structure always is
    assert set(doc["free_symbols"]) == {"img_size", "alpha"}


@pytest.mark.parametrize("fmt, expected", [
    ("latex", r"\mathrm{alpha} = \frac{3}{8}"),
    ("markdown", r"\mathrm{alpha} = \frac{3}{8}"),
    ("latex", r"\mathrm{use\_bias} = \mathrm{false}"),
])
def test_derivation_lists_rationals_and_booleans(typed, capsys, fmt, expected):
    out = run(capsys, "derive", typed, "--set", "alpha=3/8", "--set", "use_bias=false", "--format", fmt)
    assert expected in out


def test_diff_shows_rationals(capsys):
    out = run(capsys, "diff", MOBILENET, MOBILENET, "--set", "alpha=0.25")
    assert "A bound: alpha = 1/4" in out
    doc = json.loads(run(capsys, "diff", MOBILENET, MOBILENET, "--set", "alpha=0.25", "--json"))
    assert doc["a"]["bindings"]["alpha"] == "1/4"


def test_quiz_statement_substitutes_a_rational():
    # sympy.Integer(1/2) is 0: a rational binding must reach the statement as the number it is
    net = load_text(example("typed-symbols"), alpha=Fraction(1, 2))
    stem = next(line for line in describe(net) if line.startswith("stem"))
    assert "filters=16" in stem, stem


@pytest.mark.parametrize("value", ["224", "1/2", "3/4", "true", "false", "large"])
def test_binding_text_is_read_back_by_set(value):
    from symparam.symbols import binding_text
    name, parsed = parse_binding(f"x={value}")
    shown = binding_text(parsed if not isinstance(parsed, Fraction) else
                         __import__("sympy").Rational(parsed.numerator, parsed.denominator))
    assert shown == value


def test_explorer_fixes_a_rational_set(typed, capsys, tmp_path):
    # Before: the rational was no binding, stayed free, and the page's JavaScript printer raised (a traceback)
    page = tmp_path / "page.html"
    run(capsys, "explore", typed, "--set", "alpha=0.5", "-o", page)
    assert 'class="name">alpha</span> = 1/2 ' in page.read_text()
