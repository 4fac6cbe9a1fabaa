"""Every class of bad input: one line on stderr naming file, layer and key; exit status 2; no traceback."""

import os
import subprocess
import sys

import pytest

from symparam.cli import main

GOOD_LAYER = '[[layers]]\ntype = "Conv2D"\nname = "Conv1"\nfilters = 8\nkernel_size = 3\n'
HEADER = '[network]\ninput = ["img_size", "img_size", 3]\n[symbols]\nimg_size = { default = 32 }\n'


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(err, *fragments):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# (spec text, fragments the message must contain)
BAD_SPECS = {
    "malformed toml": ("[network\ninput = [1]\n", ["not valid TOML", "line 1"]),
    "unknown type": (HEADER + '[[layers]]\ntype = "Conv2d"\nfilters = 3\n',
                     ["layer 1", "unknown layer type", "'Conv2d'", "Conv2D"]),
    "unknown argument": (HEADER + GOOD_LAYER + 'filter_size = 3\n',
                         ["layer 1 'Conv1' (Conv2D)", "no argument 'filter_size'", "Received: filter_size = 3"]),
    "missing argument": (HEADER + '[[layers]]\ntype = "Dense"\nname = "fc"\n',
                         ["layer 1 'fc' (Dense)", "units is required"]),
    "mistyped argument": (HEADER + GOOD_LAYER + 'use_bias = "yes"\n',
                          ["layer 1 'Conv1' (Conv2D)", "use_bias must be true or false", "Received: use_bias = 'yes'"]),
    "mistyped size": (HEADER + '[[layers]]\ntype = "Dense"\nunits = 2.5\n',
                      ["layer 1 'dense' (Dense)", "units must be", "Received: units = 2.5"]),
    "zero size": (HEADER + '[[layers]]\ntype = "Dense"\nunits = 0\n',
                  ["layer 1 'dense' (Dense)", "units must be a positive integer", "Received: units = 0"]),
    "negative size": (HEADER + GOOD_LAYER + '[[layers]]\ntype = "Conv2D"\nname = "Conv2"\nfilters = -4\n'
                      'kernel_size = 3\n', ["layer 2 'Conv2' (Conv2D)", "filters must be a positive integer",
                                            "Received: filters = -4"]),
    "expression outside grammar": (HEADER + '[[layers]]\ntype = "Dense"\nunits = "n.real"\n',
                                   ["layer 1 'dense' (Dense)", "units is not a valid size", "attribute access"]),
    "expression too long": (HEADER + '[[layers]]\ntype = "Dense"\nunits = "' + "n+" * 150 + 'n"\n',
                            ["layer 1 'dense' (Dense)", "units", "too long"]),
    "code in a size": (HEADER + '[[layers]]\ntype = "Dense"\nunits = "__import__(\'os\').system(\'touch pwned\')"\n',
                       ["layer 1 'dense' (Dense)", "units"]),
    "dunder name": (HEADER + '[[layers]]\ntype = "Dense"\nunits = "__class__"\n', ["units", "symbol name"]),
    "lambda": (HEADER + '[[layers]]\ntype = "Dense"\nunits = "(lambda: 3)()"\n', ["units"]),
    "huge power": (HEADER + '[[layers]]\ntype = "Dense"\nunits = "10**10**10"\n', ["units", "exponent"]),
    "concrete output <= 0": ('[network]\ninput = [3, 3, 1]\n[[layers]]\ntype = "Conv2D"\nname = "c"\nfilters = 2\n'
                             'kernel_size = 5\n', ["layer 1 'c' (Conv2D)", "kernel_size", "at least 5",
                                                   "input length 3"]),
    "duplicate name": (HEADER + GOOD_LAYER + GOOD_LAYER, ["layer 2 'Conv1' (Conv2D)", "unique"]),
    "unknown input reference": (HEADER + '[[layers]]\ntype = "Dense"\nname = "d"\nunits = 3\ninputs = ["nope"]\n',
                                ["layer 1 'd' (Dense)", "'nope'"]),
    "bad choice": (HEADER + GOOD_LAYER + 'padding = "full"\n', ["padding must be one of", "'full'"]),
    "bad symbol default": ('[network]\ninput = ["n"]\n[symbols]\nn = { default = -3 }\n[[layers]]\ntype = "Dense"\n'
                           'units = 2\n', ["[symbols] n", "default must be a positive integer"]),
    "unknown top-level table": (HEADER + GOOD_LAYER + '[extra]\nx = 1\n', ["unknown key 'extra'"]),
    "no layers": (HEADER, ["no [[layers]]"]),
    "wrong input rank": ('[network]\ninput = [32, 3]\n' + GOOD_LAYER,
                         ["layer 1 'Conv1' (Conv2D)", "expects an input with 3 axes", "(32, 3)"]),
    "groups must divide": (HEADER + GOOD_LAYER + 'groups = 3\n', ["layer 1 'Conv1' (Conv2D)", "groups must divide"]),
    "strides with dilation": (HEADER + GOOD_LAYER + 'strides = 2\ndilation_rate = 2\n',
                              ["layer 1 'Conv1' (Conv2D)", "dilation_rate"]),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_bad_spec(case, capsys, write_spec, tmp_path, monkeypatch):
    text, fragments = BAD_SPECS[case]
    path = write_spec(text, "course.toml")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "derive", path)
    assert code == 2
    assert out == ""
    assert_one_line(err, "course.toml", *fragments)
    assert not (tmp_path / "pwned").exists()


BAD_SETS = {
    "unknown symbol": (["--set", "imgsize=3"], ["'imgsize'", "img_size"]),
    "zero": (["--set", "img_size=0"], ["img_size must be a positive integer", "img_size=0"]),
    "negative": (["--set", "img_size=-2"], ["img_size must be a positive integer"]),
    "not an integer": (["--set", "img_size=2.5"], ["img_size must be a positive integer"]),
    "an expression": (["--set", "img_size=2*3"], ["img_size must be a positive integer"]),
    "no equals": (["--set", "img_size"], ["NAME=VALUE"]),
    "makes an output <= 0": (["--set", "img_size=1"], ["layer 3 'Max1' (MaxPooling2D)", "pool_size", "img_size=1"]),
}


@pytest.mark.parametrize("case", sorted(BAD_SETS))
def test_bad_binding(case, capsys):
    argv, fragments = BAD_SETS[case]
    code, out, err = run(capsys, "derive", "examples/cnn.toml", *argv)
    assert code == 2
    assert_one_line(err, *fragments)


def test_input_size_that_breaks_at_a_binding(capsys, write_spec):
    """A symbolic input size carries its own condition: 'n - 3' must stay positive."""
    path = write_spec('[network]\ninput = ["n - 3"]\n[[layers]]\ntype = "Dense"\nunits = 2\n', "course.toml")
    code, out, _ = run(capsys, "derive", path, "--symbolic")
    assert code == 0 and "Assumes: n >= 4  ([network]: input)" in out
    code, _, err = run(capsys, "derive", path, "--set", "n=3")
    assert code == 2
    assert_one_line(err, "course.toml", "[network]", "input must be a positive integer", "n=3")


def test_missing_file(capsys):
    code, _, err = run(capsys, "derive", "no/such/spec.toml")
    assert code == 2
    assert_one_line(err, "no/such/spec.toml", "cannot read")


def test_usage_errors_are_one_line(capsys):
    for argv in (["derive"], ["derive", "examples/cnn.toml", "--bogus"], ["frobnicate"],
                 ["derive", "examples/cnn.toml", "--latex", "--json"]):
        code, _, err = run(capsys, *argv)
        assert code == 2, argv
        assert_one_line(err)


def test_not_utf8(capsys, tmp_path):
    path = tmp_path / "bin.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    code, _, err = run(capsys, "derive", path)
    assert code == 2
    assert_one_line(err, "bin.toml")


def test_as_a_real_subprocess(write_spec, tmp_path):
    """What users run: the installed entry point, a hostile spec, exit status 2 and one line."""
    path = write_spec(HEADER + '[[layers]]\ntype = "Dense"\nunits = "__import__(\'os\').system(\'touch pwned\')"\n')
    proc = subprocess.run([sys.executable, "-m", "symparam", "derive", str(path)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert_one_line(proc.stderr, "spec.toml", "layer 1 'dense' (Dense)", "units")
    assert not (tmp_path / "pwned").exists()
    assert not os.path.exists("pwned")
