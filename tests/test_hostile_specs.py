"""Hostile specs (issue 11): what a stranger's spec or a careless --set can do to the parser and the builder.

Every case is one line on stderr and exit status 2, never a traceback, a raw control character, a wrong answer or
unbounded work. The bombs' time and memory are measured by benchmarks/bombs_build.py, not here.
"""

from __future__ import annotations

import json
import unicodedata

import pytest
import sympy
from hypothesis import HealthCheck, given, settings, strategies as st

from symparam import totals
from symparam.cli import main
from symparam.engine import derive
from symparam.errors import SymparamError
from symparam.model import Condition
from symparam.spec import loads

DENSE = '[[layers]]\ntype = "Dense"\nname = "fc"\nunits = 3\n'


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, path, *fragments, argv=()):
    """derive PATH refuses: exit 2, nothing on stdout, one line on stderr holding every fragment, no control
    character in it."""
    code, out, err = run(capsys, "derive", path, *argv)
    assert code == 2, (out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in lines[0]), repr(lines[0])
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def toml_string(text: str) -> str:
    """A TOML basic string holding `text` (JSON's escapes are TOML's for these characters)."""
    return json.dumps(text, ensure_ascii=False)


# --- names and docs: one line of printable text, checked when the spec is read ----------------------------------------

HOSTILE = {
    "escape sequence": "a\x1b[2Jb",
    "clipboard write": "x\x1b]52;c;SGVsbG8=\x07",
    "newline": "Net\n# heading",
    "bidi override": "abc\u202edef",
    "zero-width space": "a\u200bb",
    "line separator": "a\u2028b",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_network_name_refuses_control_characters(case, capsys, write_spec):
    name = HOSTILE[case]
    path = write_spec(f'[network]\nname = {toml_string(name)}\ninput = [8]\n' + DENSE)
    refused(capsys, path, "[network]", "name must be", name.encode("unicode_escape").decode("ascii")[:6])


def test_symbol_doc_refuses_an_escape_sequence(capsys, write_spec):
    path = write_spec('[network]\ninput = ["n"]\n[symbols]\nn = { default = 4, doc = "width\\u001b[31m red" }\n'
                      + DENSE)
    refused(capsys, path, "[symbols] n", "doc must be", "\\x1b[31m")


def test_block_doc_refuses_a_newline(capsys, write_spec):
    path = write_spec('[network]\ninput = [8]\n[blocks.unit]\ndoc = "line one\\nline two"\n'
                      '[[blocks.unit.layers]]\ntype = "Dense"\nunits = 4\n[[layers]]\ntype = "unit"\n')
    refused(capsys, path, "[blocks.unit]", "doc must be", "\\n")


def test_block_input_name_refuses_a_bidi_override(capsys, write_spec):
    path = write_spec('[network]\ninput = [8]\n[blocks.unit]\ninputs = ["x\\u202e"]\n'
                      '[[blocks.unit.layers]]\ntype = "Dense"\nunits = 4\n[[layers]]\ntype = "unit"\n')
    refused(capsys, path, "[blocks.unit]", "input name", "\\u202e")


def test_a_bad_symbol_name_with_an_escape_is_shown_escaped(capsys, write_spec):
    path = write_spec('[network]\ninput = [8]\n[symbols]\n"n\\u001b[2J" = 3\n' + DENSE)
    refused(capsys, path, "[symbols] n\\x1b[2J", "symbol name")


def test_a_long_bad_symbol_name_is_a_short_line(capsys):
    line = refused(capsys, "examples/cnn.toml", "symbol name", argv=("--set", "x" * 5000 + "-=3"))
    assert len(line) < 300


def test_a_file_name_with_an_escape_is_not_printed_raw(capsys, tmp_path):
    path = tmp_path / "net\x1b[2J.toml"
    path.write_text('[network]\ninput = [8]\n' + DENSE, encoding="utf-8")
    code, out, err = run(capsys, "derive", path)
    assert code == 0, err
    assert "\x1b" not in out and "net\\x1b[2J" in out
    path.write_text('[network]\ninput = [8]\n[[layers]]\ntype = "Dense"\nunits = 0\n', encoding="utf-8")
    refused(capsys, path, "net\\x1b[2J.toml", "units")


def test_a_long_file_name_is_still_a_network_name(capsys, tmp_path):
    """Guard: the name a spec does not give comes from its file, whatever the file is called."""
    path = tmp_path / ("n" * 200 + ".toml")
    path.write_text('[network]\ninput = [8]\n' + DENSE, encoding="utf-8")
    code, out, err = run(capsys, "derive", path)
    assert (code, err) == (0, "")


def test_names_in_any_script_are_fine(capsys, write_spec):
    """Guard: the rule refuses control characters, not letters (Greek, CJK, accents)."""
    path = write_spec('[network]\nname = "Δίκτυο 网络 café"\ninput = ["width"]\n[symbols]\nwidth = 4\n'
                      '[[layers]]\ntype = "Dense"\nname = "πυκνό_层"\nunits = 3\n')
    code, out, err = run(capsys, "derive", path)
    assert (code, err) == (0, "")
    assert "Δίκτυο 网络 café" in out and "πυκνό_层" in out


# --- a size that is below its minimum for every value is an error, not "Assumes: False" --------------------------------

@pytest.mark.parametrize("size", ["-n", "1 - n", "-2*n + 1"])
def test_size_that_is_never_positive(size, capsys, write_spec):
    path = write_spec(f'[network]\ninput = [8]\n[[layers]]\ntype = "Dense"\nname = "fc"\nunits = "{size}"\n')
    line = refused(capsys, path, "layer 1 'fc' (Dense)", "units must be a positive integer", f"units = '{size}'")
    assert "False" not in line


def test_a_condition_recorded_false_is_an_error_not_an_assumption():
    """The general rule (engine._assumptions): whatever records it, a condition that can never hold is refused."""
    spec = loads('[network]\ninput = [8]\n' + DENSE, "course.toml")
    spec.layers[0].conditions.append(Condition(sympy.false, "units", "units must be a positive integer"))
    with pytest.raises(SymparamError) as caught:
        derive(spec)
    assert "course.toml: layer 1 'fc' (Dense): units must be a positive integer" in str(caught.value)


# --- numbers too long for Python's int/str conversion ----------------------------------------------------------------

def test_toml_integer_over_pythons_digit_limit(capsys, write_spec):
    path = write_spec('[network]\ninput = [8]\n[[layers]]\ntype = "Dense"\nunits = ' + "9" * 5000 + "\n")
    refused(capsys, path, "spec.toml", "not valid TOML", "4,300 digits")


def test_toml_integer_too_large_for_a_size(capsys, write_spec):
    big = "1" + "0" * 2500
    path = write_spec(f'[network]\ninput = [8]\n[[layers]]\ntype = "Dense"\nunits = {big}\n'
                      f'[[layers]]\ntype = "Dense"\nname = "fc2"\nunits = {big}\n')
    refused(capsys, path, "layer 1 'dense' (Dense)", "units is too large", "2**64")


def test_symbol_default_too_large(capsys, write_spec):
    path = write_spec('[network]\ninput = ["n"]\n[symbols]\nn = ' + "9" * 3000 + "\n" + DENSE)
    refused(capsys, path, "[symbols] n", "default is too large")


def test_symbol_defaults_that_grow_without_bound(capsys, write_spec):
    """Each default the 64th power of the one before: d3 alone has 2**24 bits, d4 never finished."""
    chain = "\n".join(f'd{i} = {{ default = "d{i - 1}**16*d{i - 1}**16*d{i - 1}**16*d{i - 1}**16" }}'
                      for i in range(1, 5))
    path = write_spec(f'[network]\ninput = ["d4"]\n[symbols]\nd0 = {2**64 - 1}\n{chain}\n' + DENSE)
    refused(capsys, path, "[symbols] d1", "more than 1,000 digits")


@pytest.mark.parametrize("fmt", ["table", "json", "latex"])
def test_total_over_pythons_digit_limit(fmt, capsys, write_spec):
    """Eight axes of n**64 with n = 10**18, flattened: a length of 9,216 digits (str() of it raised ValueError)."""
    axis = '"n**16*n**16*n**16*n**16"'
    path = write_spec(f'[network]\ninput = [{", ".join([axis] * 8)}]\n[symbols]\nn = {10**18}\n'
                      '[[layers]]\ntype = "Flatten"\n[[layers]]\ntype = "Dense"\nunits = 3\n')
    refused(capsys, path, "layer 1 'flatten' (Flatten)", "output axis 1 at n=", "1,000 digits", argv=("--format", fmt))


def test_symbolic_coefficient_over_pythons_digit_limit(capsys, write_spec):
    axis = '"(2**16*2**16*2**16*2**16*n)**16"'
    path = write_spec(f'[network]\ninput = [{", ".join([axis] * 16)}]\n'
                      '[[layers]]\ntype = "Flatten"\n[[layers]]\ntype = "Dense"\nunits = 3\n')
    refused(capsys, path, "layer 1 'flatten' (Flatten)", "1,000 digits")


def test_set_with_thousands_of_digits_is_a_short_line(capsys):
    line = refused(capsys, "examples/cnn.toml", "--set img_size must be a positive integer",
                   argv=("--set", "img_size=" + "9" * 5000))
    assert len(line) < 200


# --- --set values that make a divisor zero ---------------------------------------------------------------------------

DIVIDES = '[network]\ninput = ["n"]\n[symbols]\nn = 8\nm = 5\n[[layers]]\ntype = "Dense"\nname = "fc"\nunits = "{}"\n'


@pytest.mark.parametrize("size, where", [
    ("n // (m - 3)", "units divides by zero"),               # was: TypeError Invalid comparison of non-real zoo
    ("n % (m - 3) + 1", "units divides by zero"),            # was: ZeroDivisionError
    ("max(1, n // (m - 3))", "units divides by zero"),       # was: ValueError The argument 'zoo' is not comparable
])
def test_set_that_makes_a_divisor_zero(size, where, capsys, write_spec):
    path = write_spec(DIVIDES.format(size))
    refused(capsys, path, "layer 1 'fc' (Dense)", where, "m=3", argv=("--set", "m=3"))
    code, _, err = run(capsys, "derive", path, "--set", "m=4")
    assert (code, err) == (0, "")


def test_set_that_makes_an_input_divisor_zero(capsys, write_spec):
    path = write_spec('[network]\ninput = ["n % (m - 3) + 1"]\n[symbols]\nn = 8\nm = 5\n' + DENSE)
    refused(capsys, path, "[network]", "input divides by zero", "m=3", argv=("--set", "m=3"))


# --- bounds, refused before the work ---------------------------------------------------------------------------------

def test_power_of_a_sum_is_refused_before_expanding(capsys, write_spec):
    """(a+...+j)**16 has 2,042,975 terms once expanded (sympy took minutes); the multinomial count refuses it."""
    path = write_spec('[network]\ninput = ["(a+b+c+d+e+f+g+h+i+j)**16"]\n' + DENSE)
    refused(capsys, path, "[network]", "input", "more than 500 terms", "fixed limit")


def test_a_product_of_lengths_too_large_to_expand(capsys, write_spec):
    """Each axis is fine alone (20 terms); their product, the flattened length, would have 160,000."""
    axes = ", ".join(f'"(a + b + c + x{i})**3"' for i in range(4))
    path = write_spec(f'[network]\ninput = [{axes}]\n[[layers]]\ntype = "Flatten"\n' + DENSE)
    refused(capsys, path, "layer 1 'flatten' (Flatten)", "output axis 1", "more than 500 terms")


def nested_blocks(depth: int, fan_out: int) -> str:
    lines = ['[network]', 'input = [8]']
    for d in range(depth):
        lines.append(f'[blocks.b{d}]')
        for _ in range(fan_out):
            inner = f'type = "b{d + 1}"' if d < depth - 1 else 'type = "Dense"\nunits = 8'
            lines += [f'[[blocks.b{d}.layers]]', inner]
    lines += ['[[layers]]', 'type = "b0"']
    return "\n".join(lines) + "\n"


def test_nested_blocks_that_multiply_to_too_many_layers(capsys, write_spec):
    """Fan-out 10 at depth 15: 10**15 layers from a 5 KB spec; counted from the definitions, refused unbuilt."""
    path = write_spec(nested_blocks(15, 10))
    refused(capsys, path, "layer 1 'b0' (b0)", "more than 100,000 layers", "fixed limit")


def test_nested_blocks_under_the_limit_still_build(capsys, write_spec):
    """Guard: 10**3 layers through three levels of blocks derive."""
    code, out, err = run(capsys, "derive", write_spec(nested_blocks(3, 10)), "--json")
    assert (code, err) == (0, "")
    assert len(json.loads(out)["layers"]) == 1000


def test_too_many_symbols(capsys, write_spec):
    symbols = "\n".join(f"s{i} = 4" for i in range(1001))
    path = write_spec(f'[network]\ninput = [8]\n[symbols]\n{symbols}\n' + DENSE)
    refused(capsys, path, "1,001 symbols", "at most 1,000")


def test_a_large_total_is_not_factored(monkeypatch):
    """An MLP whose 50 widths are symbols: sympy.factor on its total took minutes. readable() tries it only on a small
    total; the common factor of the terms is still taken out."""
    w = sympy.symbols("w0:51", integer=True, positive=True)
    total = sympy.Add(*(w[i] * w[i + 1] + w[i + 1] for i in range(50)))

    def no_factor(*args, **kwargs):
        raise AssertionError("sympy.factor called on a 101-term, 51-symbol total")

    monkeypatch.setattr(sympy, "factor", no_factor)
    assert sympy.expand(totals.readable(total) - total) == 0
    monkeypatch.undo()
    assert totals.readable(4 * w[0] * w[1] ** 2 * w[2] + 4 * w[0] * w[1] * w[2]) == 4 * w[0] * w[1] * w[2] * (w[1] + 1)


terms = st.lists(st.tuples(st.sampled_from([1, 2, 3, -1, 7, sympy.Rational(1, 2)]),
                           st.lists(st.tuples(st.integers(0, 4), st.sampled_from([1, 2, 3, -1])), max_size=3),
                           st.booleans()), min_size=1, max_size=8)


@given(terms, st.permutations(range(5)), st.integers(1, 5))
@settings(max_examples=300, deadline=None)
def test_collect_is_sympys_collect(parts, order, used):
    """totals.collect (one pass over the terms) gives what sympy.collect gives (which tries every symbol on every term)."""
    syms = sympy.symbols("a b c d e", integer=True, positive=True)
    expr = sympy.expand(sympy.Add(*(
        sympy.Mul(c, *(syms[i] ** p for i, p in powers), sympy.floor(syms[0] / 2) if floored else 1)
        for c, powers, floored in parts)))
    chosen = [syms[i] for i in order[:used]]
    assert totals.collect(expr, chosen) == sympy.collect(expr, chosen)


# --- fuzz: small hostile specs through the command line --------------------------------------------------------------

hostile_text = st.text(st.sampled_from(list("ab_ \\$%&#{}<>\"'`\n\t\x1b\x07\x7f\u202e\u200b\u2028éλ网😀")), max_size=8)
names = st.one_of(st.sampled_from(["Net", "Δίκτυο", "网络", "x" * 129]), hostile_text)
hostile_sizes = st.one_of(st.integers(-3, 9), st.sampled_from([
    "-n", "n - m", "(n + m)**16", "n**16*m**16*n**16*m**16", "2**64", "n / 2", "(a+b+c+d+e+f)**9", "0", "none", "",
    "n.real", 10**30]))
sizes = st.one_of(st.sampled_from(["n", "m", "k", "n // (m - 3)", "n % (m - 3) + 1", "max(1, n // (m - 3))",
                                   "min(n, m)", "ceil(n / (m - 2))", "2*n", "n*m", "(n + m)**3", 3, 8]), hostile_sizes)
layer = st.one_of(
    st.fixed_dictionaries({"type": st.just("Dense"), "units": sizes}, optional={"name": names}),
    st.fixed_dictionaries({"type": st.just("Flatten")}, optional={"name": names}),
    st.fixed_dictionaries({"type": st.just("Conv1D"), "filters": sizes,
                           "kernel_size": st.sampled_from([1, 3, "m - 3", "m"])}, optional={"strides": sizes}),
    st.fixed_dictionaries({"type": st.sampled_from(["Dense", "Flatten", "Conv1D", "Embedding", "LSTM", "Bogus"])},
                          optional={"name": names, "units": sizes, "filters": sizes, "kernel_size": sizes,
                                    "input_dim": sizes, "output_dim": sizes}),
)
blocks = st.sampled_from([
    "",
    '[blocks.u]\nargs = { w = "n" }\n[[blocks.u.layers]]\ntype = "Dense"\nunits = "w"\n',
    '[blocks.u]\nargs = { w = "required" }\n[[blocks.u.layers]]\ntype = "Dense"\nunits = "w // (m - 3)"\n',
    '[blocks.u]\n[[blocks.u.layers]]\ntype = "u"\n',    # uses itself
])
uses = st.sampled_from(["", '[[layers]]\ntype = "u"\n', '[[layers]]\ntype = "u"\nw = "m % 2 + 1"\nrepeat = "n - 7"\n',
                        '[[layers]]\ntype = "Dense"\nunits = "n"\nrepeat = "m // (n - 8)"\n'])
defaults = st.sampled_from(["", 'k = { default = "n**16*n**16*n**16*n**16" }', 'k = { default = "m - 10" }',
                            'k = { default = "n // (m - 5)" }'])


def spec_text(network_name, doc, input_shape, layers, block="", use="", default="") -> str:
    lines = ["[network]", f"input = [{', '.join(toml_string(s) if isinstance(s, str) else str(s) for s in input_shape)}]"]
    if network_name is not None:
        lines.append(f"name = {toml_string(network_name)}")
    lines += ["[symbols]", f"n = {{ default = 8, doc = {toml_string(doc)} }}", "m = 5", default]
    for table in layers:
        lines.append("[[layers]]")
        lines += [f"{k} = {toml_string(v) if isinstance(v, str) else v}" for k, v in table.items()]
    return "\n".join(lines) + "\n" + use + block


@given(st.one_of(st.none(), names), st.one_of(st.just(""), hostile_text), st.lists(sizes, min_size=1, max_size=3),
       st.lists(layer, min_size=1, max_size=3), blocks, uses, defaults,
       st.lists(st.sampled_from(["m=3", "m=2", "n=1", "k=2", "n=" + "9" * 30, "n=" + "9" * 40, "m=x", "q=1"]),
                max_size=2),
       st.sampled_from(["table", "json", "latex", "markdown", "html"]), st.sampled_from([[], ["--symbolic"]]))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzz_hostile_specs_never_traceback(tmp_path, capsys, network_name, doc, shape, layers, block, use, default,
                                            sets, fmt, symbolic):
    path = tmp_path / "fuzz.toml"
    path.write_text(spec_text(network_name, doc, shape, layers, block, use, default), encoding="utf-8")
    argv = ["derive", str(path), "--format", fmt, *symbolic]
    for binding in sets:
        argv += ["--set", binding]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    assert "Traceback" not in err
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in err.strip()), repr(err)
    elif fmt == "table":
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in out.replace("\n", "")), repr(out)


def test_more_layers_than_the_limit_are_refused_before_the_toml_is_read(monkeypatch):
    """100,001 [[layers]] tables are counted in the text: tomllib is never asked to read them."""
    import tomllib

    from symparam.api import load_text

    def refuse(text):
        raise AssertionError("tomllib read the spec")
    monkeypatch.setattr(tomllib, "loads", refuse)
    with pytest.raises(SymparamError, match="more than 100,000 layers"):
        load_text('[network]\ninput = [8]\n' + '[[layers]]\ntype = "ReLU"\n' * 100_001)
