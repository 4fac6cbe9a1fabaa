"""sweep, solve, diff and derive --share through the CLI, checked against exact per-point derivations."""

import csv
import io
import json

import pytest
import sympy

from symparam.api import load
from symparam.cli import main

MLP = """
[network]
name = "mlp"
input = ["d_in"]
[symbols]
d_in = { default = 784, doc = "input features" }
width = { default = 256, doc = "hidden width" }
[[layers]]
type = "Dense"
name = "hidden1"
units = "width"
[[layers]]
type = "Dense"
name = "hidden2"
units = "width"
[[layers]]
type = "Dense"
name = "out"
units = 10
"""

CONV = """
[network]
input = ["n", "n", 3]
[[layers]]
type = "Conv2D"
name = "c"
filters = "f"
kernel_size = 5
[[layers]]
type = "Flatten"
[[layers]]
type = "Dense"
name = "d"
units = 4
"""


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def exact_total(path, **values):
    return int(load(path, symbolic=True, **values).total)


# ---- sweep -------------------------------------------------------------------------------------------------------

def test_sweep_csv_matches_exact_derivation(capsys, write_spec):
    path = write_spec(MLP)
    code, out, err = run(capsys, "sweep", path, "--over", "width=1:40:3", "--over", "d_in=5,784", "--format", "csv",
                         "--per-layer")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["width", "d_in", "total", "trainable", "non_trainable", "hidden1", "hidden2", "out",
                             "valid"]
    assert len(rows) == 14 * 2
    for row in rows:
        w, d = int(row["width"]), int(row["d_in"])
        net = load(path, width=w, d_in=d)
        assert int(row["total"]) == net.total == d * w + w + w * w + w + w * 10 + 10   # by hand, too
        assert int(row["hidden1"]) == net.layer("hidden1").params
        assert row["valid"] == "true"


def test_sweep_marks_invalid_points(capsys, write_spec):
    path = write_spec(CONV)
    code, out, _ = run(capsys, "sweep", path, "--over", "n=3:7", "--set", "f=2", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["valid"] for r in rows] == [False, False, True, True, True]   # a valid 5x5 conv needs n >= 5
    assert rows[0]["total"] is None
    for r in rows[2:]:
        assert r["total"] == exact_total(path, n=r["n"], f=2)


def test_sweep_table_and_defaults(capsys, write_spec):
    path = write_spec(MLP)
    code, out, _ = run(capsys, "sweep", path, "--over", "width=1,2")
    assert code == 0
    assert f"{exact_total(path, width=2, d_in=784):,}" in out and "2 points" in out


def test_sweep_huge_values_stay_exact(capsys, write_spec):
    path = write_spec(MLP)
    code, out, _ = run(capsys, "sweep", path, "--over", f"width={10**10},{3 * 10**12}", "--set", "d_in=7",
                       "--format", "json")
    assert code == 0
    for row in json.loads(out):
        assert row["total"] == exact_total(path, width=row["width"], d_in=7)
        assert row["total"] > 2**63


def test_sweep_output_file_and_plot(capsys, write_spec, tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (pip install '.[plot]')")
    path = write_spec(MLP)
    target, chart, svg = tmp_path / "out.csv", tmp_path / "chart.png", tmp_path / "chart.svg"
    code, out, err = run(capsys, "sweep", path, "--over", "width=1:500", "--over", "d_in=10,100,1000",
                         "--format", "csv", "--output", target, "--plot", chart)
    assert code == 0, err
    assert out == ""
    assert target.read_text().count("\n") == 1 + 1500
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 10_000
    assert run(capsys, "sweep", path, "--over", "width=1:50", "--plot", svg)[0] == 0
    assert b"<svg" in svg.read_bytes()[:400]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []   # no temporary files left


BAD_SWEEPS = {
    "stop below start": (["--over", "width=10:2"], ["STOP (2) is below START (10)"]),
    "zero step": (["--over", "width=1:10:0"], ["'0' is not a positive integer"]),
    "non-integer": (["--over", "width=1.5:3"], ["not a positive integer"]),
    "empty list": (["--over", "width="], ["NAME=START:STOP"]),
    "unknown symbol": (["--over", "depth=1:3"], ["no symbol 'depth'"]),
    "no --over": ([], ["at least one --over"]),
    "too many points": (["--over", "width=1:10000", "--over", "d_in=1:10000"], ["100,000,000 points",
                                                                                 "--max-points"]),
    "bad format": (["--over", "width=1:3", "--format", "xml"], ["--format must be"]),
    "unwritable output": (["--over", "width=1:3", "--output", "/nonexistent/dir/x.csv"], ["does not exist"]),
    "plot suffix": (["--over", "width=1:3", "--plot", "chart.pdf"], [".png or .svg"]),
    "swept and set": (["--over", "width=1:3", "--set", "width=4"], ["also bound by --set"]),
}


@pytest.mark.parametrize("case", sorted(BAD_SWEEPS))
def test_bad_sweep(case, capsys, write_spec):
    argv, fragments = BAD_SWEEPS[case]
    code, out, err = run(capsys, "sweep", write_spec(MLP), *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


def test_free_symbol_without_value(capsys, write_spec):
    code, _, err = run(capsys, "sweep", write_spec(CONV), "--over", "n=5:6")
    assert code == 2 and "'f' has no value" in err


def test_missing_matplotlib_is_one_clear_line(write_spec, tmp_path):
    import subprocess
    import sys
    path = write_spec(MLP)
    script = ("import sys; sys.modules['matplotlib'] = None\n"
              "from symparam.cli import main\n"
              f"sys.exit(main(['sweep', {str(path)!r}, '--over', 'width=1:3', '--plot', {str(tmp_path / 'c.png')!r}]))")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: --plot needs matplotlib: pip install 'symparam[plot]'."
    assert not (tmp_path / "c.png").exists()


# ---- solve -------------------------------------------------------------------------------------------------------

def brute_force_largest(path, name, limit, step=1, per_param=1, **fixed):
    best = None
    for k in range(1, 5000):
        if exact_total(path, **{name: k * step}, **fixed) * per_param <= limit:
            best = k * step
        else:
            break
    return best


@pytest.mark.parametrize("budget, limit", [("1M", 10**6), ("350K", 350_000), ("1.5M", 1_500_000),
                                           ("2000000", 2_000_000)])
def test_solve_budget_matches_brute_force(capsys, write_spec, budget, limit):
    path = write_spec(MLP)
    code, out, _ = run(capsys, "solve", path, "--for", "width", "--budget", budget)
    assert code == 0
    best = brute_force_largest(path, "width", limit, d_in=784)
    assert f"Largest width within {limit:,} parameters: {best:,}" in out
    assert f"width = {best + 1:,}: {exact_total(path, width=best + 1, d_in=784):,} parameters (over)" in out


def test_solve_bytes_and_multiple_of(capsys, write_spec):
    path = write_spec(MLP)
    code, out, _ = run(capsys, "solve", path, "--for", "width", "--budget", "4MB", "--bytes", "--dtype", "fp16",
                       "--multiple-of", "8", "--set", "d_in=100")
    assert code == 0
    best = brute_force_largest(path, "width", 4 * 10**6, step=8, per_param=2, d_in=100)
    assert f"Largest width (multiples of 8) within 4,000,000 bytes (fp16): {best:,}" in out


def test_solve_target_exact_and_nearest(capsys, write_spec):
    path = write_spec(MLP)
    hit = exact_total(path, width=300, d_in=784)
    code, out, _ = run(capsys, "solve", path, "--for", "width", "--target", str(hit))
    assert code == 0 and f"width = 300 gives exactly {hit:,} parameters" in out
    code, out, _ = run(capsys, "solve", path, "--for", "width", "--target", str(hit + 1))
    assert code == 0 and "No value of width" in out and "width = 300:" in out and "width = 301:" in out


def test_solve_with_another_free_symbol_gives_the_boundary(capsys, write_spec):
    code, out, _ = run(capsys, "solve", write_spec(MLP), "--for", "width", "--budget", "1M", "--symbolic")
    assert code == 0 and "boundary" in out and "d_in*width" in out


def test_parse_amount():
    from symparam.solve import parse_amount
    assert parse_amount("350M", "--budget") == 350_000_000
    assert parse_amount("1.5B", "--budget") == 1_500_000_000
    assert parse_amount("24GB", "--budget") == 24 * 10**9
    assert parse_amount("24GiB", "--budget") == 24 * 2**30
    assert parse_amount("7T", "--budget") == 7 * 10**12


@pytest.mark.parametrize("argv, fragment", [
    (["--for", "width", "--budget", "lots"], "--budget takes a positive number"),
    (["--for", "width", "--budget", "0.5"], "positive whole number"),
    (["--for", "width"], "exactly one of --budget"),
    (["--for", "nope", "--budget", "1M"], "no symbol 'nope'"),
    (["--for", "width", "--budget", "10"], "even width = 1 gives"),
    (["--for", "width", "--budget", "1M", "--dtype", "fp12", "--bytes"], "--dtype must be one of"),
    (["--budget", "1M"], "needs --for NAME"),
])
def test_bad_solve(capsys, write_spec, argv, fragment):
    code, _, err = run(capsys, "solve", write_spec(MLP), *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1 and fragment in err


# ---- diff --------------------------------------------------------------------------------------------------------

BOTTLENECK_A = """
[network]
input = [16, 16, "c"]
[symbols]
c = { default = 256 }
[[layers]]
type = "Conv2D"
name = "conv3x3"
filters = 256
kernel_size = 3
padding = "same"
"""

BOTTLENECK_B = """
[network]
input = [16, 16, "c"]
[symbols]
c = { default = 256 }
[[layers]]
type = "Conv2D"
name = "reduce"
filters = 64
kernel_size = 1
[[layers]]
type = "Conv2D"
name = "conv3x3"
filters = 64
kernel_size = 3
padding = "same"
[[layers]]
type = "Conv2D"
name = "expand"
filters = 256
kernel_size = 1
"""


def test_diff_shows_what_a_bottleneck_saves(capsys, write_spec):
    a, b = write_spec(BOTTLENECK_A, "a.toml"), write_spec(BOTTLENECK_B, "b.toml")
    code, out, _ = run(capsys, "diff", a, b)
    assert code == 0
    # by hand, at c = 256: A = 3*3*256*256 + 256 = 590,080; B = (256*64 + 64) + (3*3*64*64 + 64) + (64*256 + 256)
    a_total, b_total = 3 * 3 * 256 * 256 + 256, (256 * 64 + 64) + (3 * 3 * 64 * 64 + 64) + (64 * 256 + 256)
    assert f"{a_total:,}" in out and f"{b_total:,}" in out and f"{b_total - a_total:,}" in out
    code, out, _ = run(capsys, "diff", a, b, "--symbolic")
    # A = 3*3*c*256 + 256 = 2304c + 256; B = (64c + 64) + (3*3*64*64 + 64) + (64*256 + 256) = 64c + 53632
    assert code == 0 and "B - A in symbols: 53376 - 2240·c" in out


def test_diff_layer_rows(write_spec):
    from symparam.diff import compare
    a, b = load(write_spec(BOTTLENECK_A, "a.toml")), load(write_spec(BOTTLENECK_B, "b.toml"))
    d = compare(a, b)
    rows = {r.name: r for r in d.layers}
    assert rows["conv3x3"].change == (3 * 3 * 64 * 64 + 64) - (3 * 3 * 256 * 256 + 256)   # B's sees 64 channels
    assert rows["reduce"].a is None and rows["expand"].a is None
    assert d.change == b.total - a.total


# ---- derive --share ----------------------------------------------------------------------------------------------

def test_share(capsys, write_spec):
    path = write_spec(MLP)
    code, out, _ = run(capsys, "derive", path, "--share", "--json")
    assert code == 0
    doc = json.loads(out)["share"]
    net = load(path)
    from fractions import Fraction
    from symparam.sensitivity import percent
    for entry, layer in zip(doc["layers"], net.layers):
        assert entry["percent"] == percent(Fraction(int(layer.params), int(net.total)))
    assert doc["degrees"] == {"d_in": 1, "width": 2}
    assert doc["dominant"]["width"] == ["hidden2"]
    # total = d_in*width + width**2 + 12*width + 10 (by hand): its degree-2 part
    assert doc["leading_term"] == "d_in*width + width**2"
    symbols = {"width": sympy.Symbol("width", integer=True, positive=True),
               "d_in": sympy.Symbol("d_in", integer=True, positive=True)}
    assert sympy.simplify(sum(sympy.sympify(e["fraction"], locals=symbols) for e in doc["layers"]) - 1) == 0


def test_percent_rounds_exactly():
    from fractions import Fraction
    from symparam.sensitivity import percent
    assert percent(Fraction(1, 3)) == "33.33%"
    assert percent(Fraction(2, 3)) == "66.67%"
    assert percent(Fraction(1, 8)) == "12.50%"
    assert percent(Fraction(1, 1)) == "100.00%"


def test_share_table_and_latex(capsys, write_spec):
    path = write_spec(MLP)
    code, out, _ = run(capsys, "derive", path, "--share")
    assert code == 0 and "Share of the total" in out and "Leading term: d_in·width + width^2" in out
    code, out, _ = run(capsys, "derive", path, "--share", "--latex")
    assert code == 0 and r"\subsection*{Share of the total}" in out
