"""The spec language (issue 12): typed symbols, [helpers], conditional expressions, `when`, typed block arguments,
`repeat` with an index and growing copies, `input_shape[k]`, undeclared names. Each feature's example in
docs/spec.md is run here and checked against counts worked out by hand; every mistake is one line, exit 2, naming
the file, the layer and the key."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings, strategies as st

from symparam.api import load_text
from symparam.cli import main
from symparam.errors import SymparamError
from symparam.expr import parse_expression, sum_over
from symparam.spec import loads
from symparam.symbols import parse_binding

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "docs" / "spec.md").read_text()


def example(name: str) -> str:
    """The TOML block of docs/spec.md that starts with `# example: NAME`."""
    blocks = re.findall(r"```toml\n(# example: ([\w-]+)\n.*?)```", DOCS, re.S)
    found = [text for text, label in blocks if label == name]
    assert len(found) == 1, f"docs/spec.md has no example {name!r}"
    return found[0]


def dense(n_in, units, bias=True):
    return n_in * units + (units if bias else 0)


def conv(k, c_in, filters, bias=True):
    return k * k * c_in * filters + (filters if bias else 0)


@pytest.fixture
def spec_file(tmp_path):
    def write(text: str, name: str = "s.toml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path
    return write


def refused(capsys, path, *argv) -> str:
    """Run derive; it must refuse in exactly one line on stderr, with exit status 2; return that line."""
    code = main(["derive", str(path), *argv])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err


# --- typed symbols ----------------------------------------------------------------------------------------------------

def test_typed_symbols_example():
    text = example("typed-symbols")
    assert load_text(text).total == conv(3, 3, 24) + conv(1, 24, 8)            # alpha = 3/4: floor(24) filters
    assert load_text(text, alpha=Fraction(1, 2)).total == conv(3, 3, 16) + conv(1, 16, 8)
    assert load_text(text, alpha=0.5).total == conv(3, 3, 16) + conv(1, 16, 8)   # a float through its text
    assert load_text(text, use_bias=False).total == conv(3, 3, 24, bias=False) + conv(1, 24, 8)
    assert load_text(text, variant="small").total == conv(3, 3, 24)            # `extra` is switched off


def test_a_float_default_is_exact(spec_file, capsys):
    text = example("typed-symbols").replace("alpha = 0.75", "alpha = 0.35")
    net = loads(text)
    assert net.symbols.info("alpha").default == sympy.Rational(7, 20)       # not 0.34999999999999997779...
    path = spec_file(example("typed-symbols"))
    assert main(["derive", str(path), "--json", "--set", "alpha=0.5"]) == 0
    assert '"total": 584' in capsys.readouterr().out.replace("\n", "")


@pytest.mark.parametrize("text, value", [("alpha=0.75", Fraction(3, 4)), ("alpha=3/4", Fraction(3, 4)),
                                         ("n=0", 0), ("flag=true", True), ("flag=false", False),
                                         ("variant=small", "small"), ("n=12", 12)])
def test_parse_binding_types(text, value):
    assert parse_binding(text)[1] == value and type(parse_binding(text)[1]) is type(value)


def test_symbolic_rational_stays_a_symbol():
    net = load_text(example("typed-symbols"), symbolic=True)
    assert "alpha" in {s.name for s in net.total.free_symbols}
    assert net.subs(alpha=Fraction(3, 4), img_size=32).total == conv(3, 3, 24) + conv(1, 24, 8)


# --- helpers and conditional expressions ----------------------------------------------------------------------------

def test_helpers_example():
    text = example("helpers")
    assert load_text(text).total == dense(16, 16)             # make_divisible(11.2, 8) = 16
    assert load_text(text, alpha=1).total == dense(16, 32)
    assert load_text(text, alpha=Fraction(3, 4)).total == dense(16, 24)


@pytest.fixture(scope="module")
def make_divisible():
    pytest.importorskip("torch", reason="Keras's _make_divisible is the oracle (pip install '.[oracle]')")
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    from keras.src.applications.mobilenet_v2 import _make_divisible
    return _make_divisible


def test_make_divisible_helper_is_keras(make_divisible):
    """The docs' helper, read by symparam's parser, against keras.applications' own function over many values
    (v = m/100: MobileNet's alphas times the channel counts land on such values)."""
    helpers = loads(example("helpers")).symbols.helpers
    for m in range(1, 4000, 7):
        for d in (8, 16):
            v = Fraction(m, 100)
            ours = parse_expression(f"make_divisible(v, {d})", lambda n: sympy.Rational(m, 100), helpers)
            assert ours == make_divisible(m / 100, d), (v, d)


def test_conditional_expression_symbolic_is_piecewise():
    net = load_text(example("helpers"), symbolic=True)
    assert net.total.has(sympy.Piecewise)
    assert net.subs(alpha=Fraction(7, 20)).total == dense(16, 16)


def test_helpers_that_double_at_every_level_are_refused_quickly():
    """h2 calls h1 twice with other arguments, h3 calls h2 twice, ...: 2**40 expansions unless bounded."""
    helpers = ["h0 = { args = [\"v\"], formula = \"v + 1\" }"] + [
        f"h{k} = {{ args = [\"v\"], formula = \"h{k - 1}(v) + h{k - 1}(v + 1)\" }}" for k in range(1, 41)]
    text = "[network]\ninput = [4]\n[helpers]\n" + "\n".join(helpers) + \
        '\n[[layers]]\ntype = "Dense"\nname = "d"\nunits = "h40(1)"\n'
    with pytest.raises(SymparamError, match="helper calls"):   # (unbounded, it would never finish)
        load_text(text)


# --- when --------------------------------------------------------------------------------------------------------------

WHEN = '''[network]
input = [4]
[symbols]
wide = false
variant = { default = "a", values = ["a", "b"] }
[[layers]]
type = "Dense"
name = "first"
units = 3
[[layers]]
type = "Dense"
name = "extra"
units = 5
when = "wide or variant == 'b'"
[[layers]]
type = "Dense"
name = "last"
units = 2
'''


def test_when_switches_layers_and_the_next_reads_what_the_off_one_would_have():
    assert load_text(WHEN).total == dense(4, 3) + dense(3, 2)
    assert load_text(WHEN, wide=True).total == dense(4, 3) + dense(3, 5) + dense(5, 2)
    assert load_text(WHEN, variant="b").total == dense(4, 3) + dense(3, 5) + dense(5, 2)
    assert [l.name for l in load_text(WHEN).layers] == ["first", "last"]


def test_when_structure_through_the_cli(spec_file, capsys):
    path = spec_file(WHEN)
    assert main(["derive", str(path), "--json", "--set", "variant=b", "--symbolic"]) == 0
    assert '"name": "extra"' in capsys.readouterr().out


# --- blocks -----------------------------------------------------------------------------------------------------------

def test_blocks_example():
    net = load_text(example("blocks"))
    assert net.total == dense(8, 32) + dense(32, 8) + dense(8, 16, bias=False) + dense(16, 8) + dense(8, 2)
    assert net.layer("block1/up").args["activation"] == "gelu"          # the string argument reached the layer
    assert net.layer("block2/up").args["activation"] == "relu"          # its default
    assert net.layer("head").inputs == ("block1/sum",)                  # the use's name reads its output


def test_string_argument_reaches_the_layer_as_the_string():
    text = '''[network]
input = [9, 9, 3]
[blocks.c]
args = { padding = { default = "same", type = "string", values = ["same", "valid"] } }
inputs = ["x"]
[[blocks.c.layers]]
type = "Conv2D"
name = "conv"
filters = 2
kernel_size = 3
padding = "padding"
[[layers]]
type = "c"
name = "a"
padding = "valid"
[[layers]]
type = "c"
name = "b"
'''
    net = load_text(text)
    assert net.layer("a/conv").output_shape == (7, 7, 2) and net.layer("b/conv").output_shape == (7, 7, 2)
    assert net.layer("a/conv").args["padding"] == "valid" and net.layer("b/conv").args["padding"] == "same"


# --- repeat with an index, growing copies ---------------------------------------------------------------------------

def test_repeat_example():
    def by_hand(n):
        grow = sum(dense(8 + 4 * i, 4) for i in range(n))            # copy i reads 8 + 4i features
        width = 8 + 4 * n
        wide = sum(dense(width, 4 + 2 * j) + dense(4 + 2 * j, width) for j in range(2))   # squeezed and back
        return grow + wide + dense(width, 1)
    text = example("repeat")
    for n in (0, 1, 3, 7):
        assert load_text(text, n=n).total == by_hand(n), n


def test_growing_repeat_is_a_closed_form():
    net = load_text(example("repeat"), symbolic=True)
    n = sympy.Symbol("n", integer=True, nonnegative=True)
    assert sympy.expand(net.layer("dense/new").params) == 8 * n**2 + 28 * n     # sum of (8 + 4i)*4 + 4 over i < n
    assert len(net.layers) == 5                                                  # one row per layer, not per copy
    j = sympy.Symbol("j", integer=True, nonnegative=True)
    assert net.layer("wide/in").copies == ((j, 2),)                              # the index's copies, summed


def test_outputs_say_a_growing_repeat_is_a_sum():
    """The table and the worked derivation show copy i's sizes summed over i < n (the LaTeX said
    "16·i + 32 + 4 = 156" before it knew of copies)."""
    net = load_text(example("repeat"))
    assert r"\sum_{i=0}^{3 - 1} \left(16 \cdot i + 32 + 4\right) = 156" in net.latex()
    assert "sum over i < n of ((4·i + 8)·4 + 4)" in net.table(width=200)   # the formula in the spec's sizes


@given(st.lists(st.integers(-50, 50), min_size=1, max_size=5), st.integers(0, 30))
@settings(max_examples=60, deadline=None)
def test_sum_over_is_the_sum(coefficients, count):
    i = sympy.Symbol("i", integer=True, nonnegative=True)
    n = sympy.Symbol("n", integer=True, nonnegative=True)
    poly = sum(c * i**p for p, c in enumerate(coefficients))
    closed = sum_over(poly, i, n)
    assert closed.xreplace({n: count}) == sum(poly.xreplace({i: k}) for k in range(count))


def test_a_unit_that_does_not_grow_evenly_is_refused():
    text = '''[network]
input = [4]
[[layers]]
type = "Dense"
name = "d"
units = "2 + j"
repeat = 3
index = "j"
'''
    with pytest.raises(SymparamError, match="must map its output shape onto its input shape"):
        load_text(text)


# --- input_shape --------------------------------------------------------------------------------------------------

def test_input_shape_example():
    net = load_text(example("input-shape"))
    assert net.total == dense(6, 3) and net.layers[0].output_shape == (10, 3)


def test_input_shape_outside_the_axes(spec_file, capsys):
    path = spec_file(example("input-shape").replace("input_shape[-1]", "input_shape[4]"))
    line = refused(capsys, path)
    assert "layer 1 'half' (Dense)" in line and "input_shape[4]" in line


# --- several outputs, initial_state -----------------------------------------------------------------------------

def test_seq2seq_example_against_keras(make_divisible):   # (the fixture imports Keras on the torch backend)
    import keras

    net = load_text(example("seq2seq"))
    source, target = keras.Input((10, 6)), keras.Input((12, 5))
    _, h, c = keras.layers.LSTM(16, return_state=True)(source)
    decoded = keras.layers.LSTM(16, return_sequences=True)(target, initial_state=[h, c])
    model = keras.Model([source, target], keras.layers.Dense(5)(decoded))
    assert net.total == model.count_params() == 4 * (6 + 16 + 1) * 16 + 4 * (5 + 16 + 1) * 16 + dense(16, 5)
    assert net.layer("decoder").inputs == ("target", "encoder:1", "encoder:2")
    assert net.layer("out").input_shapes == ((12, 16),)


@pytest.mark.parametrize("old, new, fragment", [
    ('initial_state = ["encoder:1", "encoder:2"]', 'initial_state = ["encoder:1"]', "takes 2 state(s)"),
    ('initial_state = ["encoder:1", "encoder:2"]', 'initial_state = ["encoder:1", "source"]', "state shape (16,)"),
    ('initial_state = ["encoder:1", "encoder:2"]', 'initial_state = ["encoder:1", "encoder:3"]', "'encoder:3'"),
    ('units = 5', 'units = 5\ninitial_state = ["encoder:1"]', "is for a recurrent layer"),
])
def test_initial_state_mistakes(old, new, fragment, spec_file, capsys):
    path = spec_file(example("seq2seq").replace(old, new))
    line = refused(capsys, path)
    assert fragment in line and "initial_state" in line and "layer " in line


# --- undeclared names -------------------------------------------------------------------------------------------------

def test_a_misspelt_symbol_is_an_error_with_a_suggestion(spec_file, capsys):
    path = spec_file(example("typed-symbols").replace('input = ["img_size", "img_size", 3]',
                                                       'input = ["img_sise", "img_size", 3]'))
    line = refused(capsys, path)
    assert "'img_sise' is not declared" in line and "did you mean 'img_size'" in line and "s.toml" in line


def test_without_a_symbols_table_free_names_stay_allowed():
    net = load_text('[network]\ninput = ["n"]\n[[layers]]\ntype = "Dense"\nunits = "2*m"\n', symbolic=True)
    assert {s.name for s in net.total.free_symbols} == {"n", "m"}


# --- a `when` over sizes: decided at the size's value ------------------------------------------------------------------

WHEN_OVER_A_SIZE = """[network]
input = [8]
[symbols]
alpha = { default = 1, type = "rational" }
[[layers]]
type = "Dense"
name = "a"
units = "floor(8*alpha)"
[[layers]]
type = "Add"
name = "res"
inputs = ["a", "input"]
when = "floor(8*alpha) == 8"
[[layers]]
type = "Dense"
name = "out"
units = 2
"""


def derived_json(capsys, path, *argv) -> dict:
    assert main(["derive", str(path), "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_when_over_a_size_is_decided_at_its_value(spec_file, capsys):
    """Keras's residual where a block's input and output widths agree (MobileNet at some alphas): the Add is there
    at the default alpha = 1 and at --set alpha=1.1 (floor(8.8) = 8), gone at alpha = 1/2; the counts are the layers'
    either way: 9·8 + 18 at 1, 9·4 + (4·2 + 2) at 1/2."""
    path = spec_file(WHEN_OVER_A_SIZE)
    for argv, has_add, total in (([], True, 9 * 8 + 18), (["--set", "alpha=1.1"], True, 9 * 8 + 18),
                                 (["--set", "alpha=0.5"], False, 9 * 4 + 4 * 2 + 2)):
        doc = derived_json(capsys, path, *argv)
        assert ("res" in [layer["name"] for layer in doc["layers"]]) is has_add, argv
        assert doc["total"] == total, argv


def test_under_symbolic_a_when_over_a_size_is_an_assumption(spec_file, capsys):
    path = spec_file(WHEN_OVER_A_SIZE)
    assert main(["derive", str(path), "--symbolic"]) == 0
    out = capsys.readouterr().out
    assert "res (Add)" in out and "Assumes: floor(8*alpha) == 8  (res: when)" in out


def test_deriving_a_spec_again_leaves_it_as_it_was():
    """A `when` inside a block is decided as the block is expanded (at derive time): the decision is a condition of
    that derivation, not recorded on the spec, so deriving the same spec twice gives the same conditions and leaves
    the spec's own (read-time) decisions as they were."""
    from symparam.engine import derive
    from symparam.spec import load as read_spec
    spec = read_spec(ROOT / "examples" / "mobilenet_v3.toml")
    before = list(spec.symbols.decisions)
    first, second = derive(spec), derive(spec)
    assert first.conditions and [c.where for c in first.conditions] == [c.where for c in second.conditions]
    assert spec.symbols.decisions == before


def test_a_when_over_a_size_without_a_value_is_one_line(spec_file, capsys):
    path = spec_file(WHEN_OVER_A_SIZE.replace('alpha = { default = 1, type = "rational" }',
                                              'alpha = { type = "rational", doc = "no default" }'))
    line = refused(capsys, path, "--set", "alpha=1")
    assert "layer 2 'res' (Add)" in line and "when" in line and "depends on alpha" in line


# --- bad input: one line, exit 2, file, layer, key --------------------------------------------------------------------

BAD = {
    "an undefined helper": (
        ("example", "helpers"), ('units = "make_divisible(32*alpha, 8)"', 'units = "make_divisble(32*alpha, 8)"'), (),
        ["layer 1 'fc' (Dense)", "units", "make_divisble"]),
    "a when over a non-boolean": (
        ("example", "typed-symbols"), ("when = \"variant == 'large'\"", 'when = "alpha"'), (),
        ["layer 2 'extra' (Conv2D)", "when", "'alpha' is not a condition"]),
    "a rational where an integer is needed": (
        ("example", "typed-symbols"), ('filters = "floor(32*alpha)"', 'filters = "32*alpha"'), (),
        ["layer 1 'stem' (Conv2D)", "filters", "a rational where an integer is needed"]),
    "a float block argument for a size": (
        ("example", "blocks"), ("hidden = 32", "hidden = 0.5"), (),
        ["layer 1 'block1' (mlp)", "hidden", "a rational where an integer is needed"]),
    "an index used outside its repeat": (
        ("example", "repeat"), ('units = 1', 'units = "j"'), (),
        ["'out' (Dense)", "units", "'j' is the index of the repeat"]),
    "a 0 repeat feeding a later layer": (
        ("example", "repeat"), ('repeat = "n"  ', 'repeat = 0  '), (),
        ["layer 3 'wide' (squeeze)", "inputs", "'dense', which is repeated 0 times"]),
    "a count that may be 0, at 0, feeding a later layer": (
        ("example", "repeat"), ('back = "input_shape[-1]"', 'back = "input_shape[-1]"\ninputs = ["dense"]'),
        ("--set", "n=0"), ["layer 3 'wide' (squeeze)", "'dense', which is repeated n times", "n > 0 fails at n=0"]),
    "a switched-off layer named as an input": (
        ("example", "typed-symbols"), ("# only in the large variant\n", '\n[[layers]]\ntype = "Flatten"\n'
                                                                 'name = "f"\ninputs = ["extra"]\n'), ("--set", "variant=small"),
        ["'f' (Flatten)", "'extra'", "switched off by when"]),
    "a rational --set that is not a number": (
        ("example", "typed-symbols"), ('', ''), ("--set", "alpha=lots"),
        ["--set alpha must be a positive number", "alpha=lots"]),
    "a choice --set outside its values": (
        ("example", "typed-symbols"), ('', ''), ("--set", "variant=medium"),
        ["--set variant must be one of \"small\", \"large\"", "variant=medium"]),
    "a bool --set that is not true or false": (
        ("example", "typed-symbols"), ('', ''), ("--set", "use_bias=3"),
        ["--set use_bias must be true or false"]),
    "a helper that calls itself": (
        ("example", "helpers"), ('formula = "max(d, floor(v + d/2) // d * d)"', 'formula = "round_to(v, d)"'), (),
        ["[helpers] round_to", "formula", "round_to"]),
    "a helper that reads a symbol": (
        ("example", "helpers"), ('formula = "max(d, floor(v + d/2) // d * d)"', 'formula = "max(d, alpha)"'), (),
        ["[helpers] round_to", "may use only its parameters", "'alpha'"]),
    "a choice symbol in arithmetic": (
        ("example", "typed-symbols"), ('kernel_size = 1\n', 'kernel_size = "variant + 1"\n'), (),
        ["layer 2 'extra' (Conv2D)", "kernel_size", "is a string"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line(case, spec_file, capsys):
    (_, name), (old, new), argv, fragments = BAD[case]
    text = example(name)
    assert old in text
    text = text.replace(old, new, 1)
    if case == "a 0 repeat feeding a later layer":
        text = text.replace('back = "input_shape[-1]"', 'back = "input_shape[-1]"\ninputs = ["dense"]')
    path = spec_file(text, name="bad.toml")
    line = refused(capsys, path, *argv)
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    if not any(f.startswith("--set") for f in fragments):
        assert "bad.toml" in line
