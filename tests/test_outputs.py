"""The three renderings of `symparam derive`: table, LaTeX, JSON. Golden files are rewritten with --regen-golden."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy
from typer.testing import CliRunner

from symparam.cli.app import app
from symparam.cli import main

GOLDEN = Path(__file__).parent / "golden"
runner = CliRunner()


def check_golden(name: str, text: str, regen: bool) -> None:
    path = GOLDEN / name
    if regen:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run pytest --regen-golden"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("args, golden", [
    (["examples/cnn.toml"], "cnn_table.txt"),
    (["examples/cnn.toml", "--symbolic"], "cnn_table_symbolic.txt"),
    (["examples/cnn.toml", "--latex"], "cnn.tex"),
    (["examples/cnn.toml", "--latex", "--symbolic"], "cnn_symbolic.tex"),
    (["examples/cnn.toml", "--json"], "cnn.json"),
    # repeated blocks, a tied weight, formula defaults, a free-symbol form grouped by the repeat count
    (["examples/gpt2.toml"], "gpt2_table.txt"),
    (["examples/gpt2.toml", "--symbolic"], "gpt2_table_symbolic.txt"),
    (["examples/gpt2.toml", "--json"], "gpt2.json"),
    (["examples/gpt2.toml", "--symbolic", "--format", "markdown"], "gpt2_symbolic.md"),
    # the PyTorch convention: buffers apart, both LSTM biases, a repeated block
    (["tests/golden/torch_seq.toml"], "torch_seq_table.txt"),
    (["tests/golden/torch_seq.toml", "--json"], "torch_seq.json"),
    (["tests/golden/torch_seq.toml", "--latex"], "torch_seq.tex"),
])
def test_golden(args, golden, regen):
    result = runner.invoke(app, ["derive", *args], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    check_golden(golden, result.output, regen)


def test_table_shows_the_lesson_numbers():
    result = runner.invoke(app, ["derive", "examples/cnn.toml"])
    assert result.exit_code == 0
    for text in ("Conv1 (Conv2D)", "(32, 32, 32)", "3·3·3·32 + 32", "896", "18,496", "(16, 16, 256)",
                 "Total params: 128,952", "Trainable params: 128,952", "Non-trainable params: 0"):
        assert text in result.output


def test_json_contract_and_readback(capsys):
    assert main(["derive", "examples/cnn.toml", "--symbolic", "--set", "img_size=3", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {"network", "convention", "bindings", "free_symbols", "layers", "total", "trainable",
                        "non_trainable"}
    assert doc["bindings"] == {"img_size": 3} and doc["free_symbols"] == []
    assert doc["total"] == 128_952
    layer = doc["layers"][0]
    assert set(layer) >= {"name", "type", "output_shape", "params", "trainable", "non_trainable", "variables"}
    assert layer["variables"][0] == {"name": "kernel", "category": "weight", "shape": [3, 3, 3, 32], "size": 864,
                                     "trainable": True}
    assert layer["formula"] == "3·3·3·32 + 32" and layer["by_category"] == {"weight": 864, "bias": 32}


def test_torch_golden_network_is_what_torch_builds():
    """The golden torch_seq network, built in PyTorch: the same parameters and buffers."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install '.[oracle]')")
    from symparam.api import load
    nn = torch.nn
    stem = nn.Conv2d(3, 8, 3, padding=1)
    stages = [m for _ in range(2) for m in (nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8))]
    lstm = nn.LSTM(28, 32, batch_first=True)
    model = nn.Sequential(stem, *stages, nn.Flatten(1, 2), lstm)
    x = model[:-1](torch.zeros(1, 3, 28, 28))
    a = load(GOLDEN / "torch_seq.toml").account
    assert tuple(x.shape[1:]) == a.layer("flatten").record.output_shape
    assert a.total.value == sum(p.numel() for p in model.parameters())
    assert a.buffers.value == sum(b.numel() for b in model.buffers())
    assert a.layer("lstm").params.value == sum(p.numel() for p in lstm.parameters())


def test_json_symbolic_strings_read_back_with_symparams_parser(capsys, write_spec):
    path = write_spec('[network]\ninput = ["n", "n", "c"]\n[[layers]]\ntype = "Conv2D"\nfilters = "2*f"\n'
                      'kernel_size = 3\n[[layers]]\ntype = "MaxPooling2D"\n[[layers]]\ntype = "Flatten"\n'
                      '[[layers]]\ntype = "Dense"\nunits = "N"\n')
    assert main(["derive", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    names = doc["free_symbols"]
    assert names == ["n", "c", "f", "N"]
    symbols = {name: sympy.Symbol(name, integer=True, positive=True) for name in names}
    from symparam.api import load
    from symparam.expr import parse_expression

    def read(value):   # symparam's own syntax, read by its own parser (never sympify)
        return sympy.Integer(value) if isinstance(value, int) else parse_expression(value, symbols.__getitem__)

    net = load(path)
    assert sympy.expand(read(doc["total"]) - net.total) == 0
    for entry, layer in zip(doc["layers"], net.layers):
        got = tuple(read(d) for d in entry["output_shape"])
        assert all(sympy.simplify(g - d) == 0 for g, d in zip(got, layer.output_shape))
        for v_doc, v in zip(entry["variables"], layer.variables):
            assert sympy.expand(read(v_doc["size"]) - v.size) == 0


def test_latex_uses_readable_identifiers():
    result = runner.invoke(app, ["derive", "examples/cnn.toml", "--latex", "--symbolic"])
    assert r"\mathrm{img\_size}" in result.output
    assert "img_{size}" not in result.output
    assert r"3 \cdot 3 \cdot 3 \cdot 32 = 864" in result.output
    assert "No parameters" in result.output


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (CI installs texlive)")
@pytest.mark.parametrize("args", [["examples/cnn.toml"], ["examples/cnn.toml", "--symbolic"]])
def test_latex_compiles_in_a_plain_article(args, tmp_path):
    result = runner.invoke(app, ["derive", *args, "--latex"])
    assert result.exit_code == 0
    (tmp_path / "fragment.tex").write_text(result.output, encoding="utf-8")
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n\\input{fragment.tex}\n"
        "\\end{document}\n", encoding="utf-8")
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


def test_installed_entry_point_derives_the_example(tmp_path):
    """The command a user types, as a real process."""
    import sys
    exe = shutil.which("symparam", path=str(Path(sys.executable).parent)) or shutil.which("symparam")
    cmd = [exe] if exe else [sys.executable, "-m", "symparam"]
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([*cmd, "derive", str(root / "examples" / "cnn.toml")], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Total params: 128,952" in proc.stdout
    assert proc.stderr == ""


def test_table_prints_names_literally(write_spec):
    """Names are the user's text, not rich markup: brackets must survive."""
    path = write_spec('[network]\nname = "[bold]net"\ninput = ["n"]\n[[layers]]\ntype = "Dense"\n'
                      'name = "[red]fc[/red]"\nunits = 2\n')
    result = runner.invoke(app, ["derive", str(path), "--symbolic"])
    assert result.exit_code == 0
    assert "[red]fc[/red] (Dense)" in result.output and "Network: [bold]net" in result.output


def _table_rows_and_letters(text: str):
    import re
    rows, letters = [], {}
    for line in text.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if re.fullmatch(r"q[₀-₉]+ = .+ = [\d,]+", line.strip()):
            name, _, rest = line.strip().partition(" = ")
            definition, _, value = rest.rpartition(" = ")
            letters[name] = (definition, int(value.replace(",", "")))
        elif len(cells) >= 4 and cells[0].endswith(")") and re.fullmatch(r"[\d,]+", cells[3]):
            rows.append((cells[0], cells[2], int(cells[3].replace(",", ""))))
    return rows, letters


@pytest.mark.parametrize("alpha", ["1", "0.35", "1.4"])
def test_a_family_table_names_its_unbreakable_parts_and_each_row_adds_up(alpha):
    """MobileNetV2's make_divisible widths are choices by cases: the table prints a letter for each (q₁, ...) and
    defines it once below with its value, never sympy's Piecewise(...) text. Read back with symparam's own parser,
    every row's formula with the letters' values is its Param #, and every definition is its value."""
    import re

    import symparam
    from symparam.expr import parse_expression
    from symparam.render.table import render
    net = symparam.load(Path(__file__).resolve().parent.parent / "examples" / "mobilenet_v2.toml", alpha=sympy.Rational(alpha))
    text = render(net.account, width=400)
    assert "Piecewise" not in text and "Max(" not in text
    rows, letters = _table_rows_and_letters(text)
    assert len(rows) == len(net.layers) and letters
    bound = {k: sympy.Integer(v) if isinstance(v, int) else v for k, v in net.account.bound.items()}

    def value(formula: str):
        for name in sorted(letters, key=len, reverse=True):
            formula = formula.replace(name, f"({letters[name][1]})")
        formula = re.sub(r"(?<=\d),(?=\d{3})", "", formula.replace("·", "*").replace("^", "**").replace("×", "*"))
        return parse_expression(formula, lambda n: bound[n])

    used = {q for _, formula, _ in rows for q in letters if q in formula}
    assert used, "no row names a letter"
    for name, (definition, number) in letters.items():
        assert value(definition) == number, (name, definition)
    for label, formula, params in rows:
        if formula != "—":
            assert value(formula) == params, (label, formula)
