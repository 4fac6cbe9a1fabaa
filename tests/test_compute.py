"""Forward FLOPs equal to PyTorch's own counter (torch.utils.flop_counter.FlopCounterMode), run live on CPU, per layer
(its per-module breakdown) and in total: the lesson's CNN at 32x32 and 224x224, torchvision's ResNet-50 and VGG-16
at 224x224 and a GPT-2 small written in plain torch at n_ctx 1024 (attention by matmuls), each through its gallery
spec; training FLOPs (forward + backward) against the counter where it is right, against hand arithmetic written
here where it is not (grouped-convolution backward, LSTM on CPU); generated single layers per family.

The models are written here in plain torch from the architectures' definitions, not from symparam's output."""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings, strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from symparam.account import build
from symparam.compute import Options, report
from symparam.engine import derive, derive_file, resolved
from symparam.spec import from_dict

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def counted(module: nn.Module, *inputs, backward: bool = False) -> dict[str, int]:
    """FlopCounterMode's FLOPs per module (keys as it names them: "Sequential.Conv1") and "Global"."""
    with FlopCounterMode(display=False) as counter:
        if backward:
            module(*inputs).sum().backward()
        else:
            with torch.no_grad():
                module(*inputs)
    return {"Global": 0, **{key: sum(ops.values()) for key, ops in counter.get_flop_counts().items()}}


def compute_of(path, options: Options = Options(), **values):
    return report(build(derive_file(str(path), values)), options)


def value(quantity) -> int:
    return int(quantity.value)


# ---- the lesson's CNN (examples/cnn.toml): Keras's Conv2D 'same' is padding 1 for a 3x3 kernel, 0 for 1x1

def lesson_cnn() -> nn.Module:
    return nn.Sequential(OrderedDict(
        Conv1=nn.Conv2d(3, 32, 3, padding=1), relu1=nn.ReLU(), Conv2=nn.Conv2d(32, 64, 3, padding=1),
        relu2=nn.ReLU(), Max1=nn.MaxPool2d(2), Conv3=nn.Conv2d(64, 128, 3, padding=1), relu3=nn.ReLU(),
        Conv4=nn.Conv2d(128, 256, 1), relu4=nn.ReLU(), GAP1=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten(),
        Dense1=nn.Linear(256, 10), relu5=nn.ReLU(), Output=nn.Linear(10, 10), softmax=nn.Softmax(-1)))


@pytest.mark.parametrize("img_size", [32, 224])
def test_lesson_cnn_forward_flops_equal_flop_counter_per_layer_and_total(img_size):
    torch_counts = counted(lesson_cnn(), torch.zeros(1, 3, img_size, img_size))
    ours = compute_of(EXAMPLES / "cnn.toml", img_size=img_size)
    for layer in ours.layers:
        assert value(layer.flops) == torch_counts.get(f"Sequential.{layer.name}", 0), layer.name
    assert value(ours.flops) == torch_counts["Global"]


def test_lesson_cnn_training_flops_equal_flop_counter_forward_and_backward():
    """Backward: grad weight and grad input for each convolution and dense layer, but Conv1's input (the image)
    needs no gradient, so Conv1 has only its grad weight: training = 3 x forward - Conv1's forward."""
    torch_counts = counted(lesson_cnn(), torch.zeros(1, 3, 32, 32), backward=True)
    ours = compute_of(EXAMPLES / "cnn.toml")
    for layer in ours.layers:
        assert value(layer.training) == torch_counts.get(f"Sequential.{layer.name}", 0), layer.name
    assert value(ours.training) == torch_counts["Global"]
    assert value(ours.training) == 3 * value(ours.flops) - value(ours.layer("Conv1").flops)


def test_batch_multiplies_every_count_and_matches_the_counter():
    torch_counts = counted(lesson_cnn(), torch.zeros(3, 3, 32, 32))
    assert value(compute_of(EXAMPLES / "cnn.toml", Options(batch=3)).flops) == torch_counts["Global"]


# ---- torchvision's ResNet-50 and VGG-16 at 224x224

@pytest.fixture(scope="module")
def torchvision():
    from oracle.torchvision_compat import import_torchvision
    return import_torchvision()   # the registry's CUDA-built wheel beside the CPU torch: see that module


def test_resnet50_forward_flops_equal_flop_counter_per_layer_and_total(torchvision):
    """examples/resnet50_torch.toml names its layers as torchvision's modules (layer1.0.conv1, ...)."""
    model = torchvision.models.resnet50().eval()
    torch_counts = counted(model, torch.zeros(1, 3, 224, 224))
    ours = compute_of(EXAMPLES / "resnet50_torch.toml")
    for layer in ours.layers:
        assert value(layer.flops) == torch_counts.get(f"ResNet.{layer.name}", 0), layer.name
    assert value(ours.flops) == torch_counts["Global"]
    assert value(ours.macs) * 2 == torch_counts["Global"]


@pytest.mark.parametrize("variant, blocks", [("densenet121", (6, 12, 24, 16)), ("densenet169", (6, 12, 32, 32))])
def test_densenet_family_forward_flops_equal_flop_counter(torchvision, variant, blocks):
    """examples/densenet.toml's dense blocks are copies that grow (channels c0 + i*growth_rate): their FLOPs are
    closed-form sums over the copy index, equal to what the counter sees on torchvision's DenseNet, whose
    convolutions and classifier are Keras's (torchvision's pooling and batch norms count nothing here)."""
    model = getattr(torchvision.models, variant)().eval()
    torch_counts = counted(model, torch.zeros(1, 3, 224, 224))
    ours = compute_of(EXAMPLES / "densenet.toml", **{f"blocks{i + 1}": n for i, n in enumerate(blocks)})
    assert value(ours.flops) == torch_counts["Global"]


def test_vgg16_forward_flops_equal_flop_counter_per_layer_and_total(torchvision):
    """examples/vgg16.toml is Keras's VGG16 (names block1_conv1 ... predictions); torchvision's holds the same
    convolutions and dense layers in the same order (features.0, ..., classifier.6)."""
    model = torchvision.models.vgg16().eval()
    torch_counts = counted(model, torch.zeros(1, 3, 224, 224))
    torch_layers = [f"VGG.{name}" for name, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    ours = compute_of(EXAMPLES / "vgg16.toml")
    counting = [layer for layer in ours.layers if layer.type in ("Conv2D", "Dense")]
    assert len(counting) == len(torch_layers) == 16
    for layer, key in zip(counting, torch_layers):
        assert value(layer.flops) == torch_counts[key], layer.name
    assert all(value(layer.flops) == 0 for layer in ours.layers if layer not in counting)
    assert value(ours.flops) == torch_counts["Global"]


# ---- GPT-2 small in plain torch (attention by matmuls, so that FlopCounterMode sees its two products)

class Attention(nn.Module):
    def __init__(self, d: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value, self.out = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x):
        t, d = x.shape[1], x.shape[2]
        q, k, v = (p(x).view(1, t, self.heads, d // self.heads).transpose(1, 2) for p in (self.query, self.key,
                                                                                         self.value))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(d // self.heads)
        y = scores.softmax(-1) @ v
        return self.out(y.transpose(1, 2).reshape(1, t, d))


class Block(nn.Module):
    def __init__(self, d: int, heads: int) -> None:
        super().__init__()
        self.ln_1, self.attn, self.ln_2 = nn.LayerNorm(d), Attention(d, heads), nn.LayerNorm(d)
        self.mlp_fc, self.mlp_proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp_proj(nn.functional.gelu(self.mlp_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, vocab=50257, n_ctx=1024, d=768, heads=12, layers=12) -> None:
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(n_ctx, d)
        self.h = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.lm_head.weight = self.wte.weight

    def forward(self, tokens):
        x = self.wte(tokens) + self.wpe(torch.arange(tokens.shape[1]))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def test_gpt2_small_forward_flops_equal_flop_counter_per_layer_and_total():
    model = GPT()
    assert sum(p.numel() for p in model.parameters()) == 124_439_808   # the published GPT-2 small
    torch_counts = counted(model, torch.zeros(1, 1024, dtype=torch.long))
    ours = compute_of(EXAMPLES / "gpt2.toml")
    for layer in ours.layers:
        if layer.name.startswith("h/"):
            inner = layer.name.removeprefix("h/")
            theirs = sum(torch_counts.get(f"GPT.h.{i}.{inner}", 0) for i in range(12))
        else:
            theirs = torch_counts.get(f"GPT.{layer.name}", 0)
        assert value(layer.flops) == theirs, layer.name
    assert value(ours.flops) == torch_counts["Global"]


# ---- generated single layers against the counter (PyTorch dialect: the same arguments on both sides)

def _layer_flops(doc: dict, options: Options = Options()):
    net = derive(from_dict(doc, "<generated>"))
    return report(build(resolved(net, {})), options)


@settings(max_examples=25, deadline=None)
@given(rank=st.integers(1, 3), c_in=st.integers(1, 4), groups=st.integers(1, 3), c_out=st.integers(1, 4),
       kernel=st.integers(1, 3), stride=st.integers(1, 2), dilation=st.integers(1, 2), padding=st.integers(0, 2),
       extra=st.integers(0, 5), transposed=st.booleans(), bias=st.booleans())
def test_generated_convolutions_count_as_flop_counter(rank, c_in, groups, c_out, kernel, stride, dilation, padding,
                                                     extra, transposed, bias):
    c_in, c_out = c_in * groups, c_out * groups
    n = dilation * (kernel - 1) + 1 + extra
    kind = f"ConvTranspose{rank}d" if transposed else f"Conv{rank}d"
    args = {"in_channels": c_in, "out_channels": c_out, "kernel_size": kernel, "stride": stride,
            "dilation": dilation, "groups": groups, "bias": bias}
    if not transposed:
        args["padding"] = padding
    module = getattr(nn, kind)(**args)
    doc = {"network": {"name": "g", "convention": "torch", "input": [c_in, *[n] * rank]},
           "layers": [{"type": f"nn.{kind}", **args}]}
    ours = _layer_flops(doc)
    assert value(ours.flops) == counted(module, torch.zeros(1, c_in, *[n] * rank))["Global"]


@settings(max_examples=25, deadline=None)
@given(lead=st.lists(st.integers(1, 4), max_size=2), n_in=st.integers(1, 9), n_out=st.integers(1, 9),
       bias=st.booleans())
def test_generated_linear_on_any_rank_counts_as_flop_counter(lead, n_in, n_out, bias):
    module = nn.Linear(n_in, n_out, bias=bias)
    doc = {"network": {"name": "g", "convention": "torch", "input": [*lead, n_in]},
           "layers": [{"type": "nn.Linear", "out_features": n_out, "bias": bias}]}
    x = torch.zeros(1, *lead, n_in)
    assert value(_layer_flops(doc).flops) == counted(module, x)["Global"]
    keras = {"network": {"name": "g", "input": [*lead, n_in]}, "layers": [{"type": "Dense", "units": n_out}]}
    assert value(_layer_flops(keras).flops) == counted(module, x)["Global"]


# ---- where FlopCounterMode is wrong: hand arithmetic

def test_grouped_convolution_backward_is_twice_forward_not_the_counters_groups_times_more():
    """FlopCounterMode's convolution_backward counts grad weight as a full (ungrouped) convolution: `groups` times
    the true products. Each grad (input, weight) is exactly the forward's H_out*W_out*k*k*(C_in/g)*C_out MACs."""
    c, g, n, k = 8, 4, 6, 3
    module = nn.Conv2d(c, c, k, groups=g, bias=False)
    x = torch.zeros(1, c, n, n)      # the data: no gradient
    doc = {"network": {"name": "g", "convention": "torch", "input": [c, n, n]},
           "layers": [{"type": "nn.Conv2d", "in_channels": c, "out_channels": c, "kernel_size": k, "groups": g,
                       "bias": False}]}
    ours = _layer_flops(doc)
    macs = (n - k + 1) ** 2 * k * k * (c // g) * c      # 16 positions x 9 taps x 2 x 8 = 2,304
    assert value(ours.macs) == macs
    assert value(ours.flops) == 2 * macs
    assert value(ours.backward) == 2 * macs            # grad weight only: the data needs no gradient
    torch_weight_grad = counted(module, x, backward=True)["Global"] - 2 * macs    # its forward is right
    assert torch_weight_grad == g * 2 * macs             # the counter's grad weight, groups times too many
    ungrouped = nn.Conv2d(c, c, k, bias=False)           # ...and right without groups
    assert counted(ungrouped, x, backward=True)["Global"] == value(_layer_flops(
        {**doc, "layers": [{**doc["layers"][0], "groups": 1}]}).training)


def test_lstm_counts_every_gate_and_both_biases_where_the_counter_says_zero():
    """FlopCounterMode on CPU sees no aten.mm in nn.LSTM (one fused kernel): it reports 0. By hand, per time step,
    x W_ih^T is n_in x 4H MACs and h W_hh^T is H x 4H; T steps of each."""
    t, n_in, h = 7, 5, 6
    assert counted(nn.LSTM(n_in, h), torch.zeros(t, 1, n_in))["Global"] == 0
    doc = {"network": {"name": "g", "convention": "torch", "input": [t, n_in]},
           "layers": [{"type": "nn.LSTM", "hidden_size": h}]}
    ours = _layer_flops(doc)
    assert value(ours.macs) == t * (n_in * 4 * h + h * 4 * h)
    every = _layer_flops(doc, Options("all"))
    biases = t * 2 * 4 * h                               # bias_ih and bias_hh, each 4H, every step
    adds = t * (4 * h + 4 * h)                           # x W + h U per gate value; c = f*c + i*g, h = o*tanh(c)
    activations = t * 5 * h                              # sigmoid on i, f, o; tanh on g and on c
    assert value(every.flops) == 2 * value(ours.macs) + biases + adds + activations


class Weighted(nn.Module):
    """nn.MultiheadAttention called with need_weights set."""

    def __init__(self, module: nn.Module, need_weights: bool) -> None:
        super().__init__()
        self.module, self.need_weights = module, need_weights

    def forward(self, *x):
        return self.module(*x, need_weights=self.need_weights)[0]


def test_attention_counts_both_products_and_the_causal_mask_keeps_the_lower_triangle():
    """By hand: QK^T is L x S x E/h MACs per head, h heads: L*S*E; scores x values the same. The counter sees the
    two products when nn.MultiheadAttention returns its weights (torch computes them with bmm); with
    need_weights=False torch calls scaled_dot_product_attention, whose CPU kernel the counter does not see: it
    counts the projections only."""
    l, e, heads = 6, 8, 2
    doc = {"network": {"name": "g", "convention": "torch", "input": [l, e]},
           "layers": [{"type": "nn.MultiheadAttention", "num_heads": heads}]}
    ours = _layer_flops(doc)
    projections = l * e * 3 * e + l * e * e
    assert value(ours.macs) == projections + 2 * l * l * e
    module = nn.MultiheadAttention(e, heads, batch_first=True)
    x = torch.zeros(1, l, e)
    assert counted(Weighted(module, True), x, x, x)["Global"] == value(ours.flops)
    assert counted(Weighted(module, False), x, x, x)["Global"] == 2 * projections   # the fused kernel: unseen
    causal = _layer_flops(doc, Options(causal=True))
    assert value(causal.macs) == projections + 2 * (l * (l + 1) // 2) * e


def test_conventions_macs_and_all_on_a_hand_derived_network():
    """Dense 4 -> 3 with ReLU on a 4-vector: 12 MACs; 3 bias adds; 3 ReLUs. torch: 24, macs: 12, all: 24 + 6."""
    doc = {"network": {"name": "g", "input": [4]}, "layers": [{"type": "Dense", "units": 3, "activation": "relu"}]}
    assert [value(_layer_flops(doc, Options(c)).flops) for c in ("torch", "macs", "all")] == [24, 12, 30]


def test_a_symbolic_count_is_a_polynomial_that_binds_to_the_numbers():
    net = derive_file(str(EXAMPLES / "gpt2.toml"), use_defaults=False)
    ours = report(build(net))
    bound = report(build(derive_file(str(EXAMPLES / "gpt2.toml"))))
    values = {s: bound.account.net.symbols.resolve({})[s.name] for s in ours.flops.value.free_symbols}
    assert ours.flops.value.xreplace(values) == bound.flops.value


def test_the_api_reports_and_renders_compute():
    from symparam.api import load
    net = load(str(EXAMPLES / "cnn.toml"))
    counts = net.compute(batch=2)
    assert value(counts.flops) == 2 * value(compute_of(EXAMPLES / "cnn.toml").flops)
    assert f"FLOPs (forward): {value(counts.flops):,}" in net.render("table", compute=counts)
    assert "Multiply-accumulates (MACs):" in net.render("markdown", compute=counts)
