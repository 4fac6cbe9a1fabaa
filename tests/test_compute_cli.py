"""The compute outputs through the command line: derive --compute / --json / --flops-convention / --causal /
--set batch=N / --leading, solve --flops and --compute-optimal, sweep --flops, diff; the user's mistakes as one
line and exit status 2. Expected numbers are worked out here from the architectures, not read from symparam."""

from __future__ import annotations

import json
import subprocess
import sys
from math import isqrt
from pathlib import Path

from typer.testing import CliRunner

from symparam.cli import main
from symparam.cli.app import build

ROOT = Path(__file__).resolve().parent.parent
CNN = str(ROOT / "examples" / "cnn.toml")
GPT2 = str(ROOT / "examples" / "gpt2.toml")
runner = CliRunner()

# The lesson's CNN at 32x32 by hand: MACs of each convolution = output positions x k x k x C_in x F.
CNN_MACS = (32 * 32 * 9 * 3 * 32 + 32 * 32 * 9 * 32 * 64 + 16 * 16 * 9 * 64 * 128 + 16 * 16 * 128 * 256
            + 256 * 10 + 10 * 10)


def run(*args: str):
    return runner.invoke(build(), list(args))


def refused(capsys, *args: str) -> str:
    """A user mistake: exit status 2 and one line on stderr, returned."""
    code = main(list(args))
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_json_has_macs_and_flops_per_layer_and_in_total():
    doc = json.loads(run("derive", CNN, "--json").output)
    assert doc["macs"] == CNN_MACS and doc["flops"] == 2 * CNN_MACS
    assert doc["flops_training"] == 3 * 2 * CNN_MACS - 2 * 32 * 32 * 9 * 3 * 32   # Conv1: no grad of the image
    assert [layer["macs"] for layer in doc["layers"]][:2] == [32 * 32 * 9 * 3 * 32, 32 * 32 * 9 * 32 * 64]
    assert sum(layer["flops"] for layer in doc["layers"]) == doc["flops"]
    assert doc["compute"] == {"convention": "torch", "batch": 1, "causal": False}


def test_batch_is_set_with_set_batch_and_multiplies():
    doc = json.loads(run("derive", CNN, "--json", "--set", "batch=8").output)
    assert doc["flops"] == 8 * 2 * CNN_MACS and doc["compute"]["batch"] == 8


def test_a_spec_symbol_named_batch_keeps_its_meaning_and_the_batch_is_compute_batch(write_spec):
    spec = write_spec('[network]\nname = "b"\ninput = ["batch"]\n[symbols]\nbatch = { default = 4 }\n'
                      '[[layers]]\ntype = "Dense"\nunits = 3\n')
    doc = json.loads(run("derive", str(spec), "--json", "--set", "batch=5", "--set", "compute_batch=2").output)
    assert doc["bindings"]["batch"] == 5
    assert doc["macs"] == 2 * 5 * 3


def test_conventions_and_their_refusal(capsys):
    macs = json.loads(run("derive", CNN, "--json", "--flops-convention", "macs").output)
    assert macs["flops"] == CNN_MACS
    every = json.loads(run("derive", CNN, "--json", "--flops-convention", "all").output)
    assert every["flops"] > 2 * CNN_MACS
    assert "--flops-convention must be one of torch, all, macs" in refused(capsys, "derive", CNN,
                                                                          "--flops-convention", "fvcore")


def test_table_shows_the_columns_and_the_convention_only_when_asked():
    plain = run("derive", CNN).output
    asked = run("derive", CNN, "--compute").output
    assert "FLOPs" not in plain
    assert "MACs" in asked and f"FLOPs (forward): {2 * CNN_MACS:,}" in asked and "FLOPs convention: torch" in asked


def test_causal_attention_counts_the_kept_pairs():
    """GPT-2 small: full attention is 2·2·n_layer·n_ctx²·d_model FLOPs per sequence, causal 2·2·n_layer·
    n_ctx(n_ctx + 1)/2·d_model."""
    full = json.loads(run("derive", GPT2, "--json").output)["flops"]
    causal = json.loads(run("derive", GPT2, "--json", "--causal").output)["flops"]
    n, t, d = 12, 1024, 768
    assert full - causal == 4 * n * d * (t * t - t * (t + 1) // 2)


def test_symbolic_flops_per_sequence_are_polynomials():
    doc = json.loads(run("derive", GPT2, "--json", "--symbolic").output)
    assert doc["flops"] == ("batch*(24*d_model**2*n_ctx*n_layer + 4*d_model*n_ctx**2*n_layer + "
                            "2*d_model*n_ctx*vocab)")


def test_leading_derives_kaplan_and_palm():
    doc = json.loads(run("derive", GPT2, "--json", "--leading", "--symbolic").output)["leading"]["flops"]
    # Kaplan: 2N + 2·n_layer·n_ctx·d_model with N = 12·n_layer·d² + 13·n_layer·d + 2·d (non-embedding)
    assert doc["non_embedding_parameters"] == "d_model*(12*d_model*n_layer + 13*n_layer + 2)"
    assert doc["kaplan"] == "2*d_model*(12*d_model*n_layer + n_ctx*n_layer + 13*n_layer + 2)"
    assert doc["palm"] == "6*d_model*(12*d_model*n_layer + 2*n_ctx*n_layer + 13*n_layer + 2)"
    assert 0 in doc["palm_leaves_out"].values()        # PaLM's attention term is the exact full count


def test_solve_over_flops_with_an_exponent_amount():
    result = run("solve", GPT2, "--for", "d_model", "--flops", "1e12", "--multiple-of", "n_head")
    assert result.exit_code == 0, result.output
    # forward FLOPs per sequence: 2·n_ctx·(12·n_layer·d² + d·vocab) + 4·n_layer·n_ctx²·d
    flops = lambda d: 2 * 1024 * (12 * 12 * d * d + d * 50257) + 4 * 12 * 1024 ** 2 * d   # noqa: E731
    best = max(d for d in range(12, 4000, 12) if flops(d) <= 10 ** 12)
    assert f"within 1,000,000,000,000 FLOPs (forward): {best:,}" in result.output


def test_solve_refuses_a_non_integer_amount(capsys):
    for amount in ("1.5e0", "2.5", "1e-3"):
        assert "--flops" in refused(capsys, "solve", GPT2, "--for", "d_model", "--flops", amount)


def test_compute_optimal_split_by_chinchillas_convention():
    result = run("solve", GPT2, "--for", "d_model", "--compute-optimal", "1e21", "--multiple-of", "n_head")
    assert result.exit_code == 0, result.output
    n = isqrt(10 ** 21 // 120)          # C = 6·N·D, D = 20·N
    assert f"N = {n:,} parameters, D = {20 * n:,} tokens" in result.output


def test_compute_optimal_needs_a_sequence(capsys):
    assert "sequences" in refused(capsys, "solve", CNN, "--for", "img_size", "--compute-optimal", "1e21")


def test_sweep_and_diff_show_flops():
    sweep = run("sweep", CNN, "--over", "img_size=32,64", "--flops", "--format", "csv").output.splitlines()
    assert sweep[0] == "img_size,total,trainable,non_trainable,flops,flops_training,valid"
    assert sweep[1].split(",")[4] == str(2 * CNN_MACS)
    diff = json.loads(run("diff", CNN, CNN, "--json").output)
    assert diff["flops"] == {"a": 2 * CNN_MACS, "b": 2 * CNN_MACS, "change": 0}


def test_diff_flops_are_for_the_batch_set():
    diff = json.loads(run("diff", CNN, GPT2, "--json", "--set", "batch=3").output)
    one = json.loads(run("diff", CNN, GPT2, "--json").output)
    assert diff["flops"]["a"] == 3 * 2 * CNN_MACS
    assert diff["flops"]["change"] == 3 * one["flops"]["change"]


def test_memory_reads_the_batch_as_compute_does_when_a_spec_declares_batch(write_spec):
    """One batch rule: with the spec's own `batch` (here Dense's units), the examples are `compute_batch`, in the
    FLOPs and in the activations alike; the spec's `batch` binds only its own symbol."""
    spec = write_spec('[network]\nname = "b"\ninput = [7]\n[symbols]\nbatch = { default = 4 }\n'
                      '[[layers]]\ntype = "Dense"\nunits = "batch"\n')
    def activations(*sets):
        doc = json.loads(run("derive", str(spec), "--json", "--optimizer", "sgd", *sets).output)
        return doc["memory"]["activations"], doc
    one, doc = activations("--set", "batch=5")
    two, doc2 = activations("--set", "batch=5", "--set", "compute_batch=2")
    assert doc["layers"][-1]["params"] == 7 * 5 + 5 and doc2["macs"] == 2 * 7 * 5
    assert two == 2 * one


def test_a_real_subprocess_prints_the_compute_totals():
    out = subprocess.run([sys.executable, "-m", "symparam", "derive", CNN, "--compute"], capture_output=True,
                         text=True, cwd=ROOT, check=True).stdout
    assert f"MACs: {CNN_MACS:,}" in out
