"""Course materials: the worked derivation as Markdown, HTML (MathML), a whole LaTeX document, and from a notebook.

Golden files are rewritten with --regen-golden. The LaTeX documents are compiled with pdflatex and the HTML page is
opened in a real headless Chromium; both skip (and say why) when the tool is not installed.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from symparam.cli import main
from symparam.cli.app import app
from symparam.derivation import derive, formulas
from test_outputs import check_golden

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CNN = str(EXAMPLES / "cnn.toml")
GPT2 = str(EXAMPLES / "gpt2.toml")   # repeated blocks and a tied weight
runner = CliRunner()

PDFLATEX = shutil.which("pdflatex")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
needs_pdflatex = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (apt-get install "
                                                             "texlive-latex-base)")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")

TORCH_BN = """\
[network]
name = "torch_cnn"
convention = "torch"
input = [3, "n", "n"]

[symbols]
n = { default = 28 }

[[layers]]
type = "nn.Conv2d"
name = "conv"
out_channels = 16
kernel_size = 5

[[layers]]
type = "nn.BatchNorm2d"
name = "bn"

[[layers]]
type = "nn.MaxPool2d"
name = "pool"
kernel_size = 2

[[layers]]
type = "nn.Flatten"

[[layers]]
type = "nn.Linear"
name = "fc"
out_features = 10
"""

LSTM = """\
[network]
name = "lstm_tagger"
input = ["T", "d"]

[symbols]
T = { default = 50 }
d = { default = 128 }
units = { default = 256 }

[[layers]]
type = "LSTM"
name = "lstm"
units = "units"
return_sequences = true

[[layers]]
type = "Bidirectional"
name = "bi"
layer = { type = "LSTM", units = 64 }

[[layers]]
type = "Dense"
name = "tags"
units = 17
"""

SPECIALS = """\
[network]
name = "odd_#1 & $x$ {net} 100%"
input = ["n_in"]

[[layers]]
type = "Dense"
name = "fc_1 & 50% #a $b$ {c} ~^\\\\ <x>|"
units = "n_out"
"""

# make_divisible as EfficientNet and MobileNetV2 round their filters: a max inside a choice by cases
DIVISIBLE = """\
[network]
name = "divisible"
input = ["n_in"]

[symbols]
width = { default = 1.0, type = "rational" }
n_in = { default = 16 }

[helpers]
round_to = { args = ["v", "d"], formula = "max(d, floor(v + d/2) // d * d)" }
make_divisible = { args = ["v", "d"], formula = "round_to(v, d) + d if round_to(v, d) < 9*v/10 else round_to(v, d)" }

[[layers]]
type = "Dense"
name = "wide"
units = "make_divisible(40 * width, 8)"

[[layers]]
type = "BatchNormalization"
name = "bn"

[[layers]]
type = "Dense"
name = "out"
units = "make_divisible(24 * width, 8)"
"""


def derive_cli(*args: str) -> str:
    result = runner.invoke(app, ["derive", *args])
    assert result.exit_code == 0, result.output
    return result.output


# ---- golden files ------------------------------------------------------------------------------------------------

def test_markdown_golden(regen):
    check_golden("cnn.md", derive_cli("examples/cnn.toml", "--format", "markdown"), regen)


def test_html_golden(regen):
    pytest.importorskip("latex2mathml", reason="latex2mathml is not installed (pip install latex2mathml)")
    check_golden("cnn.html", derive_cli("examples/cnn.toml", "--format", "html"), regen)


# ---- Markdown ----------------------------------------------------------------------------------------------------

def test_markdown_has_display_math_and_grouped_total():
    text = derive_cli(CNN, "--format", "markdown")
    assert text.count("$$") >= 2 and text.count("$$") % 2 == 0
    assert "128{,}952" in text
    assert "| Layer (type) | Output shape | Parameter formula | Parameters |" in text
    assert r"$k_{h} \cdot k_{w} \cdot C_{\mathrm{in}} \cdot F = 3 \cdot 3 \cdot 3 \cdot 32 = 864$" in text
    assert "No parameters: pooling only takes the maximum over each window." in text
    symbolic = derive_cli(CNN, "--format", "markdown", "--symbolic")
    assert r"\mathrm{img\_size} \geq 2" in symbolic and "Free symbols" in symbolic


@pytest.mark.parametrize("spec, args", [(CNN, []), (CNN, ["--symbolic"]), (TORCH_BN, []), (SPECIALS, []), (GPT2, []),
                                        (DIVISIBLE, [])],
                         ids=["cnn", "cnn-symbolic", "torch-batchnorm", "latex-specials", "gpt2", "shorthands"])
def test_markdown_through_mkdocs_markdown(spec, args, write_spec):
    """Python-Markdown with arithmatex (as MkDocs renders it): every formula arrives intact as math, names as text."""
    markdown = pytest.importorskip("markdown", reason="Python-Markdown is not installed (pip install mkdocs)")
    pytest.importorskip("pymdownx", reason="pymdown-extensions is not installed (pip install mkdocs-material)")
    import html
    import symparam
    path = spec if spec in (CNN, GPT2) else str(write_spec(spec))
    page = markdown.markdown(derive_cli(path, "--format", "markdown", *args),
                             extensions=["tables", "pymdownx.arithmatex"],
                             extension_configs={"pymdownx.arithmatex": {"generic": True}})
    inline = re.findall(r'<span class="arithmatex">\\\((.*?)\\\)</span>', page, flags=re.S)
    display = re.findall(r'<div class="arithmatex">\\\[\n(.*?)\n\\\]</div>', page, flags=re.S)
    expected = list(formulas(derive(symparam.load(path, symbolic="--symbolic" in args))))
    assert sorted(html.unescape(m) for m in inline + display) == sorted(expected)
    if spec == SPECIALS:
        name = "fc_1 &amp; 50% #a $b$ {c} &#126;^\\ &lt;x&gt;| (Dense)"
        assert f"<td>{name}</td>" in page and f"<h3>Layer 1: {name}</h3>" in page
        assert "<h1>Parameters of odd_#1 &amp; $x$ {net} 100%</h1>" in page


# ---- LaTeX document -----------------------------------------------------------------------------------------------

def compile_latex(tmp_path: Path, tex: str) -> str:
    (tmp_path / "doc.tex").write_text(tex, encoding="utf-8")
    proc = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 5000
    return (tmp_path / "doc.log").read_text(encoding="latin-1")


@needs_pdflatex
@pytest.mark.parametrize("spec, args", [
    (CNN, []), (CNN, ["--symbolic"]), (TORCH_BN, []), (LSTM, []), (LSTM, ["--symbolic"]), (SPECIALS, []),
    (GPT2, []), (GPT2, ["--symbolic"]),
], ids=["cnn", "cnn-symbolic", "torch-batchnorm", "lstm", "lstm-symbolic", "latex-specials", "gpt2",
        "gpt2-symbolic"])
def test_latex_document_compiles(spec, args, tmp_path, write_spec):
    path = spec if spec in (CNN, GPT2) else str(write_spec(spec))
    tex = derive_cli(path, "--format", "latex-document", *args)
    assert tex.startswith(r"\documentclass{article}") and tex.rstrip().endswith(r"\end{document}")
    assert r"\begin{longtable}" in tex
    log = compile_latex(tmp_path, tex)
    assert log.count("Overfull") == 0, [line for line in log.splitlines() if "Overfull" in line]


@needs_pdflatex
@pytest.mark.parametrize("symbolic", [False, True], ids=["numeric", "symbolic"])
@pytest.mark.parametrize("example", sorted(p.stem for p in EXAMPLES.glob("*.toml")))
def test_every_gallery_document_compiles_without_overfull_boxes(example, symbolic, tmp_path):
    tex = derive_cli(str(EXAMPLES / f"{example}.toml"), "--format", "latex-document",
                     *(["--symbolic"] if symbolic else []))
    log = compile_latex(tmp_path, tex)
    assert log.count("Overfull") == 0, [line for line in log.splitlines() if "Overfull" in line]


@needs_pdflatex
def test_latex_document_alias_and_share(tmp_path):
    tex = derive_cli(CNN, "--document", "--share")
    assert r"\subsection*{Share of the total}" in tex and tex.rstrip().endswith(r"\end{document}")
    compile_latex(tmp_path, tex)


def test_latex_document_escapes_specials(write_spec):
    tex = derive_cli(str(write_spec(SPECIALS)), "--document")
    assert r"Parameters of odd\_\#1 \& \$x\$ \{net\} 100\%" in tex
    assert r"fc\_1 \& 50\% \#a \$b\$ \{c\} \textasciitilde{}\^{}\textbackslash{} \textless{}x\textgreater{}\textbar{}" \
        in tex


def test_torch_buffers_apart(write_spec):
    tex = derive_cli(str(write_spec(TORCH_BN)), "--format", "latex-document")
    assert "Buffers (not parameters):" in tex
    assert r"\text{running means (running\_mean)} &= C = 16" in tex
    assert r"\text{buffers (not parameters)} &= 33" in tex
    assert r"\text{parameters} &= 2 \cdot 16 = 32" in tex   # BatchNorm's weight and bias; the buffers are apart


# ---- HTML ---------------------------------------------------------------------------------------------------------

def html_page(tmp_path: Path, *args: str) -> Path:
    pytest.importorskip("latex2mathml", reason="latex2mathml is not installed (pip install latex2mathml)")
    page = tmp_path / "page.html"
    result = runner.invoke(app, ["derive", *args, "--format", "html", "--output", str(page)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {page}.\n"
    return page


def test_html_is_self_contained(tmp_path, write_spec):
    text = html_page(tmp_path, CNN).read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text and "src=" not in text and "<script" not in text
    assert text.count("<math") == text.count("</math>") > 0
    assert "<mn>128,952</mn>" in text and '<mi mathvariant="normal">img_size</mi>' in text
    odd = html_page(tmp_path, str(write_spec(SPECIALS))).read_text(encoding="utf-8")
    assert "fc_1 &amp; 50% #a $b$ {c} ~^\\ &lt;x&gt;| (Dense)" in odd and "<x>" not in odd


@needs_chromium
@pytest.mark.parametrize("args", [[CNN], [CNN, "--symbolic"], [GPT2]], ids=["cnn", "cnn-symbolic", "gpt2"])
def test_html_in_chromium(args, tmp_path):
    import symparam
    page = html_page(tmp_path, *args)
    expected = len(list(formulas(derive(symparam.load(args[0], symbolic="--symbolic" in args)))))
    assert page.read_text(encoding="utf-8").count("<math") == expected

    shot = tmp_path / "page.png"
    subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
                    "--window-size=1000,1400", f"--screenshot={shot}", page.resolve().as_uri()],
                   check=True, capture_output=True, timeout=90)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (1000, 1400)
    assert len(data) > 30_000   # headings, a table and formulas, not a blank page

    dom = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile2'}", "--dump-dom",
                          page.resolve().as_uri()], check=True, capture_output=True, text=True, timeout=90).stdout
    assert len(re.findall(r"<math[\s>]", dom)) == expected
    assert "<mfrac" in dom or "<mo" in dom   # MathML children survived parsing
    assert "Total" in dom and ("128,952" in dom or args[0] != CNN)


def test_html_without_latex2mathml(monkeypatch, capsys):
    import sys
    monkeypatch.setitem(sys.modules, "latex2mathml", None)
    monkeypatch.setitem(sys.modules, "latex2mathml.converter", None)
    assert main(["derive", CNN, "--format", "html"]) == 2
    err = capsys.readouterr().err
    assert err == "error: --format html needs latex2mathml: pip install latex2mathml\n"


# ---- the command's options ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, message", [
    (["--latex", "--json"], "--latex and --json cannot be combined"),
    (["--format", "html", "--document"], "--document and --format html cannot be combined"),
    (["--format", "pdf"], "--format must be one of table, latex, latex-document, markdown, html, json"),
    (["--format", "markdown", "--convention", "torch"], "--convention is shown in the table and JSON formats only"),
    (["--format", "html", "--leading"], "--leading is shown in the table and JSON formats only"),
    (["--output", "no/such/folder/x.md", "--format", "markdown"], "the folder no/such/folder does not exist"),
])
def test_option_mistakes_are_one_line(argv, message, capsys):
    assert main(["derive", CNN, *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_aliases_agree_with_format():
    assert derive_cli(CNN, "--latex") == derive_cli(CNN, "--format", "latex") == derive_cli(CNN, "-f", "latex",
                                                                                           "--latex")
    assert derive_cli(CNN, "--document") == derive_cli(CNN, "--format", "latex-document")
    assert derive_cli(CNN, "--json") == derive_cli(CNN, "--format", "json")
    assert derive_cli(CNN) == derive_cli(CNN, "--format", "table")


@pytest.mark.parametrize("fmt", ["table", "latex", "latex-document", "markdown", "json"])
def test_output_file(fmt, tmp_path):
    target = tmp_path / f"out.{fmt}"
    result = runner.invoke(app, ["derive", CNN, "--format", fmt, "--output", str(target)])
    assert result.exit_code == 0 and result.output == f"Wrote {target}.\n"
    text = target.read_text(encoding="utf-8")
    assert ("128,952" if fmt in ("table",) else "128952" if fmt == "json" else "128{,}952") in text
    assert [p.name for p in tmp_path.iterdir()] == [target.name]   # no temporary file left behind


def test_share_in_markdown_and_html(tmp_path):
    text = derive_cli(CNN, "--format", "markdown", "--share")
    assert "## Share of the total" in text and "| Conv3 | $\\frac{9232}{16119}$ | 57.27% |" in text
    pytest.importorskip("latex2mathml", reason="latex2mathml is not installed (pip install latex2mathml)")
    assert "<h2>Share of the total</h2>" in derive_cli(CNN, "--format", "html", "--share")


# ---- notebooks ----------------------------------------------------------------------------------------------------

def test_notebook_methods():
    import symparam
    net = symparam.load(CNN)
    assert net.latex() == derive_cli(CNN, "--latex")
    assert net.markdown() == derive_cli(CNN, "--format", "markdown") == net._repr_markdown_()
    table = net.table()
    assert "Conv1 (Conv2D)" in table and "Total params: 128,952" in table
    assert all(line == line.rstrip() for line in table.splitlines())
    latex = net._repr_latex_()
    assert latex.startswith("$") or latex.startswith(r"\begin")
    assert r"\text{Conv1 (Conv2D)} &: 3 \cdot 3 \cdot 3 \cdot 32 + 32 = 896" in latex
    assert latex.rstrip().endswith("$$") and r"128{,}952" in latex
    symbolic = symparam.load(CNN, symbolic=True)
    assert r"\mathrm{img\_size}" in symbolic.markdown()


# ---- the model ---------------------------------------------------------------------------------------------------

def test_derivation_reads_like_the_lesson():
    import symparam
    d = derive(symparam.load(CNN))
    conv1 = d.layers[0]
    assert conv1.params[0].forms == ((r"k_{h} \cdot k_{w} \cdot C_{\mathrm{in}} \cdot F",),
                                     (r"3 \cdot 3 \cdot 3 \cdot 32",), ("864",))
    assert conv1.window.math == r"3 \times 3" and conv1.inputs == ("(32, 32, 3)",)
    pool = d.layers[2]
    assert pool.params == () and pool.no_params == "pooling only takes the maximum over each window"
    assert pool.output.math == (r"(\left\lfloor{\mathrm{img\_size} / 2}\right\rfloor, \left\lfloor{\mathrm{img\_size}"
                                r" / 2}\right\rfloor, 64) = (16, 16, 64)")
    assert pool.shape[0].math == (r"\left\lfloor{\left(H - k_{h}\right) / s_{h}}\right\rfloor + 1 = "
                                  r"\left\lfloor{\left(32 - 2\right) / 2}\right\rfloor + 1 = 16")
    assert d.totals[0].math.endswith("= 128{,}952") and len(d.totals) == 1
    assert [r.params for r in d.rows] == ["896", "18{,}496", "0", "73{,}856", "33{,}024", "0", "2{,}570", "110"]
    conv2 = {item.math: item.words for item in d.layers[1].legend}
    assert conv2[r"C_{\mathrm{in}} = 32"] == "input channels (the filters of Conv1)"
    assert conv2["F = 64"] == "filters" and conv2[r"s_{h} = 1"] == "the stride along the height (strides, the default)"


def _lenet5(symbolic=False):
    import symparam
    return derive(symparam.load(str(EXAMPLES / "lenet5.toml"), symbolic=symbolic))


def test_lenet5_pooling_works_from_its_own_input():
    """Issue 10: pool1 works from 28 (conv1's output), pool2 from 10, by the rule, not from img_size."""
    d = _lenet5()
    pool1, pool2 = d.layers[1], d.layers[3]
    rule = r"\left\lfloor{\left(H - k_{h}\right) / s_{h}}\right\rfloor + 1"
    assert [line.words for line in pool1.shape] == ["output height and width"]
    assert pool1.shape[0].math == rf"{rule} = \left\lfloor{{\left(28 - 2\right) / 2}}\right\rfloor + 1 = 14"
    assert pool2.shape[0].math == rf"{rule} = \left\lfloor{{\left(10 - 2\right) / 2}}\right\rfloor + 1 = 5"
    legend = {item.math: item.words for item in pool1.legend}
    assert legend[r"H = \mathrm{img\_size} - 4 = 28"] == "the input's height (the height of conv1's output)"
    assert legend[r"s_{h} = 2"] == "the stride along the height (strides, the default: the pool_size)"
    # both rules are shown: the one used (valid) and the one 'same' padding would use
    math = [part for kind, part in pool1.lesson if kind == "math"]
    assert math[-2:] == [rule, r"\left\lceil{H / s_{h}}\right\rceil"]
    conv2 = {item.math: item.words for item in d.layers[2].legend}
    assert conv2[r"C_{\mathrm{in}} = \mathrm{filters\_1} = 6"] == "input channels (the filters of conv1)"
    flatten = d.layers[4]
    assert flatten.shape[0].math == r"d_{1} \cdot d_{2} \cdot d_{3} = 5 \cdot 5 \cdot 16 = 400"
    # the total: one bracket per layer in the spec's sizes, then each layer's count tidied on its own (five terms:
    # no regrouping across layers, as sympy's of the whole sum gives six), then the numbers
    assert [len(form) for form in d.totals[0].forms] == [10, 5]   # five layers, two terms each; one term each
    assert r"\mathrm{filters\_1} \cdot \left(25 \cdot \mathrm{channels} + 1\right)" in d.totals[0].forms[1]
    assert d.totals[1].math == "156 + 2{,}416 + 48{,}120 + 10{,}164 + 850 = 61{,}706"


def _nested_rounding(tex: str) -> bool:
    depth = 0
    for token in re.findall(r"\\[lr](?:floor|ceil)", tex):
        depth += 1 if token[1] == "l" else -1
        if depth > 1:
            return True
    return False


@pytest.mark.parametrize("example", ["lenet5", "resnet50"])
def test_symbolic_shapes_hold_no_rounding_of_a_rounding(example):
    import sympy
    import symparam
    net = symparam.load(str(EXAMPLES / f"{example}.toml"), symbolic=True)
    rounding = (sympy.floor, sympy.ceiling)
    for layer in net.layers:
        for dim in (d for shape in (layer.output_shape, *layer.input_shapes) for d in shape if d is not None):
            for inner in dim.atoms(*rounding):
                assert not inner.args[0].has(*rounding), (layer.name, dim)
    d = derive(net)
    assert not [tex for tex in formulas(d) if _nested_rounding(tex)]
    assert not _nested_rounding(r"\lfloor 1 \rfloor + \lfloor 2 \rfloor") and _nested_rounding(
        r"\lfloor \lfloor 1 \rfloor \rfloor")   # the check itself can fail


def test_a_rule_letter_never_reads_as_a_spec_symbol(write_spec):
    """lstm_classifier's spec has `units`: the Dense rule is written n_in · n_out; a spec that has a symbol n_out
    gets the rule's letter primed, in every format."""
    import symparam
    d = derive(symparam.load(str(EXAMPLES / "lstm_classifier.toml")))
    dense = d.layers[2]
    assert dense.params[0].forms[0] == (r"n_{\mathrm{in}} \cdot n_{\mathrm{out}}",)
    assert all(r"\mathrm{units}" not in line.forms[0][0] for layer in d.layers for line in layer.params)
    path = str(write_spec(SPECIALS))   # its Dense has units = "n_out"
    d = derive(symparam.load(path))
    assert d.layers[0].params[0].forms[0] == (r"n_{\mathrm{in}}' \cdot n_{\mathrm{out}}'",)
    assert r"n_{\mathrm{out}}' = \mathrm{n\_out}" in [item.math for item in d.layers[0].legend]
    for fmt in ("markdown", "html", "latex-document"):
        out = derive_cli(path, "--format", fmt)
        assert "n_{\\mathrm{out}}'" in out or "<mi>&#x02032;</mi>" in out or "&#x02032;" in out, fmt


def test_per_head_sizes_cancel_and_a_bidirectional_layer_is_twice_one_direction():
    import symparam
    gpt2 = symparam.load(GPT2).account.layer("h/attn")
    assert gpt2.formula() == "n_layer × (4·(d_model·d_model) + 4·d_model)"   # four projections, grouped
    lstm = symparam.load(str(EXAMPLES / "lstm_classifier.toml")).account.layer("bidirectional")
    assert lstm.formula() == "2 × (embed·4·units + units·4·units + 4·units)"
    d = derive(symparam.load(str(EXAMPLES / "lstm_classifier.toml")))
    assert d.layers[1].total.math == r"2 \times (32{,}768 + 16{,}384 + 256) = 98{,}816"


def test_shapes_do_not_group_thousands_and_an_input_shape_is_never_broken():
    import symparam
    d = derive(symparam.load(GPT2))
    assert d.rows[0].output == "(1024, 768)"   # a shape as Keras prints it: 1{,}024 would read as two axes
    tex = derive_cli(CNN, "--format", "latex-document")
    assert r"\text{input shape} &= (32, 32, 3)" in tex   # a row of the worked answer, not a phrase that may break


@pytest.mark.parametrize("fmt, here", [("markdown", "Here $H = "), ("html", "<p>Here <math")])
def test_markdown_and_html_get_the_lesson_too(fmt, here):
    out = derive_cli(str(EXAMPLES / "lenet5.toml"), "--format", fmt)
    assert here in out and "output height and width" in out and "Each of the" in out
    assert "the filters of conv1" in out


def test_derivation_symbolic_total_then_numbers(write_spec):
    import symparam
    path = write_spec('[network]\ninput = ["d_in"]\n[symbols]\nwidth = { default = 64 }\nd_in = { default = 784 }\n'
                      '[[layers]]\ntype = "Dense"\nunits = "width"\n[[layers]]\ntype = "Dense"\nunits = 10\n')
    d = derive(symparam.load(path))
    assert [line.words for line in d.totals] == ["total", "total in numbers"]
    assert d.totals[0].forms == ((r"(\mathrm{d\_in} \cdot \mathrm{width}", r"\mathrm{width})",
                                  r"(\mathrm{width} \cdot 10", "10)"),
                                 (r"\mathrm{width} \cdot \left(\mathrm{d\_in} + 1\right)",
                                  r"\left(10 \cdot \mathrm{width} + 10\right)"))
    assert d.totals[1].math == "50{,}240 + 650 = 50{,}890"
    dense = d.layers[0].params[0]
    assert dense.forms == ((r"n_{\mathrm{in}} \cdot n_{\mathrm{out}}",), (r"784 \cdot 64",), ("50{,}176",))
    symbolic = derive(symparam.load(path, symbolic=True)).layers[0].params[0]
    assert symbolic.forms == ((r"n_{\mathrm{in}} \cdot n_{\mathrm{out}}",), (r"\mathrm{d\_in} \cdot \mathrm{width}",))


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("dilated", [False, True])
def test_the_window_rule_is_the_rule_the_shapes_follow(padding, dilated):
    """shapes.window_rule, filled in, gives conv_length's and pool_length's lengths (one fact, two uses)."""
    import sympy
    from hypothesis import given, settings, strategies as st
    from symparam.shapes import conv_length, pool_length, window_rule

    rule, (n, k, s, d) = window_rule(padding, dilated)

    @settings(max_examples=40, deadline=None)
    @given(st.integers(1, 300), st.integers(1, 9), st.integers(1, 5), st.integers(1, 4))
    def check(length, window, stride, dilation):
        dilation = dilation if dilated else 1
        if padding == "valid" and length < dilation * (window - 1) + 1:
            return
        values = {n: length, s: stride, **({k: window} if k is not None else {}), **({d: dilation} if d else {})}
        filled = rule.xreplace({key: sympy.Integer(v) for key, v in values.items()})
        sizes = [sympy.Integer(v) for v in (length, window, stride, dilation)]
        assert filled == conv_length(*sizes, padding)[0]
        if not dilated:
            assert filled == pool_length(*sizes[:3], padding)[0]

    check()


# ---- formulas that fit: shorthand letters, one grouping of equal parts ----------------------------------------------

_LETTER = re.compile(r"q_\{(\d+)\}")


def _check_shorthands(d) -> None:
    """Every letter a formula uses is defined, each definition uses only letters defined before it, and no
    formula outside the definitions writes out a choice by cases or a max."""
    defined = [line.words for line in d.shorthands]
    assert defined == [f"q_{{{k}}}" for k in range(1, len(defined) + 1)]
    for k, line in enumerate(d.shorthands, start=1):
        assert all(int(n) < k for n in _LETTER.findall(line.math)), line
    used = {int(n) for tex in formulas(d) for n in _LETTER.findall(tex)}
    assert used == set(range(1, len(defined) + 1))
    outside = list(formulas(d))[len(d.bindings) + len(d.shorthands):]
    assert not [tex for tex in outside if r"\begin{cases}" in tex or r"\max" in tex]


def test_a_choice_by_cases_is_named_once_and_defined_before_it_is_used(write_spec):
    import symparam
    path = str(write_spec(DIVISIBLE))
    d = derive(symparam.load(path))
    _check_shorthands(d)
    named = {line.words: line for line in d.shorthands}
    assert len(named) == 4   # each make_divisible: its round_to (a max) and its "not below 90 %" choice
    assert named["q_{1}"].forms[0][0].startswith(r"\max\left(8, 8 \cdot")
    assert named["q_{2}"].forms[0][0].startswith(r"\begin{cases} q_{1} + 8")
    net = symparam.load(path)
    assert named["q_{2}"].forms[-1] == (str(net.layers[0].output_shape[-1]),)   # its value: the layer's units
    assert d.rows[1].formula == r"4 \cdot q_{2}"   # the BatchNormalization of those units: 4 · q_2, the letter
    for fmt, heading in (("markdown", "## Shorthands"), ("latex-document", r"\section*{Shorthands}")):
        out = derive_cli(path, "--format", fmt, "--symbolic")
        assert heading in out and out.index(heading) < out.index("Layer (type)")   # defined before the table


@pytest.mark.parametrize("symbolic", [False, True], ids=["numeric", "symbolic"])
def test_efficientnet_names_make_divisible_and_brackets_a_repeat_that_is_a_sum(symbolic):
    import symparam
    d = derive(symparam.load(str(EXAMPLES / "efficientnet.toml"), symbolic=symbolic))
    _check_shorthands(d)
    block = next(layer for layer in d.layers if layer.name == "block1b/dwconv")
    assert symbolic or block.total.math == r"0 \times 144 = 0"   # B0's one-block stage: no copies of block1b
    assert not symbolic or block.total.math.startswith(r"\left(\left\lceil{\mathrm{depth\_coefficient}}\right\rceil - 1\right)"
                                       r" \times ")


def test_the_latex_breaks_a_floor_of_a_sum_over_a_number():
    from symparam.render.latex import _opened, width
    term = r"\left\lfloor{\left(" + " + ".join([r"\mathrm{blocks\_long\_name}"] * 8) + r"\right) / 2}\right\rfloor"
    pieces = _opened(term, 150)
    assert len(pieces) > 1 and all(width(p) <= 150 for p in pieces)
    assert pieces[0].startswith(r"\bigl\lfloor \bigl(") and pieces[-1].endswith(r"\bigr) / 2 \bigr\rfloor")


@pytest.fixture(scope="module")
def densenet_outputs():
    return {fmt: derive_cli(str(EXAMPLES / "densenet.toml"), "--format", fmt)
            for fmt in ("table", "json", "latex", "markdown", "html")}


def test_a_layers_equal_parts_read_as_one_count_in_every_format(densenet_outputs):
    """DenseNet's BatchNormalizations: four equal sizes read 4·(...) once, in the table, JSON, LaTeX, Markdown and
    HTML; a repeat whose copies grow too."""
    import json
    import symparam
    a = symparam.load(str(EXAMPLES / "densenet.toml")).account
    assert a.layer("conv1_bn").formula() == "4·64"
    assert a.layer("conv2_block/0_bn").formula() == "sum over i < blocks1 of (4·(growth_rate·i + 64))"
    assert a.layer("conv2_block/1_bn").formula() == "sum over i < blocks1 of (4·(4·growth_rate))"
    rows = {row["name"]: row for row in json.loads(densenet_outputs["json"])["layers"]}
    assert rows["conv1_bn"]["formula"] == "4·64"
    assert "4·64 " in densenet_outputs["table"]
    for fmt in ("latex", "markdown"):
        assert r"4 \cdot 64 = 256" in densenet_outputs[fmt], fmt   # the parameters line of conv1_bn
        assert r"\left(4 \cdot \left(32 \cdot i + 64\right)\right)" in densenet_outputs[fmt], fmt
    for fmt, out in densenet_outputs.items():   # the ungrouped forms are gone everywhere
        assert "64 + 64 + 64" not in out and "64</mn><mo>&#x0002B;</mo><mn>64</mn><mo>&#x0002B;</mo>" not in out, fmt
