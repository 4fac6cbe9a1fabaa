"""Generated single layers per kind family: symparam's forward FLOPs (torch convention) against PyTorch's
FlopCounterMode run live on CPU, on a torch module that computes the same thing (written here from the layers'
definitions), or against hand arithmetic where no torch module does; and the "all" convention's operations by hand.
"""

from __future__ import annotations

import math

import torch
from hypothesis import given, settings, strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from symparam.account import build
from symparam.compute import Options, report
from symparam.engine import derive, resolved
from symparam.spec import from_dict

SETTINGS = settings(max_examples=20, deadline=None)


def torch_flops(module: nn.Module, *inputs) -> int:
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(*inputs)
    return counter.get_total_flops()


def ours(layers: list[dict], inputs, convention: str = "keras", options: Options = Options()):
    network = {"name": "g", "convention": convention, "input": inputs}
    net = derive(from_dict({"network": network, "layers": layers}, "<generated>"))
    return report(build(resolved(net, {})), options)


def flops(layers, inputs, convention="keras", options=Options()) -> int:
    return int(ours(layers, inputs, convention, options).flops.value)


# ---- convolutions, Keras's flavours against the torch convolution that computes them (channels last -> first)

@SETTINGS
@given(rank=st.integers(1, 3), c=st.integers(1, 3), groups=st.integers(1, 2), f=st.integers(1, 3),
       k=st.integers(1, 3), stride=st.integers(1, 2), extra=st.integers(0, 4), same=st.booleans())
def test_keras_convolutions(rank, c, groups, f, k, stride, extra, same):
    c, f, n = c * groups, f * groups, k + extra
    padding = "same" if same and stride == 1 else "valid"
    layer = {"type": f"Conv{rank}D", "filters": f, "kernel_size": k, "strides": stride, "groups": groups,
             "padding": padding}
    module = getattr(nn, f"Conv{rank}d")(c, f, k, stride=stride, groups=groups, padding=padding)
    assert flops([layer], [*[n] * rank, c]) == torch_flops(module, torch.zeros(1, c, *[n] * rank))


@SETTINGS
@given(c=st.integers(1, 4), m=st.integers(1, 3), f=st.integers(1, 4), k=st.integers(1, 3), extra=st.integers(0, 4),
       stride=st.integers(1, 2))
def test_keras_depthwise_and_separable(c, m, f, k, extra, stride):
    n = k + extra
    x = torch.zeros(1, c, n, n)
    depthwise = nn.Conv2d(c, m * c, k, stride=stride, groups=c)
    layer = {"type": "DepthwiseConv2D", "kernel_size": k, "depth_multiplier": m, "strides": stride}
    assert flops([layer], [n, n, c]) == torch_flops(depthwise, x)
    separable = nn.Sequential(depthwise, nn.Conv2d(m * c, f, 1))
    layer = {"type": "SeparableConv2D", "filters": f, "kernel_size": k, "depth_multiplier": m, "strides": stride}
    assert flops([layer], [n, n, c]) == torch_flops(separable, x)


@SETTINGS
@given(rank=st.integers(1, 3), c=st.integers(1, 3), f=st.integers(1, 3), k=st.integers(1, 3),
       stride=st.integers(1, 3), n=st.integers(1, 4))
def test_keras_transposed_convolutions(rank, c, f, k, stride, n):
    layer = {"type": f"Conv{rank}DTranspose", "filters": f, "kernel_size": k, "strides": stride}
    module = getattr(nn, f"ConvTranspose{rank}d")(c, f, k, stride=stride)
    assert flops([layer], [*[n] * rank, c]) == torch_flops(module, torch.zeros(1, c, *[n] * rank))


@SETTINGS
@given(t=st.integers(1, 4), d_in=st.integers(1, 6), d_out=st.integers(1, 6))
def test_einsum_dense_is_its_matmul(t, d_in, d_out):
    layer = {"type": "EinsumDense", "equation": "abc,cd->abd", "output_shape": [t, d_out], "bias_axes": "d"}
    assert flops([layer], [t, d_in]) == torch_flops(nn.Linear(d_in, d_out), torch.zeros(1, t, d_in))


# ---- recurrent layers against the same cells unrolled (the fused nn.LSTM is 0 to the counter on CPU)

class Unrolled(nn.Module):
    def __init__(self, cell: nn.Module, steps: int) -> None:
        super().__init__()
        self.cell, self.steps = cell, steps

    def forward(self, x):
        state = None
        for step in range(self.steps):
            state = self.cell(x[:, step], state)
        return state


@SETTINGS
@given(kind=st.sampled_from(["SimpleRNN", "LSTM", "GRU"]), t=st.integers(1, 5), n_in=st.integers(1, 5),
       units=st.integers(1, 5))
def test_keras_recurrent_layers_are_their_cells_at_every_step(kind, t, n_in, units):
    cell = {"SimpleRNN": nn.RNNCell, "LSTM": nn.LSTMCell, "GRU": nn.GRUCell}[kind](n_in, units)
    assert flops([{"type": kind, "units": units}], [t, n_in]) == torch_flops(Unrolled(cell, t), torch.zeros(1, t, n_in))
    torch_kind = {"SimpleRNN": "nn.RNN", "LSTM": "nn.LSTM", "GRU": "nn.GRU"}[kind]
    assert flops([{"type": torch_kind, "hidden_size": units}], [t, n_in], "torch") == \
        torch_flops(Unrolled(cell, t), torch.zeros(1, t, n_in))


def test_bidirectional_stacked_lstm_with_projection_by_hand():
    """nn.LSTM(num_layers=2, bidirectional, proj_size=P): layer 0 reads n_in, layer 1 reads 2P; each direction's
    state is P wide, projected from H: per step 4H x (width + P) + H x P MACs, two directions, two layers."""
    t, n_in, h, p = 3, 5, 6, 2
    layer = {"type": "nn.LSTM", "hidden_size": h, "num_layers": 2, "bidirectional": True, "proj_size": p}
    macs = 2 * t * ((4 * h * (n_in + p) + h * p) + (4 * h * (2 * p + p) + h * p))
    assert int(ours([layer], [t, n_in], "torch").macs.value) == macs


# ---- attention against the same products written with matmuls

class Heads(nn.Module):
    """Multi-head attention with separate projections (Keras's MultiHeadAttention, GroupQueryAttention with the
    key-value heads repeated for their query heads)."""

    def __init__(self, d_q, d_kv, heads, kv_heads, key_dim, value_dim, d_out) -> None:
        super().__init__()
        self.h, self.kv, self.k, self.v = heads, kv_heads, key_dim, value_dim
        self.query, self.out = nn.Linear(d_q, heads * key_dim), nn.Linear(heads * value_dim, d_out)
        self.key, self.value = nn.Linear(d_kv, kv_heads * key_dim), nn.Linear(d_kv, kv_heads * value_dim)

    def forward(self, q, kv):
        lq, lk = q.shape[1], kv.shape[1]
        qh = self.query(q).view(1, lq, self.h, self.k).transpose(1, 2)
        kh = self.key(kv).view(1, lk, self.kv, self.k).transpose(1, 2).repeat_interleave(self.h // self.kv, 1)
        vh = self.value(kv).view(1, lk, self.kv, self.v).transpose(1, 2).repeat_interleave(self.h // self.kv, 1)
        scores = (qh @ kh.transpose(-2, -1) / math.sqrt(self.k)).softmax(-1)
        return self.out((scores @ vh).transpose(1, 2).reshape(1, lq, self.h * self.v))


@SETTINGS
@given(lq=st.integers(1, 5), lk=st.integers(1, 5), d_q=st.integers(1, 6), d_kv=st.integers(1, 6),
       heads=st.integers(1, 3), key_dim=st.integers(1, 4), value_dim=st.integers(1, 4), d_out=st.integers(1, 5))
def test_multi_head_attention(lq, lk, d_q, d_kv, heads, key_dim, value_dim, d_out):
    layer = {"type": "MultiHeadAttention", "num_heads": heads, "key_dim": key_dim, "value_dim": value_dim,
             "output_shape": d_out, "inputs": ["q", "kv"]}
    module = Heads(d_q, d_kv, heads, heads, key_dim, value_dim, d_out)
    assert flops([layer], {"q": [lq, d_q], "kv": [lk, d_kv]}) == \
        torch_flops(module, torch.zeros(1, lq, d_q), torch.zeros(1, lk, d_kv))


@SETTINGS
@given(length=st.integers(1, 5), kv_heads=st.integers(1, 2), group=st.integers(1, 3), head_dim=st.integers(1, 4),
       d=st.integers(1, 6))
def test_group_query_attention(length, kv_heads, group, head_dim, d):
    heads = kv_heads * group
    layer = {"type": "GroupQueryAttention", "head_dim": head_dim, "num_query_heads": heads,
             "num_key_value_heads": kv_heads, "inputs": ["x", "x"]}
    module = Heads(d, d, heads, kv_heads, head_dim, head_dim, d)
    x = torch.zeros(1, length, d)
    assert flops([layer], {"x": [length, d]}) == torch_flops(module, x, x)


def test_transformer_encoder_layer_by_hand():
    """Self-attention (projections 4·L·E², products 2·L²·E) and the feed-forward block (2·L·E·d_ff) in MACs."""
    length, e, heads, d_ff = 5, 8, 2, 16
    layer = {"type": "nn.TransformerEncoderLayer", "nhead": heads, "dim_feedforward": d_ff}
    assert int(ours([layer], [length, e], "torch").macs.value) == \
        4 * length * e * e + 2 * length * length * e + 2 * length * e * d_ff


# ---- the "all" convention's operations, by hand

def test_all_convention_counts_norms_pooling_merges_and_activations():
    """Input 4x4x2. BatchNormalization: 2 per value (32 values): 64. MaxPooling2D 2x2: 2x2x2 outputs x 4 window
    values: 32. Flatten: 0. Dense 8 -> 3 with relu: 24 MACs (48), 3 bias adds, 3 relus. Total 150."""
    layers = [{"type": "BatchNormalization"}, {"type": "MaxPooling2D", "pool_size": 2}, {"type": "Flatten"},
              {"type": "Dense", "units": 3, "activation": "relu"}]
    assert flops(layers, [4, 4, 2], options=Options("all")) == 64 + 32 + 48 + 3 + 3
    assert flops(layers, [4, 4, 2]) == 48


def test_all_convention_layer_norm_softmax_and_add():
    """(3, 4): LayerNormalization 6 + scale + offset = 8 per value: 96; Softmax 3 per value: 36; Add of two: 12."""
    layers = [{"type": "LayerNormalization", "name": "ln"}, {"type": "Softmax", "name": "sm"},
              {"type": "Add", "inputs": ["ln", "sm"]}]
    assert flops(layers, [3, 4], options=Options("all")) == 96 + 36 + 12


# ---- kinds no torch module computes: hand arithmetic

def test_keras_dot_product_and_additive_attention_by_hand():
    """query (t_q, d), value (t_v, d). Attention (dot, use_scale): QK^T t_q·t_v·d MACs and the scores times the
    values t_q·t_v·d; under "all" also the scale (t_q·t_v) and the softmax (3 per score). AdditiveAttention
    (use_scale): per pair and feature an add, the tanh, the scale, the sum (4), the softmax, then t_q·t_v·d MACs."""
    tq, tv, d = 3, 5, 4
    inputs = {"query": [tq, d], "value": [tv, d]}
    dot = [{"type": "Attention", "use_scale": True, "inputs": ["query", "value"]}]
    assert flops(dot, inputs) == 2 * (2 * tq * tv * d)
    assert flops(dot, inputs, options=Options("all")) == 2 * (2 * tq * tv * d) + tq * tv + 3 * tq * tv
    additive = [{"type": "AdditiveAttention", "inputs": ["query", "value"]}]
    assert flops(additive, inputs) == 2 * tq * tv * d
    assert flops(additive, inputs, options=Options("all")) == 2 * tq * tv * d + 4 * tq * tv * d + 3 * tq * tv


def test_dot_merge_by_hand():
    """Dot(axes=2) of (t_q, d) and (t_k, d): a (t_q, t_k) output, d products each."""
    layer = [{"type": "Dot", "axes": 2, "inputs": ["q", "k"]}]
    assert flops(layer, {"q": [3, 4], "k": [5, 4]}) == 2 * 3 * 5 * 4


def test_conv_lstm_by_hand():
    """ConvLSTM2D, 'valid' 3x3 on 6x6 with C channels, F filters, T steps: the input convolution over the 4x4
    output positions (P x 9 x C x 4F) and the state's 'same' convolution (P x 9 x F x 4F), every step."""
    t, n, c, f = 2, 6, 3, 2
    layer = [{"type": "ConvLSTM2D", "filters": f, "kernel_size": 3}]
    p = (n - 2) ** 2
    assert int(ours(layer, [t, n, n, c]).macs.value) == t * (p * 9 * c * 4 * f + p * 9 * f * 4 * f)


def test_time_distributed_counts_every_step():
    t, n_in, units = 7, 5, 3
    layer = [{"type": "TimeDistributed", "layer": {"type": "Dense", "units": units}}]
    assert int(ours(layer, [t, n_in]).macs.value) == t * n_in * units


def test_mixture_of_experts_counts_the_routed_experts_only_by_hand():
    """L tokens of D features, E experts of intermediate I, top_k k: the router L x D x E, then per token k
    experts of 3 x D x I (gate, up, down) MACs."""
    length, d, e, k, inner = 3, 4, 4, 2, 5
    layer = [{"type": "MixtureOfExperts", "num_experts": e, "top_k": k, "intermediate_size": inner}]
    assert int(ours(layer, [length, d], "torch").macs.value) == length * d * e + length * k * 3 * d * inner


def test_scaled_dot_product_attention_by_hand_the_counter_misses_it_on_cpu():
    """H query heads over KV key-value heads of head size d, L positions: L x L x d per head, twice (QK^T and
    the scores times the values), every query head. FlopCounterMode sees 0 of torch's fused CPU kernel."""
    length, heads, kv, d = 4, 4, 2, 3
    inputs = {"q": [length, heads * d], "k": [length, kv * d], "v": [length, kv * d]}
    layer = [{"type": "ScaledDotProductAttention", "num_heads": heads, "num_kv_heads": kv, "inputs": ["q", "k", "v"]}]
    assert int(ours(layer, inputs, "torch").macs.value) == 2 * heads * length * length * d
    q = torch.zeros(1, heads, length, d)
    sdpa = nn.Module()
    sdpa.forward = lambda q: nn.functional.scaled_dot_product_attention(q, q, q)
    assert torch_flops(sdpa, q) == 0


def test_vit_embeddings_patch_projection_is_its_convolution():
    d, p, side = 8, 4, 8
    conv = nn.Conv2d(3, d, p, stride=p)
    layer = [{"type": "ViTEmbeddings", "hidden_size": d, "patch_size": p}]
    assert flops(layer, [3, side, side], "torch") == torch_flops(conv, torch.zeros(1, 3, side, side))


def test_glu_and_an_opaque_module():
    """nn.GLU on (L, 2n): n sigmoids and n products per row under "all", nothing under torch. nn.Module has no
    rules: its arithmetic, and so the network's FLOPs, are unknown (None), not 0."""
    assert flops([{"type": "nn.GLU"}], [2, 6], "torch", Options("all")) == 2 * 3 + 2 * 3
    unknown = ours([{"type": "nn.Module", "parameters": {"w": [4]}}], [4], "torch")
    assert unknown.flops is None and unknown.layers[0].macs is None
