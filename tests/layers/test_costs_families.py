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
