"""symparam/layers/torch_attention.py against real PyTorch: nn.MultiheadAttention, nn.TransformerEncoderLayer,
nn.TransformerDecoderLayer, nn.Transformer.

torch runs each case forward on zero sequences (time first unless batch_first; tests/oracle/torch_facts.py);
symparam must report the same named_parameters(), buffers, counts and output shape, or refuse where torch
refuses (embed_dim not divisible by num_heads, an input whose features do not match, a Transformer stack of 0
layers, ...). A spec may leave embed_dim / d_model out of the layers that read it from their first input; the
oracle fills it in the same way. One input to nn.MultiheadAttention is self-attention: torch is called (x, x, x).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import maybe, off_by
from symparam.engine import bind
from symparam.errors import SymparamError

from .test_torch_recurrent import CASES, assert_binds_and_renders, symbolic


def self_attention(kwargs: dict[str, Any], shape: tuple) -> Case:
    return Case("nn.MultiheadAttention", kwargs, {"x": shape}, call=("x", "x", "x"))


@st.composite
def mha_cases(draw):
    heads = draw(st.integers(1, 4))
    e = heads * draw(st.integers(1, 8)) if draw(st.integers(0, 7)) else draw(st.integers(1, 32))  # maybe indivisible
    kwargs: dict[str, Any] = {"embed_dim": e, "num_heads": heads}
    maybe(draw, kwargs, "bias", st.booleans())
    maybe(draw, kwargs, "add_bias_kv", st.booleans())
    maybe(draw, kwargs, "add_zero_attn", st.booleans())
    maybe(draw, kwargs, "batch_first", st.booleans())
    maybe(draw, kwargs, "dropout", st.sampled_from([0.0, 0.5]))
    maybe(draw, kwargs, "kdim", st.one_of(st.just(e), st.integers(1, 12)))
    maybe(draw, kwargs, "vdim", st.one_of(st.just(e), st.integers(1, 12)))
    kdim, vdim = kwargs.get("kdim", e), kwargs.get("vdim", e)
    length = draw(st.integers(1, 4))
    wrong = draw(st.integers(0, 9)) == 0
    wrong_query = wrong and draw(st.booleans())
    if not wrong_query and draw(st.booleans()):
        del kwargs["embed_dim"]                                        # inferred from the query
    query = (length, off_by(draw, e) if wrong_query else e)
    if draw(st.booleans()):   # one input: self-attention, torch called as (x, x, x)
        return self_attention(kwargs, query)
    s = draw(st.integers(1, 4))
    key, value = (s, kdim), (s, vdim)
    if wrong and not wrong_query:
        which = draw(st.sampled_from(["key", "value", "length"]))
        if which == "key":
            key = (s, off_by(draw, kdim))
        elif which == "value":
            value = (s, off_by(draw, vdim))
        else:
            value = (off_by(draw, s), vdim)
    return Case("nn.MultiheadAttention", kwargs, {"query": query, "key": key, "value": value})


@st.composite
def transformer_kwargs(draw):
    heads = draw(st.integers(1, 4))
    e = heads * draw(st.integers(1, 4)) if draw(st.integers(0, 7)) else draw(st.integers(1, 16))
    kwargs: dict[str, Any] = {"d_model": e, "nhead": heads, "dim_feedforward": draw(st.integers(1, 16))}
    maybe(draw, kwargs, "bias", st.booleans())
    maybe(draw, kwargs, "norm_first", st.booleans())
    maybe(draw, kwargs, "batch_first", st.booleans())
    maybe(draw, kwargs, "activation", st.sampled_from(["relu", "gelu"]))
    maybe(draw, kwargs, "dropout", st.sampled_from([0.0, 0.1]))
    maybe(draw, kwargs, "layer_norm_eps", st.sampled_from([1e-5, 1e-6]))
    return kwargs


TRANSFORMER_INPUTS = {"nn.TransformerEncoderLayer": ["src"], "nn.TransformerDecoderLayer": ["tgt", "memory"],
                      "nn.Transformer": ["src", "tgt"]}


@st.composite
def transformer_cases(draw, kind: str):
    kwargs = draw(transformer_kwargs())
    e = kwargs["d_model"]
    names = TRANSFORMER_INPUTS[kind]
    shapes = {n: (draw(st.integers(1, 4)), e) for n in names}
    wrong = draw(st.integers(0, 9)) == 0
    if wrong:
        n = draw(st.sampled_from(names))
        shapes[n] = (shapes[n][0], off_by(draw, e))
    if kind == "nn.Transformer":
        kwargs["num_encoder_layers"] = draw(st.integers(0 if draw(st.integers(0, 9)) == 0 else 1, 2))
        kwargs["num_decoder_layers"] = draw(st.integers(0 if draw(st.integers(0, 9)) == 0 else 1, 2))
    if not wrong and kind != "nn.Transformer" and draw(st.booleans()):
        del kwargs["d_model"]                                          # inferred from the first input
    return Case(kind, kwargs, shapes)


GENERATED = {
    "nn.MultiheadAttention": Generated(mha_cases(), 2 * CASES),
    **{kind: Generated(transformer_cases(kind), CASES) for kind in TRANSFORMER_INPUTS},
}

EXAMPLES = [
    self_attention({"num_heads": 2}, (5, 8)),
    Case("nn.MultiheadAttention", {"num_heads": 2, "kdim": 3, "vdim": 5, "add_bias_kv": True},
         {"query": (4, 8), "key": (6, 3), "value": (6, 5)}),
    self_attention({"embed_dim": 6, "num_heads": 4}, (2, 6)),
    self_attention({"num_heads": 2, "kdim": 3}, (2, 8)),
    # torch's defaults: d_model 512, nhead 8 (left out)
    Case("nn.Transformer", {"num_encoder_layers": 1, "num_decoder_layers": 1, "dim_feedforward": 8},
         {"src": (2, 512), "tgt": (3, 512)}),
    Case("nn.Transformer", {"num_encoder_layers": 1, "num_decoder_layers": 1, "dim_feedforward": 8},
         {"src": (2, 64), "tgt": (3, 64)}),
    Case("nn.Transformer", {"d_model": 6, "nhead": 4, "num_encoder_layers": 1, "num_decoder_layers": 1},
         {"src": (2, 6), "tgt": (3, 6)}),
    Case("nn.TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "activation": "tanh"}, {"x": (2, 8)}),
    Case("nn.TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "dropout": 2.0}, {"x": (2, 8)}),
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


# Symbolic sizes and messages (no torch needed)


def test_heads_must_divide_the_width_when_bound():
    net = symbolic("nn.MultiheadAttention", {"num_heads": "h"}, {"x": ["L", "E"]})
    assert bind(net, {"h": 4, "E": 8, "L": 2}).layers[0].params == 4 * 8 * 8 + 4 * 8
    with pytest.raises(SymparamError, match="embed_dim must be divisible by num_heads"):
        bind(net, {"h": 3, "E": 8, "L": 2})


@pytest.mark.parametrize("type_name, kwargs, shapes, message", [
    ("nn.MultiheadAttention", {"num_heads": 2}, {"q": [2, 8], "k": [3, 8]}, "Received: 2 inputs"),
    ("nn.MultiheadAttention", {"num_heads": 2, "kdim": 3}, {"x": [2, 8]}, "with one input, query = key = value"),
    ("nn.Transformer", {"custom_encoder": {"a": 1}}, {"s": [2, 512], "t": [2, 512]}, "custom_encoder is not"),
    ("nn.Transformer", {}, {"s": [2, 64], "t": [2, 64]}, "d_model must equal the input's feature axis"),
    ("nn.TransformerDecoderLayer", {"nhead": 2}, {"t": [2, 8], "m": [2, 6]}, "the memory must have d_model = 8"),
])
def test_mistakes_are_one_line_errors(type_name, kwargs, shapes, message):
    with pytest.raises(SymparamError, match=message) as info:
        symbolic(type_name, kwargs, shapes)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("type_name, kwargs, shapes", [
    ("nn.MultiheadAttention", {"num_heads": "h", "kdim": "d_k", "vdim": "d_v", "add_bias_kv": True},
     {"q": ["L", "E"], "k": ["S", "d_k"], "v": ["S", "d_v"]}),
    ("nn.TransformerDecoderLayer", {"nhead": "h", "dim_feedforward": "d_ff"}, {"t": ["T", "E"], "m": ["S", "E"]}),
    ("nn.Transformer", {"d_model": "E", "nhead": "h", "num_encoder_layers": 2, "num_decoder_layers": 1,
                        "bias": False}, {"s": ["S", "E"], "t": ["T", "E"]}),
])
def test_symbolic_layers_bind_and_render(type_name, kwargs, shapes):
    assert_binds_and_renders(symbolic(type_name, kwargs, shapes))
