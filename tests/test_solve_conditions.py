"""solve answers only values at which the network is valid (derive accepts them): every condition, positive and
whole lengths, divisibility. Checked against deriving every value one by one (the ground truth)."""

import pytest
import sympy
from hypothesis import given, settings, strategies as st

from symparam.api import load
from symparam.checks import Check
from symparam.cli import main
from symparam.errors import SymparamError
from symparam.solve import solve

# units = n - 10: n <= 10 leaves the Dense layer no output; the total (d + 1) * (n - 10) is 0 at n = 10.
NEG = """
[network]
input = ["d"]
[[layers]]
type = "Dense"
name = "dense"
units = "n - 10"
"""

# A 'valid' 5x5 convolution needs n >= 5; below it the total 8n^2 - 64n + 284 grows again (228 at n = 1).
CONV = """
[network]
input = ["n", "n", 3]
[[layers]]
type = "Conv2D"
name = "c"
filters = 2
kernel_size = 5
[[layers]]
type = "Flatten"
[[layers]]
type = "Dense"
name = "d"
units = 4
"""

# (n + 1) / 2 units: whole only for odd n.
ODD = """
[network]
input = ["d"]
[[layers]]
type = "Dense"
name = "dense"
units = "(n + 1) / 2"
"""

# groups = 3: filters must be a multiple of 3 (Keras refuses the layer otherwise).
GROUPS = """
[network]
input = [8, 8, 6]
[[layers]]
type = "Conv2D"
name = "conv"
filters = "n"
kernel_size = 3
groups = 3
"""

# Cropping n from each side of 32 leaves 32 - 2n: n <= 15 (an upper bound), then a Dense layer of n units.
CROP = """
[network]
input = [32, 4]
[[layers]]
type = "Cropping1D"
cropping = "n"
[[layers]]
type = "Flatten"
[[layers]]
type = "Dense"
name = "dense"
units = "n"
"""

# PyTorch's groups = n: 64 and 128 must be multiples of n (a remainder by the symbol itself: no period), and the
# total 128 + 73728 / n falls as n grows.
BY_GROUPS = """
[network]
convention = "torch"
input = [64, 8, 8]
[[layers]]
type = "nn.Conv2d"
name = "conv"
in_channels = 64
out_channels = 128
kernel_size = 3
groups = "n"
"""

SPECS = {"neg": (NEG, {"d": 8}), "conv": (CONV, {}), "odd": (ODD, {"d": 5}), "groups": (GROUPS, {}),
         "crop": (CROP, {}), "by_groups": (BY_GROUPS, {})}
ENDING = {"crop", "by_groups"}   # their valid values end below TOP
TOP = 120


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def total_at(path, **values) -> int:
    """The spec's total formula at `values`, whether or not the network is valid there."""
    net = load(path, symbolic=True)
    return int(net.total.xreplace({net.symbols.get(k): sympy.Integer(v) for k, v in values.items()}))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("specs")
    for key, (text, _) in SPECS.items():
        (tmp / f"{key}.toml").write_text(text, encoding="utf-8")
    return {key: str(tmp / f"{key}.toml") for key in SPECS}


@pytest.fixture(scope="module")
def truth(files):
    """key -> {n: total, or None where derive refuses n}, for n = 1 .. TOP."""
    table = {}
    for key, path in files.items():
        fixed = SPECS[key][1]
        row = {}
        for n in range(1, TOP + 1):
            try:
                row[n] = int(load(path, symbolic=True, n=n, **fixed).total)
            except SymparamError:
                row[n] = None
        table[key] = row
    return table


def answer(path, key, limit, **kw):
    return solve(load(path, symbolic=True, **SPECS[key][1]), "n", limit, **kw)


@given(st.sampled_from(sorted(SPECS)), st.one_of(st.integers(1, 3000), st.integers(1, 40000)),
       st.sampled_from([1, 1, 2, 3]))
@settings(max_examples=120, deadline=None)
def test_budget_answer_is_the_largest_valid_value_that_fits(files, truth, key, limit, step):
    row = truth[key]
    valid = [n for n in range(step, TOP + 1, step) if row[n] is not None]
    fitting = [n for n in valid if row[n] <= limit]
    if valid and row[valid[-1]] <= limit and key not in ENDING:
        return   # the answer may lie beyond TOP
    if not valid:   # (n + 1) / 2 is never whole for even n
        with pytest.raises(SymparamError, match="no value of n gives a valid network"):
            answer(files[key], key, limit, multiple_of=step)
        return
    got = answer(files[key], key, limit, multiple_of=step)
    best = fitting[-1] if fitting else None
    assert got.value == best
    if best is not None:
        assert got.total == row[best]
        above = [n for n in valid if n > best]
        assert got.next_value == (above[0] if above else None)
    else:
        assert got.next_value == (valid[0] if valid else None)   # the smallest valid value, for the refusal


@given(st.sampled_from(sorted(SPECS)), st.integers(1, TOP))
@settings(max_examples=80, deadline=None)
def test_target_hits_only_valid_values(files, truth, key, n):
    row = truth[key]
    aim = row[n] if row[n] is not None else total_at(files[key], n=n, **SPECS[key][1])
    if aim <= 0:
        return
    got = answer(files[key], key, aim, target=True)
    hits = [m for m in range(1, TOP + 1) if row[m] == aim]
    assert got.exact == bool(hits)
    under = [m for m in range(1, TOP + 1) if row[m] is not None and row[m] <= aim]
    nearest = max(under, key=lambda m: (row[m], m), default=None)   # the nearest total below (the largest value)
    assert got.value == nearest
    assert got.exact == (nearest is not None and row[nearest] == aim)


def test_the_issue_cases(capsys, files):
    # "Largest n within 5 parameters: 10 / n = 10: 0 parameters": no valid n fits 5; the smallest valid is 11.
    code, out, err = run(capsys, "solve", files["neg"], "--for", "n", "--budget", "5", "--set", "d=8")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "no valid value of n fits within 5 parameters" in err and "n = 11, gives 9 parameters" in err
    assert "n >= 11" in err
    # "even n = 1 is over budget where n = 5 is valid and fits"
    code, out, err = run(capsys, "solve", files["conv"], "--for", "n", "--budget", "200")
    assert code == 0, err
    assert "Largest n within 200 parameters: 6" in out and "n = 7: 228 parameters (over)" in out


def test_gpt2_d_model_is_a_multiple_of_n_head(capsys):
    code, out, err = run(capsys, "solve", "examples/gpt2.toml", "--for", "d_model", "--budget", "350M")
    assert code == 0, err
    assert "Largest d_model within 350,000,000 parameters: 1,380" in out
    assert "d_model = 1,392:" in out and "(over)" in out
    assert "d_model = 1,381 to 1,390 would fit but are not valid: d_model must be a multiple of 12" in out
    budget = 350 * 10**6
    assert load("examples/gpt2.toml", d_model=1380).total <= budget
    assert load("examples/gpt2.toml", d_model=1392).total > budget
    for d_model in range(1381, 1392):
        with pytest.raises(SymparamError):
            load("examples/gpt2.toml", d_model=d_model)


def test_gpt2_target_between_valid_values(capsys):
    aim = total_at("examples/gpt2.toml", n_layer=12, n_head=12, vocab=50257, n_ctx=1024, d_ff=4 * 1381, d_model=1381)
    code, out, err = run(capsys, "solve", "examples/gpt2.toml", "--for", "d_model", "--target", aim)
    assert code == 0, err
    assert "No value of d_model gives exactly" in out    # 1,381 gives it, but n_head = 12 does not divide 1,381
    assert "d_model = 1,380:" in out and "(below)" in out and "d_model = 1,392:" in out and "(above)" in out
    assert "d_model = 1,381 would be within the target but is not valid: d_model must be a multiple of 12" in out


def test_upper_bound_is_reported(capsys, files):
    code, out, err = run(capsys, "solve", files["crop"], "--for", "n", "--budget", "1M")
    assert code == 0, err
    assert "Largest n within 1,000,000 parameters: 15" in out and "no larger value of n is valid" in out


def test_a_total_with_a_remainder_of_the_symbol_is_refused(capsys, write_spec):
    path = write_spec(NEG.replace('"n - 10"', '"n % 7 + 1"'))
    code, _, err = run(capsys, "solve", path, "--for", "n", "--budget", "100", "--set", "d=3")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "sweep n instead" in err


def test_a_zero_divisor_fails_a_check_instead_of_raising():
    n = sympy.Symbol("n", integer=True, positive=True)
    m = sympy.Symbol("m", integer=True, positive=True)
    for kind in ("whole", "positive"):
        check = Check(kind, sympy.Mod(n, m - 1) + 1, "here", "units")
        assert not check.holds({n: sympy.Integer(5), m: sympy.Integer(1)})
        assert check.holds({n: sympy.Integer(5), m: sympy.Integer(3)})
    relation = Check("holds", sympy.Ge(sympy.Mod(n, m - 1), 0), "here", "units")
    assert not relation.holds({n: sympy.Integer(5), m: sympy.Integer(1)})


def test_a_huge_multiple_of_is_one_line(capsys, files):
    code, _, err = run(capsys, "solve", files["conv"], "--for", "n", "--budget", "1M", "--multiple-of", "9" * 5000)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--multiple-of" in err
