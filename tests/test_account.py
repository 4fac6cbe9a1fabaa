"""One account per network (symparam.account): every output reads the same resolved bindings, formulas, totals,
categories and conditions, and says the same thing."""

import ast
import json
import re
from pathlib import Path

import pytest
import sympy

from symparam.api import load, load_text
from symparam.cli import main
from symparam.errors import SymparamError

ROOT = Path(__file__).resolve().parent.parent
GPT2 = str(ROOT / "examples" / "gpt2.toml")


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def sym(name):
    return sympy.Symbol(name, integer=True, positive=True)


# ---- resolved defaults: one function, the same answer everywhere ------------------------------------------------

CHAINED = """
[symbols]
a = 4
b = { default = "2*a" }
c = { default = "b + 1" }

[network]
input = [8]

[[layers]]
type = "Dense"
units = "b"

[[layers]]
type = "Dense"
units = "c"
"""


def test_chained_defaults_resolve_through_each_other(write_spec, capsys):
    # Dense(b) on 8 inputs: 8b + b = 9b = 18a; Dense(c) on b: (b + 1)c = (2a + 1)^2 = 4a^2 + 4a + 1
    a = sym("a")
    expected = 4 * a**2 + 22 * a + 1
    assert sympy.expand(load_text(CHAINED, symbolic=True).total - expected) == 0
    path = write_spec(CHAINED)
    assert sympy.expand(load(path, symbolic=True).total - expected) == 0
    code, out, _ = run(capsys, "derive", str(path), "--symbolic", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["free_symbols"] == ["a"]
    assert doc["total"] == "18*a + (2*a + 1)**2"   # per layer: Dense(b) 18a, Dense(c) (2a + 1)^2
    assert load_text(CHAINED).total == expected.subs(a, 4) == load(path).total


def test_circular_defaults_are_refused():
    text = "[symbols]\nb = { default = \"c + 1\" }\nc = { default = \"b\" }\n[network]\ninput = [8]\n[[layers]]\ntype = \"Dense\"\nunits = \"b\"\n"
    with pytest.raises(SymparamError, match="circle"):
        load_text(text, symbolic=True)


FF = """
[symbols]
d_model = { default = 16 }
d_ff = { default = "4*d_model" }

[network]
input = ["d_model"]

[[layers]]
type = "Dense"
name = "fc"
units = "d_ff"
"""


def test_every_command_resolves_defaults_alike(write_spec, capsys, tmp_path):
    """d_ff = 4*d_model follows d_model wherever d_model is free or bound (fc: d_model·d_ff + d_ff)."""
    d = sym("d_model")
    path = str(write_spec(FF))
    for net in (load(path, symbolic=True), load_text(FF, symbolic=True)):
        assert sympy.expand(net.total - (4 * d**2 + 4 * d)) == 0
    assert load(path).total == load_text(FF).total == 16 * 64 + 64
    code, out, _ = run(capsys, "derive", path, "--set", "d_model=32", "--json")
    assert json.loads(out)["total"] == 32 * 128 + 128
    b = write_spec(FF.replace('name = "fc"', 'name = "fc"\nuse_bias = false'), "b.toml")
    code, out, _ = run(capsys, "diff", path, str(b), "--symbolic", "--json")
    assert code == 0 and json.loads(out)["symbolic_change"] == "-4*d_model"
    code, out, _ = run(capsys, "sweep", path, "--over", "d_model=8,16", "--format", "json")
    rows = json.loads(out)["rows"] if isinstance(json.loads(out), dict) else json.loads(out)
    assert [r["total"] for r in rows] == [8 * 32 + 32, 16 * 64 + 64]
    code, out, _ = run(capsys, "solve", path, "--for", "d_model", "--budget", str(16 * 64 + 64))
    assert code == 0 and "16" in out
    page = tmp_path / "page.html"
    assert main(["explore", path, "-o", str(page)]) == 0
    assert "d_model" in page.read_text(encoding="utf-8")
    code, out, _ = run(capsys, "quiz", path, "--vary", "d_model=8,16", "--count", "2", "--format", "markdown",
                       "--answers", str(tmp_path / "key.md"))
    key = (tmp_path / "key.md").read_text(encoding="utf-8")
    assert code == 0 and f"{8 * 32 + 32:,}" in key and f"{16 * 64 + 64:,}" in key


# ---- categories: declared by each kind, read by diff --------------------------------------------------------------

LSTM_KERAS = """
[network]
input = [10, 8]
[[layers]]
type = "LSTM"
name = "lstm"
units = "u"
"""

LSTM_TORCH = """
[network]
convention = "torch"
input = [10, 8]
[[layers]]
type = "nn.LSTM"
name = "lstm"
input_size = 8
hidden_size = "u"
batch_first = true
"""


def test_lstm_diff_is_four_u_biases(write_spec, capsys):
    """PyTorch's LSTM has a second bias vector (bias_hh, 4·u): B - A = 4·u, all of it biases."""
    a, b = write_spec(LSTM_KERAS, "keras.toml"), write_spec(LSTM_TORCH, "torch.toml")
    code, out, _ = run(capsys, "diff", str(a), str(b), "--symbolic")
    assert code == 0 and "Where B - A comes from: (4·u) biases\n" in out
    code, out, _ = run(capsys, "diff", str(a), str(b), "--symbolic", "--json")
    doc = json.loads(out)
    assert doc["symbolic_change"] == "4*u" and doc["by_category"] == {"bias": "4*u"}


def test_every_variable_has_a_category_from_the_closed_set():
    from symparam.catalogue import entries
    from symparam.model import CATEGORIES
    for e in entries():
        for t in e.symbolic.variables:
            assert t.variable.category in CATEGORIES, (e.kind.name, t.variable.name)
        # words and category agree: what a kind calls biases (offsets, scales) is of that category
        for t in e.symbolic.variables:
            for word, category in (("biases", "bias"), ("offsets", "offset"), ("scales", "scale")):
                if word in t.variable.role:
                    assert t.variable.category == category, (e.kind.name, t.variable.name, t.variable.role)


def test_leading_term_leaves_out_what_kinds_declare_embeddings(capsys):
    code, out, _ = run(capsys, "derive", GPT2, "--symbolic", "--leading")
    assert code == 0 and "embeddings (wte, wpe)" in out


# ---- the same formula and total in every output -----------------------------------------------------------------

def test_gpt2_formulas_carry_the_repeat_everywhere(capsys, tmp_path):
    net = load(GPT2)
    a = net.account
    ln_1 = a.layer("h/ln_1")
    assert ln_1.formula_text() == "n_layer × (d_model + d_model)"
    assert ln_1.params.value == 12 * 2 * 768
    code, out, _ = run(capsys, "derive", GPT2)
    assert "n_layer × (d_model + d_model)" in out
    doc = json.loads(net.render("json"))
    row = next(r for r in doc["layers"] if r["name"] == "h/ln_1")
    assert row["formula"] == "n_layer × (d_model + d_model)" and row["params"] == 18_432
    page = tmp_path / "gpt2.html"
    assert main(["explore", GPT2, "-o", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    # d_ff = 4*d_model follows its slider, as it follows d_model in every command: it gets none of its own
    assert 'id="n-d_model"' in html and 'id="n-d_ff"' not in html
    rows = re.findall(r"<tr><td class=\"num\">\d+</td><td>([^<]+)</td>.*?</tr>", html)
    for layer in a.layers:
        cell = re.search(rf"<td>{re.escape(layer.name)}</td>.*?</tr>", html, re.S).group(0)
        assert ("<mi>n_layer</mi>" in cell) == (layer.repeat != 1 and bool(layer.terms)), layer.name
    assert rows


def test_inputs_name_layers_by_their_full_names():
    doc = json.loads(load(GPT2).render("json"))
    known = set(doc["inputs"])
    for row in doc["layers"]:
        assert set(row["inputs"]) <= known, (row["name"], row["inputs"], "unknown")
        known.add(row["name"])
    attn = next(r for r in doc["layers"] if r["name"] == "h/attn")
    assert attn["inputs"] == ["h/ln_1", "h/ln_1"]
    assert next(r for r in doc["layers"] if r["name"] == "h/ln_1")["inputs"] == ["embed"]


@pytest.mark.parametrize("spec", [GPT2, str(ROOT / "examples" / "cnn.toml"), str(ROOT / "examples" / "bert_base.toml")])
def test_a_symbolic_total_reads_the_same_in_every_format(spec):
    from symparam.derivation import derive, join, show
    from symparam.printing import text
    from symparam.render.json import json_value
    net = load(spec, symbolic=True)
    total = net.account.total.value
    assert json.loads(net.render("json"))["total"] == json_value(total)
    assert f"Total params: {text(total)}\n" in net.render("table", width=400)
    # the derivation (which LaTeX, Markdown and HTML lay out) ends its total line with the same form
    line = derive(net.account).totals[0]
    assert join(line.forms[-1]) == show(total)
    assert f"$$\n{line.math}\n$$" in net.render("markdown")


def test_rows_add_up_to_the_total():
    for spec in (GPT2, str(ROOT / "examples" / "resnet50_torch.toml")):
        a = load(spec).account
        assert sum(int(layer.params.value) for layer in a.layers) == a.total.value
        assert sum(int(v) for v in a.categories.values()) == a.total.value
        assert sum(int(v) for v in a.buffer_categories.values()) == a.buffers.value


# ---- conditions and errors ---------------------------------------------------------------------------------------

def test_conditions_are_worded_in_symparams_syntax(capsys, write_spec):
    text = """
[blocks.dense]
args = { n = "required" }
[[blocks.dense.layers]]
type = "Dense"
units = "n"

[network]
input = [4]
[[layers]]
type = "dense"
name = "h"
n = "m % 2"
"""
    path = write_spec(text)
    code, out, err = run(capsys, "derive", str(path), "--symbolic")
    assert code == 0 and "Assumes: m % 2 >= 1  (layer 1 'h' (dense): n)" in out, out
    code, out, err = run(capsys, "derive", str(path), "--set", "m=4")
    assert code == 2 and "layer 1 'h' (dense): n must be a positive integer; m % 2 >= 1 fails at m=4." in err, err
    code, out, err = run(capsys, "derive", str(path), "--json", "--symbolic")
    assert json.loads(out)["assumptions"][0]["condition"] == "m % 2 >= 1"


def test_a_failing_condition_inside_a_block_names_the_layer(write_spec, capsys):
    text = """
[blocks.pool]
args = { k = "required" }
[[blocks.pool.layers]]
type = "Conv1D"
name = "conv"
filters = 4
kernel_size = "k"

[network]
input = ["n", 3]
[[layers]]
type = "Dense"
units = 3
[[layers]]
type = "pool"
name = "p"
k = 5
"""
    path = write_spec(text)
    code, _, err = run(capsys, "derive", str(path), "--set", "n=3")
    assert code == 2 and err.count("\n") == 1
    assert "layer 2 'p/conv' (Conv1D)" in err and "[network]" not in err and "n >= 5" in err


# ---- imports point one way ---------------------------------------------------------------------------------------

ORDER = ["errors", "reading", "expr", "printing", "symbols", "model", "shapes", "torch_shapes", "layers", "spec", "engine",
         "totals", "account", "compute", "memory", "twins", "derivation", "diff", "sensitivity", "catalogue", "checks",
         "numeric", "sweep", "solve", "quiz", "fileio", "importing", "render", "export", "verify", "api", "cli"]


def _level(module: str) -> int:
    top = module.split(".")[0]
    return ORDER.index(top) if top in ORDER else -1


def test_imports_point_one_way_even_inside_functions():
    """errors/expr/symbols -> model -> layers -> spec -> engine -> account/derivation -> render -> api -> cli:
    no module imports one above it, not even lazily inside a function (a lazy import pointing down is fine)."""
    package = ROOT / "symparam"
    wrong = []
    for path in package.rglob("*.py"):
        module = ".".join(("symparam", *path.relative_to(package).with_suffix("").parts)).removesuffix(".__init__")
        here = _level(module.removeprefix("symparam."))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + (path.name == "__init__.py")]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
                for name in names:
                    there = _level(name.removeprefix("symparam."))
                    if there > here and here >= 0:
                        wrong.append(f"{module} imports {name}")
    assert not wrong, wrong


def test_one_table_of_formats_drives_the_cli_the_api_and_the_quiz():
    from symparam.cli.quiz import SHEET_FORMATS
    from symparam.render import FORMATS, NAMES
    from symparam.render.quiz import SHEETS
    assert set(SHEETS) == set(SHEET_FORMATS) == {f.name for f in FORMATS if f.sheet}
    net = load(str(ROOT / "examples" / "cnn.toml"))
    for fmt in NAMES:
        assert net.render(fmt)
    with pytest.raises(SymparamError, match="one of table, latex"):
        net.render("pdf")
    assert main(["derive", str(ROOT / "examples" / "cnn.toml"), "--format", "pdf"]) == 2


def test_a_size_written_with_a_division_must_be_whole(write_spec, capsys):
    """strides = n / 2 at n = 3 would be 1.5: Keras refuses it, and so does symparam (a condition at the layer)."""
    path = write_spec('[network]\ninput = [10, 4]\n[[layers]]\ntype = "Conv1D"\nfilters = 2\nkernel_size = 1\n'
                      'strides = "n / 2"\n')
    code, _, err = run(capsys, "derive", str(path), "--set", "n=3")
    assert code == 2 and "strides must be a whole number; n % 2 == 0 fails at n=3." in err
    assert run(capsys, "derive", str(path), "--set", "n=4")[0] == 0
    code, out, _ = run(capsys, "derive", GPT2, "--symbolic")
    assert "Assumes: d_model % n_head == 0  (h/attn: key_dim)" in out
