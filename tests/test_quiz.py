"""symparam quiz: variants, questions, answer keys; reproducible; never an invalid variant."""

import re
import shutil
import subprocess

import pytest

from symparam.api import load
from symparam.cli import main

VALID5 = """
[network]
input = ["n", "n", 1]
[symbols]
n = { default = 8 }
f = { default = 4 }
[[layers]]
type = "Conv2D"
name = "conv"
filters = "f"
kernel_size = 5
[[layers]]
type = "Flatten"
name = "flat"
[[layers]]
type = "Dense"
name = "out"
units = 3
"""


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_same_seed_same_sheet(capsys):
    argv = ["quiz", "examples/cnn.toml", "--vary", "img_size=8,16,32,64,128", "--count", "3", "--seed", "11",
            "--questions", "shape,shape"]
    first, second = run(capsys, *argv), run(capsys, *argv)
    assert first[0] == 0 and first[1] == second[1]


def test_answers_match_the_networks(capsys, write_spec, tmp_path):
    path = write_spec(VALID5)
    key = tmp_path / "key.md"
    code, sheet, err = run(capsys, "quiz", path, "--vary", "n=3:12", "--vary", "f=2,4", "--count", "6", "--seed",
                           "5", "--questions", "total,shape,largest", "--answers", key)
    assert code == 0, err
    variants = re.findall(r"## Variant \d+: n = (\d+), f = (\d+)", sheet)
    assert len(variants) == 6 and len(set(variants)) == 6
    text = key.read_text()
    for n, f in variants:
        n, f = int(n), int(f)
        assert n >= 5, "a variant whose valid 5x5 convolution has no output must never be emitted"
        net = load(path, n=n, f=f)
        # by hand: conv 5*5*1*f + f; dense (n-4)^2*f*3 + 3
        assert net.total == 25 * f + f + (n - 4) ** 2 * f * 3 + 3
        block = text.split(f"n = {n}, f = {f}")[1].split("## Variant")[0]
        assert f"**{int(net.total):,}**" in block
        assert f"**({n - 4}, {n - 4}, {f})**" in block or "output shape of layer conv" not in block


def test_latex_sheet_and_key_compile(capsys, tmp_path):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (CI installs texlive)")
    sheet, key = tmp_path / "sheet.tex", tmp_path / "key.tex"
    code, _, err = run(capsys, "quiz", "examples/cnn.toml", "--vary", "img_size=16,32", "--count", "2",
                       "--format", "latex", "--questions", "shape", "--output", sheet, "--answers", key)
    assert code == 0, err
    for doc in (sheet, key):
        proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=tmp_path,
                              capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, proc.stdout[-1500:]
    assert "128{,}952" in key.read_text()


def test_html_key_is_offline(capsys, tmp_path):
    pytest.importorskip("latex2mathml", reason="latex2mathml is not installed")
    key = tmp_path / "key.html"
    code, sheet, err = run(capsys, "quiz", "examples/cnn.toml", "--vary", "img_size=16,32", "--count", "2",
                           "--format", "html", "--questions", "shape", "--answers", key)
    assert code == 0, err
    page = key.read_text()
    assert "<math" in page and "128,952" in page
    assert "http://" not in page.replace("http://www.w3.org/1998/Math/MathML", "") and "https://" not in page
    assert sheet.startswith("<!DOCTYPE html>")


README_QUIZ = ["quiz", "examples/cnn.toml", "--vary", "img_size=32,64,128", "--count", "3", "--seed", "1"]


def test_a_vary_that_changes_no_asked_count_is_refused(capsys):
    """cnn.toml's total does not depend on img_size (global average pooling): three variants would share it."""
    for styles in ("total,layer", "total", "layer", "largest"):
        code, out, err = run(capsys, *README_QUIZ, "--questions", styles)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, (styles, err)
        assert re.search(r"depends? on img_size", err) and "--questions shape" in err


def _variants(sheet: str) -> list[list[str]]:
    return [re.findall(r"^\d+\. (.*)$", part, flags=re.M) for part in sheet.split("## Variant ")[1:]]


def _answers(key: str) -> list[tuple[str, ...]]:
    return [tuple(re.findall(r"^\d+\. .*\*\*(.*)\*\*$", part, flags=re.M)) for part in key.split("\n## Variant ")[1:]]


def test_the_readme_quiz_gives_variants_whose_answers_differ(capsys, tmp_path):
    key = tmp_path / "key.md"
    code, sheet, err = run(capsys, *README_QUIZ, "--questions", "shape,shape", "--answers", key)
    assert code == 0, err
    answers = _answers(key.read_text())
    assert len(answers) == 3 and len(set(answers)) == 3, answers
    for questions in _variants(sheet):
        assert len(questions) == 2 and len(set(questions)) == 2, "the same question twice on one variant"


MAX_UNITS = """
[network]
input = [4]
[[layers]]
type = "Dense"
name = "d"
units = "max(n, 4)"
"""


def test_variants_with_equal_answers_are_not_drawn(capsys, write_spec, tmp_path):
    """units = max(n, 4) depends on n, but n = 2 and n = 3 both give 4 units: one of them is never drawn."""
    path, key = write_spec(MAX_UNITS), tmp_path / "key.md"
    code, _, err = run(capsys, "quiz", path, "--vary", "n=2,3,5", "--count", "3", "--questions", "total")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "more than the 2 variant(s) with different" in err
    for seed in range(6):
        code, _, err = run(capsys, "quiz", path, "--vary", "n=2,3,5", "--count", "2", "--seed", seed,
                           "--questions", "total", "--answers", key)
        assert code == 0, err
        assert sorted(_answers(key.read_text())) == [("20",), ("25",)]   # by hand: 4*4+4 and 4*5+5


@pytest.mark.parametrize("argv, fragment", [
    (["--vary", "n=1,2,3,4"], "no combination of the --vary values gives a valid network"),
    (["--vary", "n=5,6", "--count", "3"], "--count 3 is more than the 2 distinct valid variant(s)"),
    (["--vary", "n=5,6", "--questions", "total,essay"], "--questions takes"),
    (["--vary", "m=5,6"], "no symbol 'm'"),
    (["--vary", "n=5,6", "--format", "docx"], "--format must be"),
    (["--vary", "n=5,6", "--format", "latex", "--paper", "a5"], "--paper must be one of a4, letter"),
    ([], "at least one --vary"),
    (["--vary", "n=5,6", "--answers", "/nonexistent/key.md"], "does not exist"),
])
def test_bad_quiz(capsys, write_spec, argv, fragment):
    code, _, err = run(capsys, "quiz", write_spec(VALID5), *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1 and fragment in err


def test_the_json_key_parses_and_its_answers_are_the_accounts_numbers(capsys, tmp_path):
    import json

    from symparam.account import build
    from symparam.engine import derive_file

    key = tmp_path / "key.json"
    code, sheet, err = run(capsys, "quiz", "examples/lenet5.toml", "--vary", "img_size=28,32,36,40", "--count", "3",
                           "--seed", "4", "--questions", "total,layer,shape,largest", "--format", "json",
                           "--answers", key)
    assert code == 0, err
    sheet, key = json.loads(sheet), json.loads(key.read_text())
    assert len(key["variants"]) == 3 and all("answers" not in v for v in sheet["variants"])
    for v, stated in zip(key["variants"], sheet["variants"]):
        assert {k: v[k] for k in stated} == stated and v["seed"] == 4
        a = build(derive_file("examples/lenet5.toml", v["values"]))
        total, count, shape, largest = v["answers"]
        assert type(total) is int and total == a.total.value
        assert type(count) is int and count == a.layer(v["questions"][1]["layer"]).params.value
        assert shape == [int(d) for d in a.layer(v["questions"][2]["layer"]).record.output_shape]
        most = max(layer.params.value for layer in a.layers)
        assert largest == {"layers": [layer.name for layer in a.layers if layer.params.value == most],
                           "parameters": most}
    assert len({tuple(map(json.dumps, v["answers"])) for v in key["variants"]}) == 3


# Sheets and keys made from the gallery compile with no overfull box (lenet5's key holds the derivation's total,
# one bracket per layer, broken at + inside the text width).
GALLERY = [("cnn", "img_size=16,32,64", "shape,shape"),
           ("lenet5", "img_size=28,32,36", "total,layer,shape,largest"),
           ("lstm_classifier", "units=32,64,128", "total,layer,shape,largest")]


def _pdflatex(path):
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", path.name], cwd=path.parent,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-1500:]
    return path.with_suffix(".log").read_text(errors="replace")


@pytest.mark.parametrize("example, vary, styles", GALLERY)
@pytest.mark.parametrize("which", ["sheet", pytest.param("key", id="key")])
def test_gallery_sheets_and_keys_compile_without_overfull_boxes(capsys, tmp_path, example, vary, styles,
                                                                which):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (CI installs texlive)")
    out = tmp_path / f"{which}.tex"
    option = "--output" if which == "sheet" else "--answers"
    code, _, err = run(capsys, "quiz", f"examples/{example}.toml", "--vary", vary, "--count", "3", "--seed", "2",
                       "--questions", styles, "--format", "latex", option, out)
    assert code == 0, err
    log = _pdflatex(out)
    pages = int(re.search(r"Output written on \S+ \((\d+) pages?", log).group(1))
    assert pages == 3 if which == "sheet" else pages >= 3   # one variant per page; a key's may take more
    assert log.count("Overfull") == 0, [line for line in log.splitlines() if "Overfull" in line]


def test_the_latex_sheet_gives_answer_space_defaults_and_the_paper(capsys, tmp_path):
    sheet = tmp_path / "sheet.tex"
    argv = ["quiz", "examples/cnn.toml", "--vary", "img_size=16,32,64", "--count", "3", "--questions", "shape,shape",
            "--format", "latex"]
    code, _, err = run(capsys, *argv, "--output", sheet)
    assert code == 0, err
    text = sheet.read_text()
    assert text.count(r"\clearpage") == 2 and "a4paper" in text
    assert text.count(r"\vspace{4\baselineskip}") == 6   # after each of the 2 questions of 3 variants
    # Conv1 writes no strides and Max1 no padding: a student needs Keras's defaults, so the sheet states them
    text = re.sub(r"\\penalty\d+\\relax\{\}", "", text)   # the line-break points
    conv1 = next(line for line in text.splitlines() if "Conv1:" in line)
    assert "strides=(1, 1)" in conv1 and "dilation\\_rate=(1, 1)" in conv1 and "use\\_bias=True" in conv1
    max1 = next(line for line in text.splitlines() if "Max1:" in line)
    assert 'padding="valid"' in max1 and "strides=None" in max1
    code, _, err = run(capsys, *argv, "--paper", "letter", "--output", sheet)
    assert code == 0 and "letterpaper" in sheet.read_text() and "a4paper" not in sheet.read_text()


def test_markdown_and_html_sheets_part_variants_and_leave_answer_space(capsys, tmp_path):
    argv = ["quiz", "examples/lstm_classifier.toml", "--vary", "units=32,64,128", "--count", "3", "--questions",
            "total,layer"]
    code, sheet, err = run(capsys, *argv)
    assert code == 0, err
    assert sheet.count("\n---\n") == 2 and sheet.count("Answer: ") == 6   # 3 variants of 2 questions
    # the LSTM's arguments a student needs, and not those that change no count and no shape
    lstm = next(line for line in sheet.splitlines() if "bidirectional:" in line)
    assert "units=" in lstm and "return\\_sequences=False" in lstm and "use\\_bias=True" in lstm
    assert "dropout" not in lstm and "use\\_cudnn" not in lstm and "stateful" not in lstm
    page = tmp_path / "sheet.html"
    code, _, err = run(capsys, *argv, "--format", "html", "--paper", "letter", "--output", page)
    assert code == 0, err
    html = page.read_text()
    assert html.count('<div class="space"></div>') == 6 and "break-before:page" in html and "size:letter" in html
    code, _, err = run(capsys, *argv, "--format", "html", "--output", page)
    assert "size:A4" in page.read_text()   # A4 unless --paper says otherwise, as the LaTeX sheets
