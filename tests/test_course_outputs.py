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


@pytest.mark.parametrize("spec, args", [(CNN, []), (CNN, ["--symbolic"]), (TORCH_BN, []), (SPECIALS, []), (GPT2, [])],
                         ids=["cnn", "cnn-symbolic", "torch-batchnorm", "latex-specials", "gpt2"])
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
    overfull = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert all(w < 10 for w in overfull), f"lines run into the margin: {overfull}"


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
    assert r"\text{parameters} &= 16 + 16 = 32" in tex    # BatchNorm's weight and bias; the buffers are apart


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
                                r" / 2}\right\rfloor, 64) = (\left\lfloor{32 / 2}\right\rfloor, \left\lfloor{32 / 2}"
                                r"\right\rfloor, 64) = (16, 16, 64)")
    assert d.totals[0].math.endswith("= 128{,}952") and len(d.totals) == 1
    assert [r.params for r in d.rows] == ["896", "18{,}496", "0", "73{,}856", "33{,}024", "0", "2{,}570", "110"]


def test_derivation_symbolic_total_then_numbers(write_spec):
    import symparam
    path = write_spec('[network]\ninput = ["d_in"]\n[symbols]\nwidth = { default = 64 }\nd_in = { default = 784 }\n'
                      '[[layers]]\ntype = "Dense"\nunits = "width"\n[[layers]]\ntype = "Dense"\nunits = 10\n')
    d = derive(symparam.load(path))
    assert [line.words for line in d.totals] == ["total", "total in numbers"]
    assert d.totals[0].forms[-1] == (r"\mathrm{d\_in} \cdot \mathrm{width}", r"11 \cdot \mathrm{width}", "10")
    assert d.totals[1].math == "50{,}240 + 650 = 50{,}890"
    dense = d.layers[0].params[0]
    assert dense.forms == ((r"n_{\mathrm{in}} \cdot \mathrm{units}",), (r"\mathrm{d\_in} \cdot \mathrm{width}",),
                           (r"784 \cdot 64",), ("50{,}176",))
