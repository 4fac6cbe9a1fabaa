"""Memory (symparam.memory): bytes by dtype, training parts, optimizer states against torch.optim's own state, the
activations saved for backward against what PyTorch saves (torch.autograd.graph.saved_tensors_hooks on CPU), the
KV cache by hand, sizes with units, and every kind's `saves` declaration."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import sympy

from symparam import memory
from symparam.account import build
from symparam.engine import derive, derive_file, resolved
from symparam.errors import SymparamError
from symparam.layers import kinds
from symparam.layers.base import LayerKind
from symparam.model import SAVES
from symparam.spec import loads

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

# The lesson's CNN by hand: 3·3·3·32 + 32, 3·3·32·64 + 64, 3·3·64·128 + 128, 1·1·128·256 + 256, 256·10 + 10, 10·10 + 10
CNN_PARAMS = 896 + 18_496 + 73_856 + 33_024 + 2_570 + 110
GPT2_PARAMS = 124_439_808     # GPT-2 small as published (the lm_head tied to wte)


def account_of(path_or_text, values=None, symbolic=False):
    if isinstance(path_or_text, Path):
        return build(derive_file(path_or_text, values, use_defaults=not symbolic))
    return build(resolved(derive(loads(path_or_text, "test.toml")), values, defaults=not symbolic))


# --- declarations -----------------------------------------------------------------------------------------------

def test_every_kind_declares_what_it_saves():
    """A kind with no `saves` (or a token outside the closed set) fails here; a kind that saves statistics or
    internal tensors must count them itself."""
    for name, kind in kinds().items():
        assert kind.saves, f"{name} declares no `saves`"
        assert set(kind.saves) <= set(SAVES), f"{name}: {kind.saves} not in {SAVES}"
        assert "none" not in kind.saves or kind.saves == ("none",), name
        for token, method in (("statistics", "saved_statistics"), ("internal", "saved_inside")):
            if token in kind.saves:
                assert getattr(kind, method).__func__ is not getattr(LayerKind, method).__func__, (name, token)


def test_a_kind_without_a_declaration_is_caught():
    class Undeclared(LayerKind):
        name = "Undeclared"
    assert not Undeclared.saves        # the base declares nothing: the registry test above would fail for it


# --- weights, training parts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype, per_value", [("fp32", 4), ("fp16", 2), ("bf16", 2), ("fp8", 1), ("int8", 1),
                                              ("int4", sympy.Rational(1, 2))])
def test_weights_are_parameters_times_bytes_per_dtype(dtype, per_value):
    for path, params in ((EXAMPLES / "cnn.toml", CNN_PARAMS), (EXAMPLES / "gpt2.toml", GPT2_PARAMS)):
        m = memory.estimate(account_of(path), dtype)
        assert m.part("weights").bytes == params * per_value
        assert isinstance(m.part("weights").bytes, (sympy.Integer, sympy.Rational))


def test_int4_weights_of_an_odd_count_are_an_exact_half_byte():
    spec = '[network]\ninput = [3]\n[[layers]]\ntype = "Dense"\nunits = 1\n'   # 3 + 1 = 4 parameters
    assert memory.estimate(account_of(spec), "int4").part("weights").bytes == 2
    spec = spec.replace("units = 1", "units = 1\nuse_bias = false")            # 3 parameters
    assert memory.estimate(account_of(spec), "int4").part("weights").bytes == sympy.Rational(3, 2)


@pytest.mark.parametrize("dtype", ["fp16", "bf16"])
def test_adamw_mixed_precision_is_16_bytes_per_parameter_plus_activations(dtype):
    """ZeRO (Rajbhandari et al. 2020, section 3.1): 2 (fp16 weights) + 2 (fp16 gradients) + 4 (fp32 master) + 4 + 4
    (fp32 momentum and variance) = 16 bytes per parameter, plus the activations."""
    for path, params in ((EXAMPLES / "cnn.toml", CNN_PARAMS), (EXAMPLES / "gpt2.toml", GPT2_PARAMS)):
        m = memory.estimate(account_of(path), dtype, "adamw", batch=4)
        parts = {p.name: p.bytes for p in m.parts}
        assert (parts["weights"], parts["gradients"], parts["master"], parts["optimizer"]) == \
            (2 * params, 2 * params, 4 * params, 8 * params)
        assert m.training == 16 * params + parts["activations"]
        assert parts["activations"] > 0


def test_fp32_training_has_no_master_copy_and_symbolic_counts_stay_symbolic():
    m = memory.estimate(account_of(EXAMPLES / "gpt2.toml", symbolic=True), "fp32", "adam")
    assert m.part("master") is None
    n_layer, d_model = sympy.symbols("n_layer d_model", integer=True, positive=True)
    assert m.part("weights").bytes.coeff(d_model**2 * n_layer) == 4 * 12     # 12·d_model² per block, 4 bytes
    assert memory.BATCH in m.part("activations").bytes.free_symbols


def test_training_at_an_inference_dtype_is_refused():
    with pytest.raises(SymparamError, match="int8 is for inference"):
        memory.estimate(account_of(EXAMPLES / "cnn.toml"), "int8", "adamw")
    with pytest.raises(SymparamError, match="--optimizer must be one of"):
        memory.estimate(account_of(EXAMPLES / "cnn.toml"), "fp32", "lion")


# --- sizes with units -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [("24GiB", 24 * 2**30), ("1.5GB", 1_500_000_000), ("800 MB", 800 * 10**6),
                                         ("512", 512), ("0.5KiB", 512), ("2TiB", 2 * 2**40)])
def test_sizes_with_units_are_exact(text, value):
    assert memory.parse_bytes(text) == value


@pytest.mark.parametrize("text", ["24 GiBs", "1e9", "-3GB", "0.3B", "0GB", "nan", "1.5", "x" * 200, "24GiB; rm"])
def test_sizes_that_are_not_whole_bytes_are_refused(text):
    with pytest.raises(SymparamError):
        memory.parse_bytes(text)


# --- KV cache ---------------------------------------------------------------------------------------------------

def test_gpt2_kv_cache_by_hand():
    """2 (keys and values) × n_layer × n_ctx × n_head × head_dim × bytes: 2·12·1024·12·64·2 = 37,748,736 bytes per
    fp16 sequence; symbolically 2·n_layer·n_ctx·d_model values (head_dim = d_model / n_head)."""
    m = memory.estimate(account_of(EXAMPLES / "gpt2.toml"), "fp16", batch=1)
    assert m.part("kv_cache").bytes == 2 * 12 * 1024 * 12 * 64 * 2 == 37_748_736
    sym = memory.estimate(account_of(EXAMPLES / "gpt2.toml", symbolic=True), "fp16")
    n_layer, n_ctx, d_model = sympy.symbols("n_layer n_ctx d_model", integer=True, positive=True)
    assert sympy.expand(sym.part("kv_cache").bytes - 2 * n_layer * n_ctx * d_model * 2 * memory.BATCH) == 0


def test_grouped_query_attention_caches_only_the_shared_heads():
    spec = """[network]\ninput = { x = ["seq", 512] }\n[symbols]\nseq = { default = 100 }
[[layers]]\ntype = "GroupQueryAttention"\nhead_dim = 64\nnum_query_heads = 8\nnum_key_value_heads = 2
inputs = ["x", "x"]\n"""
    m = memory.estimate(account_of(spec), "bf16", batch=3)
    assert m.part("kv_cache").bytes == 2 * 100 * 2 * 64 * 2 * 3        # K and V, seq, kv heads, head_dim, bytes, batch


# --- against PyTorch --------------------------------------------------------------------------------------------

torch = pytest.importorskip("torch")
nn, F = torch.nn, torch.nn.functional


def torch_saved(forward, params) -> dict:
    """Bytes PyTorch saves for backward while `forward()` runs: every tensor autograd packs, once per storage (torch
    saves the same tensor twice where two ops read it: a ReLU's output and the next layer's input), parameters
    left out (they are the weights); by dtype."""
    skip = {p.untyped_storage().data_ptr() for p in params}
    seen: dict = {}

    def pack(t):
        storage = t.untyped_storage()
        if storage.data_ptr() not in skip:
            seen[storage.data_ptr()] = (storage.nbytes(), t.dtype)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        forward()
    out: dict = {}
    for nbytes, dtype in seen.values():
        out[dtype] = out.get(dtype, 0) + nbytes
    return out


def activations(account, batch):
    return memory.estimate(account, "fp32", "sgd", batch=batch).part("activations").bytes


@pytest.mark.parametrize("img, batch", [(32, 1), (32, 2), (20, 3)])
def test_cnn_activations_equal_what_torch_saves(img, batch):
    """examples/cnn.toml in plain torch (NCHW). Each convolution and dense layer saves its input, each ReLU its
    output (the next layer's input: one tensor), max pooling its input and int64 indices, softmax its output; the
    global average pooling (a mean) saves nothing."""
    torch.manual_seed(0)
    convs = [nn.Conv2d(3, 32, 3, padding=1), nn.Conv2d(32, 64, 3, padding=1), nn.Conv2d(64, 128, 3, padding=1),
             nn.Conv2d(128, 256, 1)]
    dense1, output = nn.Linear(256, 10), nn.Linear(10, 10)
    params = [p for m in (*convs, dense1, output) for p in m.parameters()]
    x = torch.randn(batch, 3, img, img)

    def forward():
        h = F.relu(convs[1](F.relu(convs[0](x))))
        h = F.max_pool2d(h, 2)
        h = F.relu(convs[3](F.relu(convs[2](h))))
        h = h.mean(dim=(2, 3))
        return torch.softmax(output(F.relu(dense1(h))), dim=-1)

    saved = torch_saved(forward, params)
    account = account_of(EXAMPLES / "cnn.toml", {"img_size": img})
    assert activations(account, batch) == sum(saved.values())
    assert saved[torch.int64] == 8 * batch * 64 * (img // 2) ** 2       # the argmax, as symparam's rule says


MLP = """[network]\ninput = [20]
[[layers]]\ntype = "Dense"\nname = "fc1"\nunits = 32\nactivation = "relu"
[[layers]]\ntype = "Dropout"\nname = "drop"\nrate = 0.5
[[layers]]\ntype = "Dense"\nname = "fc2"\nunits = 16\nactivation = "gelu"
[[layers]]\ntype = "Dense"\nname = "out"\nunits = 5\n"""


def test_mlp_activations_and_the_dropout_mask_difference():
    """fc1 saves its input, ReLU its output; dropout keeps its mask; fc2 saves its input (the dropped values), GELU
    its input (fc2's pre-activation); out saves its input. symparam counts the mask as one byte per value (the bool
    mask torch's fused CUDA dropout keeps); torch's CPU dropout keeps the scaled noise at the activations' dtype,
    4 bytes here: the difference is exactly 3 bytes per dropped value (docs/memory.md)."""
    torch.manual_seed(0)
    fc1, fc2, out = nn.Linear(20, 32), nn.Linear(32, 16), nn.Linear(16, 5)
    params = [p for m in (fc1, fc2, out) for p in m.parameters()]
    batch = 4
    x = torch.randn(batch, 20)
    saved = torch_saved(lambda: out(F.gelu(fc2(F.dropout(F.relu(fc1(x)), 0.5, training=True)))), params)
    ours = activations(account_of(MLP), batch)
    assert ours == 4 * batch * (20 + 32 + 32 + 16 + 16) + 1 * batch * 32
    assert sum(saved.values()) - ours == (4 - 1) * batch * 32


def test_lstm_classifier_activations_equal_what_torch_saves_cell_by_cell():
    """examples/lstm_classifier.toml: Embedding, Bidirectional(LSTM), Dense softmax. torch's LSTM run cell by cell
    (mkldnn off) keeps per direction and step h_{t-1}, c_{t-1}, the four gates and tanh(c_t): 7 units; the input
    sequence once (both directions read it), the token indices as int64, the classifier its input and softmax its
    output. With mkldnn on, torch keeps an opaque workspace instead (docs/memory.md)."""
    T, vocab, embed, units, classes, batch = 6, 50, 8, 5, 3, 2
    torch.manual_seed(0)
    emb, lstm = nn.Embedding(vocab, embed), nn.LSTM(embed, units, batch_first=True, bidirectional=True)
    head = nn.Linear(2 * units, classes)
    params = [p for m in (emb, lstm, head) for p in m.parameters()]
    tokens = torch.randint(0, vocab, (batch, T))

    def forward():
        _, (h, _) = lstm(emb(tokens))
        return torch.softmax(head(torch.cat([h[0], h[1]], dim=-1)), dim=-1)

    with torch.backends.mkldnn.flags(enabled=False):
        saved = torch_saved(forward, params)
    account = account_of(EXAMPLES / "lstm_classifier.toml", {"seq_len": T, "vocab": vocab, "embed": embed,
                                                             "units": units, "classes": classes})
    by_hand = batch * (8 * T + 4 * (T * embed + 2 * 7 * T * units + 2 * units + classes))
    assert activations(account, batch) == by_hand
    # the explained difference (docs/memory.md): torch's reverse direction reads a time-reversed copy of the input
    # sequence, a tensor of its own (T · embed values); symparam's rule counts the input once for both directions
    assert sum(saved.values()) - by_hand == 4 * batch * T * embed


BLOCK = """[network]\ninput = ["t", "d"]
[symbols]\nt = { default = 6 }\nd = { default = 8 }\nh = { default = 2 }
[[layers]]\ntype = "LayerNormalization"\nname = "ln_1"\nepsilon = 1e-5\ninputs = ["input"]
[[layers]]\ntype = "MultiHeadAttention"\nname = "attn"\nnum_heads = "h"\nkey_dim = "d / h"\ninputs = ["ln_1", "ln_1"]
[[layers]]\ntype = "Add"\nname = "res_1"\ninputs = ["input", "attn"]
[[layers]]\ntype = "LayerNormalization"\nname = "ln_2"\nepsilon = 1e-5
[[layers]]\ntype = "Dense"\nname = "fc"\nunits = "4*d"\nactivation = "gelu"
[[layers]]\ntype = "Dense"\nname = "proj"\nunits = "d"
[[layers]]\ntype = "Add"\nname = "res_2"\ninputs = ["res_1", "proj"]
"""


def block_in_torch(t, d, h, batch, fused: bool):
    """gpt2.toml's pre-norm block in plain torch, its attention as Keras computes it on the torch backend
    (scaled_dot_product_attention, the flash kernel) or by two matmuls and a softmax; the bytes torch saves."""
    torch.manual_seed(0)
    ln1, ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
    q, k, v, o = (nn.Linear(d, d) for _ in range(4))
    fc, proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
    params = [p for m in (ln1, ln2, q, k, v, o, fc, proj) for p in m.parameters()]
    x = torch.randn(batch, t, d)

    def heads(y):
        return y.view(batch, t, h, d // h).transpose(1, 2)

    def attend(n):
        if fused:
            with torch.nn.attention.sdpa_kernel(backends=[torch.nn.attention.SDPBackend.FLASH_ATTENTION]):
                return F.scaled_dot_product_attention(heads(q(n)), heads(k(n)), heads(v(n)))
        scores = heads(q(n)) @ heads(k(n)).transpose(-2, -1) / (d // h) ** 0.5
        return torch.softmax(scores, dim=-1) @ heads(v(n))

    def forward():
        r = x + o(attend(ln1(x)).transpose(1, 2).reshape(batch, t, d))
        return r + proj(F.gelu(fc(ln2(r))))

    return sum(torch_saved(forward, params).values())


@pytest.mark.parametrize("t, d, h, batch", [(6, 8, 2, 1), (5, 12, 3, 2), (16, 32, 4, 1)])
def test_transformer_block_activations_equal_what_torch_saves(t, d, h, batch):
    """Each layer norm keeps its input and fp32 mean and rstd per position; the q, k, v projections read one
    normalized tensor; the fused attention keeps q, k, v, its output and an fp32 logsumexp per position and head;
    the output projection its merged heads (Keras's einsum makes them a copy); fc its input, GELU its input; proj
    its input: 17·t·d values and 4·t + h·t fp32 statistics per example.
    Written in plain torch, two differences, each exact (docs/memory.md): the flash kernel lays its output out as
    (t, h, d/h), so merging the heads is a view, not a copy: t·d values fewer; by matmuls torch keeps the
    probabilities (h·t², softmax's output) instead of the kernel's output and logsumexp."""
    ours = activations(account_of(BLOCK, {"t": t, "d": d, "h": h}), batch)
    assert ours == 4 * batch * 17 * t * d + 4 * batch * (4 * t + h * t)
    assert ours - block_in_torch(t, d, h, batch, fused=True) == 4 * batch * t * d
    assert block_in_torch(t, d, h, batch, fused=False) - ours == 4 * batch * (h * t * t - t * d - h * t)


def test_torch_optimizer_states_equal_symparams():
    """One step of torch.optim's SGD with momentum, Adam, AdamW and Adafactor on a torch-convention network: the
    bytes of every state tensor (the `step` counters left out: one scalar per tensor) equal symparam's optimizer
    part. Adafactor keeps row and column variances for a weight of 2 axes or more (shape[:-1] and
    shape[:-2] + shape[-1:]), a full variance for a vector."""
    spec = """[network]\nconvention = "torch"\ninput = [3, 8, 8]
[[layers]]\ntype = "nn.Conv2d"\nin_channels = 3\nout_channels = 4\nkernel_size = 3
[[layers]]\ntype = "nn.Flatten"
[[layers]]\ntype = "nn.Linear"\nin_features = 144\nout_features = 5\n"""
    account = account_of(spec)
    cases = {"momentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), "adam": torch.optim.Adam,
             "adamw": torch.optim.AdamW, "adafactor": torch.optim.Adafactor}
    for name, make in cases.items():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(144, 5))
        opt = make(model.parameters())
        model(torch.randn(2, 3, 8, 8)).sum().backward()
        opt.step()
        state = sum(t.numel() * t.element_size() for s in opt.state.values() for key, t in s.items()
                    if key != "step" and torch.is_tensor(t))
        assert memory.estimate(account, "fp32", name).part("optimizer").bytes == state, name


# --- the command line -------------------------------------------------------------------------------------------

class Run:
    def __init__(self, exit_code, output, err):
        self.exit_code, self.output, self.err = exit_code, output, err


@pytest.fixture
def run(capsys):
    from symparam.cli import main

    def invoke(*args):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return Run(code, out, err)
    return invoke


def test_derive_memory_json_has_the_memory_object_at_the_batch_set(run):
    import json
    result = run("derive", str(EXAMPLES / "cnn.toml"), "--json", "--dtype", "bf16", "--optimizer", "adamw",
                 "--set", "batch=4")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)["memory"]
    assert (doc["weights"], doc["gradients"], doc["master"], doc["optimizer"]) == \
        (2 * CNN_PARAMS, 2 * CNN_PARAMS, 4 * CNN_PARAMS, 8 * CNN_PARAMS)
    single = memory.estimate(account_of(EXAMPLES / "cnn.toml"), "bf16", "adamw", batch=1)
    assert doc["activations"] == 4 * single.part("activations").bytes
    assert doc["training"] == 16 * CNN_PARAMS + doc["activations"]
    assert sum(doc["activations_by_layer"].values()) == doc["activations"]


def test_derive_memory_table_and_mistakes_are_one_line(run):
    result = run("derive", str(EXAMPLES / "gpt2.toml"), "--memory", "--dtype", "fp16")
    assert result.exit_code == 0 and "kv_cache" in result.output and "37,748,736" in result.output
    for args in (("--dtype", "fp9"), ("--optimizer", "lion"), ("--dtype", "int4", "--optimizer", "sgd"),
                 ("--memory", "--latex")):
        result = run("derive", str(EXAMPLES / "cnn.toml"), *args)
        assert result.exit_code == 2 and result.err.startswith("error: ") and \
            result.err.count("\n") == 1 and not result.output, (args, result.err)


def test_solve_memory_answers_the_largest_value_that_fits(run):
    result = run("solve", str(EXAMPLES / "gpt2.toml"), "--for", "n_layer", "--memory", "80GB", "--optimizer",
                 "adam", "--set", "batch=16")
    assert result.exit_code == 0, result.output
    line = next(l for l in result.output.splitlines() if l.startswith("Largest"))
    n = int(line.rsplit(" ", 1)[1].replace(",", ""))

    def training(n_layer):
        return memory.estimate(account_of(EXAMPLES / "gpt2.toml", {"n_layer": n_layer}), "fp32", "adam",
                               batch=16).training
    assert training(n) <= 80 * 10**9 < training(n + 1)
    result = run("solve", str(EXAMPLES / "gpt2.toml"), "--for", "d_model", "--memory", "24 GiBs")
    assert result.exit_code == 2 and result.err.startswith("error: --memory must be a size")


def test_recomputation_keeps_each_block_copy_input_and_rebuilds_one_copy():
    """gpt2 at fp16 with recomputation: the 12 copies keep their input (n_ctx·d_model values each) and one copy's
    saved tensors are rebuilt at a time (its input among them, kept already); the layers outside the block are as
    without recomputation."""
    account = account_of(EXAMPLES / "gpt2.toml")
    full = dict(memory.estimate(account, "fp16", "adamw", batch=1).activations_by_layer)
    kept = dict(memory.estimate(account, "fp16", "adamw", batch=1, recompute=True).activations_by_layer)
    block = [name for name in full if name.startswith("h/")]
    one_copy, one_input = sum(full[n] for n in block) // 12, 1024 * 768 * 2
    assert sum(kept[n] for n in block) == 12 * one_input + one_copy - one_input
    assert all(kept[n] == full[n] for n in full if n not in block)


def test_recomputation_equals_torch_checkpointing_each_block():
    """Three copies of the transformer block, each under torch.utils.checkpoint (reentrant): in the forward torch
    keeps each copy's input only; in the backward it rebuilds one copy at a time. The peak, kept inputs plus the
    largest rebuilt copy (its input shared with the kept one), is symparam's --recompute count, less the one
    difference of plain torch's flash output layout (t·d per copy rebuilt, test above)."""
    t, d, h, batch, copies = 6, 8, 2, 2, 3
    spec = BLOCK.replace('[[layers]]', '[[blocks.b.layers]]').replace('inputs = ["input"]', 'inputs = ["x"]')
    spec = spec.replace('inputs = ["input", "attn"]', 'inputs = ["x", "attn"]')
    spec = spec.replace("[symbols]", '[blocks.b]\ninputs = ["x"]\noutput = "res_2"\n\n[symbols]', 1)
    spec += '[[layers]]\ntype = "b"\nname = "stack"\nrepeat = 3\n'
    ours = memory.estimate(account_of(spec, {"t": t, "d": d, "h": h}), "fp32", "sgd", batch=batch,
                           recompute=True).part("activations").bytes
    torch.manual_seed(0)
    blocks = []
    for _ in range(copies):
        ln1, ln2, q, k, v, o = nn.LayerNorm(d), nn.LayerNorm(d), *(nn.Linear(d, d) for _ in range(4))
        fc, proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        blocks.append((ln1, ln2, q, k, v, o, fc, proj))
    params = {p.untyped_storage().data_ptr() for b in blocks for m in b for p in m.parameters()}

    def run_block(b, x):
        ln1, ln2, q, k, v, o, fc, proj = b
        n = ln1(x)
        heads = lambda y: y.view(batch, t, h, d // h).transpose(1, 2)  # noqa: E731
        with torch.nn.attention.sdpa_kernel(backends=[torch.nn.attention.SDPBackend.FLASH_ATTENTION]):
            a = F.scaled_dot_product_attention(heads(q(n)), heads(k(n)), heads(v(n)))
        r = x + o(a.transpose(1, 2).reshape(batch, t, d))
        return r + proj(F.gelu(fc(ln2(r))))

    phases: dict = {}
    phase = ["forward"]

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in params:
            phases.setdefault(phase[0], {})[storage.data_ptr()] = storage.nbytes()
        return tensor

    def block_fn(i):
        def f(x):
            if torch.is_grad_enabled():
                phase[0] = f"rebuilt {i}"     # the backward's recomputation of copy i
            return run_block(blocks[i], x)
        return f

    x = torch.randn(batch, t, d, requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        y = x
        for i in range(copies):
            y = torch.utils.checkpoint.checkpoint(block_fn(i), y, use_reentrant=True)
        y.sum().backward()
    kept = phases.pop("forward")
    assert sum(kept.values()) == 4 * batch * copies * t * d            # each copy's input, nothing else
    peak = max(sum({**kept, **rebuilt}.values()) for rebuilt in phases.values())
    assert len(phases) == copies and ours - peak == 4 * batch * t * d


def test_sweep_memory_column_equals_the_estimate_at_each_point(run):
    result = run("sweep", str(EXAMPLES / "gpt2.toml"), "--over", "n_layer=1:3", "--memory", "--optimizer", "adamw",
                 "--dtype", "bf16", "--set", "batch=2", "--format", "csv")
    assert result.exit_code == 0, result.err
    rows = [line.split(",") for line in result.output.strip().splitlines()]
    column = rows[0].index("memory_bytes")
    for row in rows[1:]:
        n_layer = int(row[0])
        expected = memory.estimate(account_of(EXAMPLES / "gpt2.toml", {"n_layer": n_layer}), "bf16", "adamw",
                                   batch=2).training
        assert int(row[column]) == expected


def test_diff_memory_gives_each_part_in_a_and_b_and_the_change(run, tmp_path):
    import json
    wider = tmp_path / "wider.toml"
    wider.write_text((EXAMPLES / "cnn.toml").read_text().replace("filters = 256", "filters = 512"))
    result = run("diff", str(EXAMPLES / "cnn.toml"), str(wider), "--json", "--memory", "--dtype", "fp16")
    assert result.exit_code == 0, result.err
    weights = json.loads(result.output)["memory"]["parts"]["weights"]
    # Conv4 256 -> 512 filters: 128·256 + 256 more parameters, Dense1 reads 256 more inputs: 256·10 more
    assert weights["change"] == 2 * (128 * 256 + 256 + 256 * 10) == weights["b"] - weights["a"]


# --- every torch kind, one layer, against torch -----------------------------------------------------------------

# What torch keeps beyond symparam's rule, per kind: (why, extra bytes for the kind's catalogue example at batch B).
TORCH_DIFFERENCES = {
    "nn.Dropout": ("torch's CPU dropout keeps its scaled noise at 4 bytes a value, not a 1-byte bool mask",
                   lambda shapes, B: (4 - 1) * B * shapes[0][0]),
    **{name: ("torch's CPU dropout keeps its scaled noise at 4 bytes a value (per channel for the feature "
              "dropouts), not a 1-byte bool mask", lambda shapes, B: (4 - 1) * B * shapes[0][0])
       for name in ("nn.AlphaDropout", "nn.Dropout1d", "nn.Dropout2d", "nn.Dropout3d", "nn.FeatureAlphaDropout")},
    "nn.EmbeddingBag": ("torch also keeps offset2bag (one int64 per index, and one more), and per bag its offset, "
                        "size and max index (int64)", lambda shapes, B: 8 * (B * shapes[0][0] + 1 + 3 * B)),
    "nn.RMSNorm": ("torch's CPU RMSNorm is composite: with a weight it also keeps x·rstd (input-sized) for the "
                   "weight's gradient; a fused kernel keeps the input and rstd only",
                   lambda shapes, B: 4 * B * shapes[0][0] * shapes[0][1]),
}
EXTRA_KWARGS = {"nn.Bilinear": lambda shapes: {"in1_features": shapes[0][-1], "in2_features": shapes[1][-1]}}


def torch_kinds():
    return sorted(n for n, k in kinds().items() if n.startswith("nn.") and k.example is not None
                  and "unmodelled" not in k.saves)


def _value(v, values):
    """A catalogue example's argument with its symbols' numbers put in."""
    if isinstance(v, str) and v in values:
        return values[v]
    if isinstance(v, dict):
        return {k: _value(x, values) for k, x in v.items()}
    return [_value(x, values) for x in v] if isinstance(v, list) else v


@pytest.mark.parametrize("name", torch_kinds())
def test_each_torch_kind_saves_what_torch_saves(name):
    """The kind's catalogue example as a one-layer network, batch 2, fp32, against the module in train() mode on an
    input that requires grad (token indices for embeddings), cell by cell for recurrent layers (mkldnn off): equal,
    or the difference TORCH_DIFFERENCES explains, exactly."""
    from symparam.spec import from_dict
    from oracle.cases import tupled
    from oracle.torch_facts import _INDEX_INPUTS, _SEQUENCE_FIRST, complete_kwargs

    kind, B = kinds()[name], 2
    args, inputs, values = kind.example
    spec_inputs = inputs if isinstance(inputs, dict) else {"x": inputs}
    layer = {"type": name, **args, **({} if isinstance(inputs, dict) else {"inputs": ["x"]})}
    net = derive(from_dict({"network": {"name": "one", "convention": "torch", "input": spec_inputs},
                            "layers": [layer]}, "<one>"))
    ours = activations(build(resolved(net, values)), B)
    shapes = [tuple(_value(d, values) for d in spec_inputs[n]) for n in (args.get("inputs") or list(spec_inputs))]
    kwargs = complete_kwargs(name, {k: _value(v, values) for k, v in args.items() if k != "inputs"}, shapes[0])
    kwargs = {k: tupled(v) for k, v in {**kwargs, **EXTRA_KWARGS.get(name, lambda s: {})(shapes)}.items()}
    module = getattr(nn, name.removeprefix("nn."))(**kwargs).train()
    at = 1 if name in _SEQUENCE_FIRST and not kwargs.get("batch_first") else 0
    torch.manual_seed(0)
    if name in _INDEX_INPUTS:
        xs = [torch.randint(0, 3, (*s[:at], B, *s[at:])) for s in shapes]
    else:
        xs = [torch.randn((*s[:at], B, *s[at:]), requires_grad=True) for s in shapes]
    with torch.backends.mkldnn.flags(enabled=False):
        theirs = sum(torch_saved(lambda: module(*xs), [*module.parameters(), *module.buffers()]).values())
    extra = TORCH_DIFFERENCES[name][1](shapes, B) if name in TORCH_DIFFERENCES else 0
    assert theirs - ours == extra, (name, kind.saves, ours, theirs)


def test_torch_self_attention_keeps_the_packed_projection():
    """nn.MultiheadAttention on one input projects q, k, v as one packed tensor; k and v are views of it, so its
    storage (q's third included) stays alive beside the scaled q the matmul reads: L·E values more than symparam's
    rule (cross-attention, with separate projections, is equal: the catalogue example above)."""
    L, E, H, B = 5, 8, 2, 2
    spec = f"""[network]\nconvention = "torch"\ninput = [{L}, {E}]
[[layers]]\ntype = "nn.MultiheadAttention"\nnum_heads = {H}\nbatch_first = true\n"""
    torch.manual_seed(0)
    module = nn.MultiheadAttention(E, H, batch_first=True).train()
    x = torch.randn(B, L, E, requires_grad=True)
    theirs = sum(torch_saved(lambda: module(x, x, x), module.parameters()).values())
    assert theirs - activations(account_of(spec), B) == 4 * B * L * E


# --- every Keras kind, one layer, against Keras on the torch backend --------------------------------------------

def _kernels(account, names=("kernel",)) -> int:
    return sum(int(t.variable.size) for layer in account.layers for t in layer.terms
               if t.variable.name.endswith(names))


def _inputs(shapes, B) -> int:
    return B * sum(math.prod(s) for s in shapes.values())


# What Keras (3.15, torch backend, CPU) keeps beyond symparam's rule: (why, extra bytes at batch B, given the
# one-layer account and the input shapes by name).
KERAS_DIFFERENCES = {
    **{name: ("Keras's torch backend hands the convolution a copy of its kernel in torch's layout, which torch "
              "keeps: weight-sized, once per batch, not an activation",
              lambda acc, shapes, B: 4 * _kernels(acc)) for name in ("Conv2D", "Conv3D", "DepthwiseConv2D")},
    "SeparableConv2D": ("as Conv2D, for both kernels",
                        lambda acc, shapes, B: 4 * _kernels(acc, ("depthwise_kernel", "pointwise_kernel"))),
    "GroupQueryAttention": ("the output projection's kernel is reshaped into a copy, once per batch",
                            lambda acc, shapes, B: 4 * _kernels(acc, ("attention_output/kernel",))),
    "PReLU": ("alpha broadcast to the input's shape, once per batch",
              lambda acc, shapes, B: 4 * _kernels(acc, ("alpha",))),
    "Dropout": ("on CPU the dropout noise is kept at 4 bytes a value, not a 1-byte bool mask",
                lambda acc, shapes, B: (4 - 1) * _inputs(shapes, B)),
    "RMSNormalization": ("the composite keeps x·rstd (input-sized) for the scale's gradient; a fused kernel "
                         "does not", lambda acc, shapes, B: 4 * _inputs(shapes, B)),
    "Bidirectional": ("the backward copy reads a time-reversed copy of the input sequence",
                      lambda acc, shapes, B: 4 * _inputs(shapes, B)),
}
# Scalars once per batch (an epsilon, a penalty's sum): under 16 bytes, not modelled.
KERAS_SCALARS = {"UnitNormalization", "ActivityRegularization"}


# Catalogue examples sized for a paper (a 4096-token GQA, a 32000 x 4096 table), run smaller here.
SMALLER = {"GroupQueryAttention": {"seq": 64, "d_model": 256, "d_head": 32, "n_q": 8, "n_kv": 2},
           "ReversibleEmbedding": {"V": 500, "d": 64}}


# The units whose kinds take data (images, audio, values to bin), which needs no gradient.
DATA_MODULES = ("preprocessing", "augmentation", "audio", "discretization", "index_lookup", "hashing",
                "text_vectorization")
# Kinds that take strings or integer ids, not floats: called on a batch of those (TensorFlow runs them, outside
# autograd, so torch keeps nothing, as their `saves` = none says).
TOKEN_INPUTS = {"StringLookup": "string", "TextVectorization": "string", "HashedCrossing": "int"}


def keras_kinds():
    return sorted(n for n, k in kinds().items() if k.convention == "keras" and not k.modelled_on
                  and k.example is not None and k.example[1] is not None and "unmodelled" not in k.saves)


@pytest.mark.parametrize("name", keras_kinds())
def test_each_keras_kind_saves_what_keras_saves(name):
    """The kind's catalogue example as a one-layer network at batch 2, fp32, against the Keras layer called on torch
    tensors (training=True) that require grad: equal, or the difference KERAS_DIFFERENCES explains, exactly.
    Preprocessing and augmentation layers run on data, which needs no gradient: called on such an input, Keras
    keeps nothing, as their `saves` = none says."""
    from symparam.spec import from_dict
    keras_facts = pytest.importorskip("oracle.keras_facts")

    kind, B = kinds()[name], 2
    args, inputs, values = kind.example
    values = {**values, **SMALLER.get(name, {})}
    spec_inputs = inputs if isinstance(inputs, dict) else {"x": inputs}
    layer = {"type": name, **args, **({} if isinstance(inputs, dict) else {"inputs": ["x"]})}
    net = derive(from_dict({"network": {"name": "one", "input": spec_inputs}, "layers": [layer]}, "<one>"))
    account = build(resolved(net, values))
    ours = activations(account, B)
    shapes = {n: tuple(_value(d, values) for d in s) for n, s in spec_inputs.items()}
    data = kind.__module__.rsplit(".", 1)[-1] in DATA_MODULES
    import numpy
    torch.manual_seed(0)
    tensors = {n: (torch.randint(0, 3, (B, *s)) if name in ("Embedding", "ReversibleEmbedding")
                   or TOKEN_INPUTS.get(name) == "int" else numpy.full((B, *s), "a") if name in TOKEN_INPUTS else
                   torch.randn((B, *s), requires_grad=not data)) for n, s in shapes.items()}
    xs = [tensors[n] for n in (args.get("inputs") or list(shapes))]
    built = keras_facts.keras_layer(name, {k: _value(v, values) for k, v in args.items() if k != "inputs"})

    def call():
        if not isinstance(inputs, dict):
            return built(xs[0], training=True)
        return built(*xs, training=True) if name in keras_facts.POSITIONAL else built(xs, training=True)

    call()
    theirs = sum(torch_saved(call, [w.value for w in built.weights]).values())
    if name in KERAS_SCALARS:
        assert 0 < theirs - ours < 16, (name, ours, theirs)
        return
    extra = KERAS_DIFFERENCES[name][1](account, shapes, B) if name in KERAS_DIFFERENCES else 0
    assert theirs - ours == extra, (name, kind.saves, ours, theirs)


def test_a_spec_symbol_named_batch_keeps_its_meaning_and_the_examples_are_compute_batch(run, tmp_path):
    """One batch rule for compute and memory (symparam.compute.take_batch): a spec that declares `batch` binds it as
    any symbol, and the examples are then `compute_batch`; without one, --set batch=N is the examples' count, for
    the FLOPs (which JSON always has) and the memory alike."""
    import json
    spec = tmp_path / "b.toml"
    spec.write_text('[network]\ninput = [8]\n[symbols]\nbatch = { default = 3 }\n[[layers]]\ntype = "Dense"\n'
                    'units = "batch"\n')
    result = run("derive", str(spec), "--json", "--optimizer", "sgd")
    assert result.exit_code == 0, result.err
    assert json.loads(result.output)["memory"]["activations"] == 1 * 4 * 8          # 1 example of 8 inputs
    result = run("derive", str(spec), "--json", "--optimizer", "sgd", "--set", "batch=5", "--set", "compute_batch=3")
    doc = json.loads(result.output)
    assert doc["memory"]["activations"] == 3 * 4 * 8 and doc["total"] == 8 * 5 + 5
    one, five = (json.loads(run("derive", str(EXAMPLES / "cnn.toml"), "--json", *more).output)
                 for more in ((), ("--set", "batch=5")))                             # no --memory: the FLOPs' batch
    assert five["flops"] == 5 * one["flops"]
    assert five["memory"]["weights"] == 4 * five["total"] and one["memory"] == five["memory"]   # no activations


def test_the_api_gives_the_same_memory_as_the_command():
    from symparam.api import load
    net = load(EXAMPLES / "gpt2.toml")
    assert net.memory("fp16").part("kv_cache").bytes == 37_748_736
    m = net.memory("bf16", "adamw", batch=4)
    assert m.training == memory.estimate(account_of(EXAMPLES / "gpt2.toml"), "bf16", "adamw", batch=4).training
    assert '"memory"' in net.render("json", memory=m)
    assert memory.BATCH in net.memory("fp32", "sgd", batch=None).part("activations").bytes.free_symbols
