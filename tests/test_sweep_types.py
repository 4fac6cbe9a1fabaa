"""`sweep --over` takes every declared type: 0 for a natural symbol, exact rationals (decimals and fractions, never
through float), booleans and choices by list; a value of the wrong type is one line; CSV cells never become
spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction

import pytest

from symparam.api import load_text
from symparam.cli import main
from symparam.sweep import parse_over
from test_spec_language import example

NATURAL = """
[network]
input = ["width"]

[symbols]
n = { default = 1, type = "natural" }
width = 3

[[layers]]
type = "Dense"
name = "hidden"
units = "width"
repeat = "n"

[[layers]]
type = "Dense"
name = "out"
units = 2
"""


@pytest.fixture
def typed(tmp_path):
    path = tmp_path / "typed.toml"
    path.write_text(example("typed-symbols"))
    return path


def run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def rows(capsys, *argv) -> list[dict]:
    code, out, err = run(capsys, "sweep", *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_rationals_are_exact_and_each_value_is_the_spec_at_it(typed, capsys):
    got = rows(capsys, typed, "--over", "alpha=1/2,0.75,1.1,6/5")
    assert [r["alpha"] for r in got] == ["1/2", "3/4", "11/10", "6/5"]
    for r in got:
        # the same spec bound at the same exact value, value by value
        assert r["total"] == load_text(example("typed-symbols"), alpha=Fraction(r["alpha"])).total


def test_a_rational_range(typed, capsys):
    got = rows(capsys, typed, "--over", "alpha=1/2:1:1/4")
    assert [Fraction(str(r["alpha"])) for r in got] == [Fraction(1, 2), Fraction(3, 4), Fraction(1)]


def test_booleans_and_choices_by_list_beside_an_integer_axis(typed, capsys):
    got = rows(capsys, typed, "--over", "use_bias=true,false", "--over", "variant=small,large",
               "--over", "img_size=8,9")
    assert len(got) == 8
    for r in got:
        net = load_text(example("typed-symbols"), use_bias=r["use_bias"], variant=r["variant"],
                        img_size=r["img_size"])
        assert r["total"] == net.total and r["valid"] is True
    assert {(r["use_bias"], r["variant"]) for r in got} == {(True, "small"), (True, "large"), (False, "small"),
                                                            (False, "large")}


def test_zero_for_a_natural_symbol(tmp_path, capsys):
    path = tmp_path / "natural.toml"
    path.write_text(NATURAL)
    got = rows(capsys, path, "--over", "n=0:2")
    assert [r["total"] for r in got] == [3 * 2 + 2, (3 * 3 + 3) + (3 * 2 + 2), 2 * (3 * 3 + 3) + (3 * 2 + 2)]


def test_csv_cells_of_every_type(typed, capsys):
    code, out, err = run(capsys, "sweep", typed, "--over", "alpha=1/2", "--over", "use_bias=false",
                         "--format", "csv")
    assert code == 0, err
    assert out.splitlines()[1].startswith("1/2,false,")


def test_table_of_a_rational_axis(typed, capsys):
    code, out, err = run(capsys, "sweep", typed, "--over", "alpha=1/2,3/4")
    assert code == 0, err
    assert " 1/2 " in out and " 3/4 " in out


def test_a_spec_with_a_bool_symbol_sweeps_its_integers(typed, capsys):
    # Before: any sweep of a spec with a bool or choice symbol crashed (its Symbol is None)
    assert [r["img_size"] for r in rows(capsys, typed, "--over", "img_size=8,9")] == [8, 9]


@pytest.mark.parametrize("over, fragments", [
    ("alpha=lots", ["--over alpha", "'lots' is not a positive number"]),
    ("alpha=0", ["--over alpha", "'0' is not a positive number"]),
    ("img_size=1.5", ["--over img_size", "'3/2' is not a positive integer"]),
    ("img_size=0", ["--over img_size", "'0' is not a positive integer"]),
    ("use_bias=3", ["--over use_bias", "is not true or false"]),
    ("variant=medium", ["--over variant", "'medium' is not one of \"small\", \"large\""]),
    ("alpha=3/0", ["'3/0' is not a value"]),
    ("alpha=-1/2", ["'-1/2' is not a value"]),
    ("alpha=1:2:0", ["STEP '0' is not a positive"]),
    ("alpha=0:1000:1/1000", ["more than 1,000"]),
    ("alpha=1e400", ["'1e400' is not a value"]),
    ("alpha=" + "9" * 5000, ["is not a value"]),
])
def test_bad_values_are_one_line(typed, capsys, over, fragments):
    code, out, err = run(capsys, "sweep", typed, "--over", over)
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def test_plot_of_a_rational_axis_is_refused(typed, capsys, tmp_path):
    code, _, err = run(capsys, "sweep", typed, "--over", "alpha=1/2,1", "--plot", tmp_path / "c.png")
    assert code == 2 and "--plot draws integer axes" in err


def test_quiz_refuses_to_vary_a_rational(typed, capsys):
    code, _, err = run(capsys, "quiz", typed, "--vary", "alpha=1/2,1")
    assert code == 2 and err.count("\n") == 1 and "--vary takes integer symbols; alpha is rational" in err, err


def test_parse_over_never_goes_through_float():
    assert parse_over("a=0.1,0.2,0.3").values == (Fraction(1, 10), Fraction(1, 5), Fraction(3, 10))
    assert parse_over("a=0.1:0.3:0.1").values == (Fraction(1, 10), Fraction(1, 5), Fraction(3, 10))


# --- CSV formula injection --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "=a,b"])
def test_csv_field_never_starts_a_formula(text):
    from symparam.render.escape import csv as csv_field
    field = csv_field(text)
    (cell,) = next(csv.reader(io.StringIO(field)))
    assert cell[0] not in "=+-@" and cell == "'" + text


def test_sweep_csv_header_and_cells_are_neutralised(tmp_path, capsys):
    path = tmp_path / "evil.toml"
    path.write_text('[network]\ninput = [4]\n[symbols]\nwidth = 3\nmode = { default = "a", values = ["a", '
                    '"=cmd"] }\n[[layers]]\ntype = "Dense"\nname = "=HYPERLINK(1)"\nunits = "width"\n')
    code, out, err = run(capsys, "sweep", path, "--over", "width=1,2", "--per-layer", "--format", "csv")
    assert code == 0, err
    header = next(csv.reader(io.StringIO(out)))
    assert "'=HYPERLINK(1)" in header
    assert not any(cell[:1] in "=+-@" for row in csv.reader(io.StringIO(out)) for cell in row)
