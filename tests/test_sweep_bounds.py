"""sweep: every point's validity agrees with derive (every condition kind, zero divisors), symbol names cannot break
the compiled code, bombs are refused before any work, big sweeps stream in bounded memory, plots of huge totals,
and quiz derives only the variants it draws."""

import csv
import io
import json
import re
import tracemalloc

import pytest

from symparam import sweep as sweep_module
from symparam.api import load
from symparam.cli import main
from symparam.errors import SymparamError

# n % (m - 1) + 1 units: at m = 1 the size is n % 0, which derive refuses.
REMAINDER = """
[network]
input = ["d"]
[symbols]
d = { default = 3 }
n = {}
m = {}
[[layers]]
type = "Dense"
name = "dense"
units = "n % (m - 1) + 1"
"""

# Adding (a, 4) to (b, 4) needs a == b or one of them 1 (Keras broadcasting): an Or condition.
BROADCAST = """
[network]
input = { x = ["a", 4], y = ["b", 4] }
[[layers]]
type = "Add"
name = "add"
inputs = ["x", "y"]
[[layers]]
type = "Flatten"
[[layers]]
type = "Dense"
name = "dense"
units = 2
"""

# groups = 3: filters must be a multiple of 3; a 'valid' 3-wide window needs n >= 3; filters/3 as a Dense width.
GROUPS = """
[network]
input = ["n", "n", 6]
[[layers]]
type = "Conv2D"
name = "conv"
filters = "f"
kernel_size = 3
groups = 3
[[layers]]
type = "GlobalAveragePooling2D"
[[layers]]
type = "Dense"
name = "dense"
units = "f / 3"
"""

WIDE = "\n".join(['[network]', 'input = ["a"]'] + [f'[[layers]]\ntype = "Dense"\nname = "d{i}"\nunits = "a"'
                                                     for i in range(40)])

GRIDS = {
    "remainder": (REMAINDER, ["--over", "m=1:4", "--over", "n=1:5"]),
    "broadcast": (BROADCAST, ["--over", "a=1:4", "--over", "b=1:4"]),
    "groups": (GROUPS, ["--over", "n=1:5", "--over", "f=1:7"]),
}


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def truth(path, **values):
    """derive's answer at one point: the total, or None where it refuses the values."""
    try:
        return int(load(path, **values).total)
    except (SymparamError, ZeroDivisionError):   # binding n % 0 is a traceback in derive itself (issue 11, engine)
        return None


@pytest.mark.parametrize("key", sorted(GRIDS))
def test_every_point_agrees_with_derive(capsys, write_spec, key):
    text, over = GRIDS[key]
    path = write_spec(text)
    code, out, err = run(capsys, "sweep", path, *over, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    names = [item.split("=")[0] for item in over[1::2]]
    assert len(rows) > 4
    for row in rows:
        expected = truth(path, **{n: int(row[n]) for n in names})
        assert (row["valid"] == "true") == (expected is not None), row
        if expected is not None:
            assert int(row["total"]) == expected


def test_a_zero_divisor_on_the_exact_path_is_invalid_not_a_traceback(capsys, write_spec):
    path = write_spec(REMAINDER)
    big = 2**62   # every point past int64's safe range: Python integers, where % 0 raises
    code, out, err = run(capsys, "sweep", path, "--over", "m=1,2,3", "--set", f"n={big}", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["valid"] for r in rows] == [False, True, True]
    assert rows[0]["total"] is None and rows[2]["total"] == truth(path, m=3, n=big)


@pytest.mark.parametrize("name", ["numpy", "np", "math", "mod", "where", "ceiling", "Integer", "int", "inf", "nan",
                                  "builtins", "select"])
def test_symbol_names_cannot_break_the_compiled_code(capsys, write_spec, name):
    path = write_spec(f'[network]\ninput = ["d"]\n[[layers]]\ntype = "Dense"\nname = "dense"\n'
                      f'units = "max({name}, d) + {name} % 3 + floor({name} / 2)"\n')
    code, out, err = run(capsys, "sweep", path, "--over", f"{name}=1:6", "--set", "d=2", "--format", "csv")
    assert code == 0, err
    for row in csv.DictReader(io.StringIO(out)):
        assert int(row["total"]) == truth(path, d=2, **{name: int(row[name])})


def test_a_refusal_names_the_users_symbols(capsys, write_spec):
    path = write_spec('[network]\ninput = [64]\n[[layers]]\ntype = "Dense"\nunits = "128 / numpy"\n')
    code, _, err = run(capsys, "sweep", path, "--over", "numpy=1:4")
    assert code == 2 and "1/numpy" in err and "_x" not in err


@pytest.mark.parametrize("argv, fragment", [
    (["--over", "a=1:20000000"], "more than 10,000,000; raise the limit with --max-points"),
    (["--over", "a=1:9999999999999999999"], "--max-points"),
    (["--over", "a=1:2000000", "--plot", "chart.png"], "--plot draws at most 1,000,000 points"),
])
def test_bombs_are_refused_before_any_work(capsys, write_spec, argv, fragment):
    path = write_spec(WIDE)
    tracemalloc.start()
    try:
        code, out, err = run(capsys, "sweep", path, *argv)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and fragment in err
    assert peak < 100 * 2**20, f"{peak / 2**20:.0f} MB allocated before refusing"


def test_a_wide_per_layer_csv_streams_in_bounded_memory(capsys, write_spec, tmp_path):
    path, target = write_spec(WIDE), tmp_path / "grid.csv"
    points = 60_000
    tracemalloc.start()
    try:
        code, out, err = run(capsys, "sweep", path, "--over", f"a=1:{points}", "--per-layer", "--format", "csv",
                             "--output", target)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 0, err
    cells = points * (1 + 3 + 40)   # as text, held whole, about 100 bytes a value
    assert peak < cells * 40, f"{peak / 2**20:.0f} MB for {cells:,} values: the grid was held whole"
    with open(target, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    assert len(lines) == 1 + points
    assert lines[-1] == ",".join([str(points), str(40 * (points * points + points)), str(40 * (points * points + points)),
                                  "0"] + [str(points * points + points)] * 40 + ["true"])


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_output_does_not_depend_on_the_chunk_size(capsys, write_spec, monkeypatch, fmt):
    path = write_spec(GROUPS)
    argv = ["sweep", path, "--over", "n=1:9", "--over", "f=1:13", "--per-layer", "--format", fmt]
    whole = run(capsys, *argv)
    monkeypatch.setattr(sweep_module, "CELLS", 7)    # a chunk of one point: every boundary
    chunked = run(capsys, *argv)
    assert whole[0] == chunked[0] == 0
    assert whole[1] == chunked[1]
    if fmt == "json":
        assert len(json.loads(chunked[1])) == 9 * 13


def test_run_refuses_to_hold_too_much(write_spec, monkeypatch):
    net = load(write_spec(WIDE), symbolic=True)
    monkeypatch.setattr(sweep_module, "MAX_CELLS", 1_000)
    with pytest.raises(SymparamError, match="stream it"):
        sweep_module.run(net, [sweep_module.parse_over("a=1:100")], per_layer=True)
    assert sweep_module.run(net, [sweep_module.parse_over("a=1:10")]).size == 10


def test_plot_of_totals_past_float_range(capsys, write_spec, tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (pip install '.[plot]')")
    path = write_spec('[network]\ninput = ["a**16"]\n[[layers]]\ntype = "Dense"\nunits = "a**16"\n')
    chart = tmp_path / "chart.png"
    code, _, err = run(capsys, "sweep", path, "--over", f"a={10**9}:{10**12}:{10**9}", "--plot", chart)
    assert code == 0, err     # totals reach 10**384, past a float's 1.8e308
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_quiz_derives_only_the_variants_it_draws(capsys, monkeypatch):
    import symparam.engine as engine
    calls = []
    real = engine.bind

    def counting(net, values):
        calls.append(dict(values))
        return real(net, values)

    monkeypatch.setattr(engine, "bind", counting)
    code, out, err = run(capsys, "quiz", "examples/cnn.toml", "--vary", "img_size=1:400", "--count", "2",
                         "--seed", "4", "--questions", "shape")
    assert code == 0, err
    assert len([c for c in calls if "img_size" in c]) <= 4       # not one per combination (400)
    sizes = [int(v.replace(",", "")) for v in re.findall(r"## Variant \d+: img\\?_size = ([\d,]+)", out)]
    assert len(sizes) == 2
    for size in sizes:
        assert truth("examples/cnn.toml", img_size=size) is not None


def test_quiz_refuses_a_huge_vary_before_any_work(capsys):
    tracemalloc.start()
    try:
        code, _, err = run(capsys, "quiz", "examples/cnn.toml", "--vary", "img_size=1:100000000", "--count", "1")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 2 and len(err.strip().splitlines()) == 1 and "at most 100,000" in err
    assert peak < 100 * 2**20
