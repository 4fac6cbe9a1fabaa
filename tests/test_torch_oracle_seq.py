"""PyTorch is the oracle for the recurrent and attention kinds of the nn.* dialect (nn.RNN, nn.LSTM, nn.GRU,
nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.TransformerDecoderLayer, nn.Transformer).

For every generated configuration symparam must report exactly what torch builds: named_parameters() (name,
shape, requires_grad) in order, named_buffers(), the counts, and the shape of forward()'s first output on zero
tensors with a batch of 2 (eval(), no_grad(), batch axis dropped). Where torch refuses (at construction or in
forward: proj_size >= hidden_size, embed_dim not divisible by num_heads, an input whose features do not match,
a Transformer stack of 0 layers, ...) symparam must refuse with SymparamError.

The oracle helper is local to this file (torch_facts below). The oracle tests skip when torch is absent; the
symbolic tests at the end do not need it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import pytest
import sympy
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from symparam.engine import bind, derive
from symparam.errors import SymparamError
from symparam.spec import from_dict

BATCH = 2
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
CASES = 60


# --------------------------------------------------------------------------------------------
# The oracle: what torch builds
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    output_shape: tuple[int, ...]                          # forward()'s first output, without the batch axis
    parameters: tuple[tuple[str, tuple[int, ...], bool], ...]   # named_parameters(): name, shape, requires_grad
    buffers: tuple[tuple[str, tuple[int, ...]], ...]        # named_buffers()
    params: int
    trainable: int


class TorchRefused(Exception):
    """torch rejects the configuration, at construction or in forward()."""


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="the PyTorch oracle needs torch (pip install '.[oracle]')")


def torch_facts(torch, type_name: str, kwargs: dict[str, Any], shapes: list[tuple[int, ...]]) -> Facts:
    """Build torch.nn.<Class>(**kwargs) and run it on zero sequences of `shapes` (no batch axis)."""
    cls = getattr(torch.nn, type_name.removeprefix("nn."))
    batch_axis = 0 if kwargs.get("batch_first") else 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # dropout with one layer, enable_nested_tensor: advice, not refusals
        try:
            module = cls(**kwargs)
        except (ValueError, TypeError, AssertionError, RuntimeError) as exc:
            raise TorchRefused(f"{type_name}({kwargs}): {type(exc).__name__}: {exc}") from exc
        parameters = tuple((n, tuple(p.shape), p.requires_grad) for n, p in module.named_parameters())
        buffers = tuple((n, tuple(t.shape)) for n, t in module.named_buffers())
        module.eval()
        xs = [torch.zeros(*s[:batch_axis], BATCH, *s[batch_axis:]) for s in shapes]
        try:
            with torch.no_grad():
                out = module(*xs)
        except (ValueError, AssertionError, RuntimeError, IndexError) as exc:
            raise TorchRefused(f"{type_name}({kwargs}) on {shapes}: {type(exc).__name__}: {exc}") from exc
    if isinstance(out, tuple):
        out = out[0]
    dims = list(out.shape)
    assert dims[batch_axis] == BATCH, (type_name, kwargs, shapes, dims)
    del dims[batch_axis]
    return Facts(tuple(dims), parameters, buffers, sum(math.prod(s) for _, s, _ in parameters),
                 sum(math.prod(s) for _, s, g in parameters if g))


def symparam_facts(type_name: str, kwargs: dict[str, Any], shapes: dict[str, tuple[int, ...]]) -> Facts:
    document = {"network": {"name": "oracle", "convention": "torch", "input": {n: list(s) for n, s in shapes.items()}},
                "layers": [{"type": type_name, "inputs": list(shapes), **kwargs}]}
    rec = derive(from_dict(document, "<oracle>")).layers[0]
    return Facts(tuple(int(d) for d in rec.output_shape),
                 tuple((v.name, tuple(int(d) for d in v.shape), v.trainable) for v in rec.variables if not v.buffer),
                 tuple((v.name, tuple(int(d) for d in v.shape)) for v in rec.variables if v.buffer),
                 int(rec.params), int(rec.trainable))


COMPARED = {"accepted": 0, "refused": 0}


def assert_matches_torch(torch, type_name: str, torch_kwargs: dict[str, Any], spec_kwargs: dict[str, Any],
                         shapes: dict[str, tuple[int, ...]], torch_inputs: list[str] | None = None) -> None:
    """symparam (spec_kwargs, inputs `shapes`) agrees with torch (torch_kwargs, called on `torch_inputs`)."""
    call = [shapes[n] for n in (torch_inputs or list(shapes))]
    case = f"{type_name} torch{torch_kwargs} symparam{spec_kwargs} on {shapes}"
    try:
        expected = torch_facts(torch, type_name, torch_kwargs, call)
    except TorchRefused as refused:
        COMPARED["refused"] += 1
        try:
            got = symparam_facts(type_name, spec_kwargs, shapes)
        except SymparamError:
            return
        pytest.fail(f"torch refuses but symparam accepts: {case}\n  torch: {refused}\n  symparam: {got}")
    COMPARED["accepted"] += 1
    try:
        got = symparam_facts(type_name, spec_kwargs, shapes)
    except SymparamError as exc:
        pytest.fail(f"torch accepts but symparam refuses: {case}\n  symparam: {exc}\n  torch: {expected}")
    assert got.parameters == expected.parameters, f"parameters differ for {case}"
    assert got.buffers == expected.buffers, f"buffers differ for {case}"
    assert (got.params, got.trainable) == (expected.params, expected.trainable), f"counts differ for {case}"
    assert got.output_shape == expected.output_shape, f"output shape differs for {case}"


def maybe(draw, kwargs: dict[str, Any], key: str, strategy) -> None:
    """Set kwargs[key], or leave it out so torch's default applies."""
    if draw(st.booleans()):
        kwargs[key] = draw(strategy)


def off_by(draw, value: int) -> int:
    """A wrong size, for refusal parity: value plus or minus a little (never 0)."""
    return draw(st.sampled_from([v for v in (value - 1, value + 1, value + 3) if v >= 1]))


# --------------------------------------------------------------------------------------------
# nn.RNN, nn.LSTM, nn.GRU
# --------------------------------------------------------------------------------------------


@st.composite
def rnn_cases(draw, kind: str):
    hidden, n_in, length = draw(st.integers(1, 10)), draw(st.integers(1, 10)), draw(st.integers(1, 4))
    kwargs: dict[str, Any] = {"input_size": n_in, "hidden_size": hidden}
    maybe(draw, kwargs, "num_layers", st.integers(1, 2))
    maybe(draw, kwargs, "bias", st.booleans())
    maybe(draw, kwargs, "batch_first", st.booleans())
    maybe(draw, kwargs, "bidirectional", st.booleans())
    maybe(draw, kwargs, "dropout", st.sampled_from([0.0, 0.25, 1.0]))
    if kind == "nn.RNN":
        maybe(draw, kwargs, "nonlinearity", st.sampled_from(["tanh", "relu"]))
    if kind == "nn.LSTM":
        maybe(draw, kwargs, "proj_size", st.integers(0, hidden + 1))   # >= hidden_size: torch refuses
    wrong = draw(st.integers(0, 9)) == 0
    features = off_by(draw, n_in) if wrong else n_in
    spec = dict(kwargs)
    if not wrong and draw(st.booleans()):
        del spec["input_size"]                                         # inferred from the input
    return kwargs, spec, {"x": (length, features)}


@pytest.mark.parametrize("kind", ["nn.RNN", "nn.LSTM", "nn.GRU"])
def test_recurrent_matches_torch(torch, kind):
    @settings(max_examples=CASES, **SETTINGS)
    @given(rnn_cases(kind))
    @example(({"input_size": 3, "hidden_size": 4}, {"hidden_size": 4}, {"x": (5, 3)}))
    @example(({"input_size": 3, "hidden_size": 4, "num_layers": 2, "bidirectional": True},
              {"hidden_size": 4, "num_layers": 2, "bidirectional": True}, {"x": (5, 3)}))
    def check(case):
        torch_kwargs, spec, shapes = case
        assert_matches_torch(torch, kind, torch_kwargs, spec, shapes)
    check()


@pytest.mark.parametrize("case", [
    ({"input_size": 3, "hidden_size": 8, "proj_size": 4, "num_layers": 2, "bidirectional": True}, (5, 3)),
    ({"input_size": 3, "hidden_size": 4, "proj_size": 4}, (5, 3)),            # proj_size == hidden_size: refused
    ({"input_size": 3, "hidden_size": 4, "proj_size": 3, "bias": False}, (2, 3)),
    ({"input_size": 3, "hidden_size": 4, "num_layers": 0}, (2, 3)),           # torch: num_layers > 0
    ({"input_size": 3, "hidden_size": 4, "dropout": 1.5}, (2, 3)),            # torch: dropout in [0, 1]
    ({"input_size": 3, "hidden_size": 4}, (2, 4)),                            # input_size disagrees
])
def test_lstm_edges_match_torch(torch, case):
    kwargs, shape = case
    assert_matches_torch(torch, "nn.LSTM", kwargs, kwargs, {"x": shape})


# --------------------------------------------------------------------------------------------
# nn.MultiheadAttention
# --------------------------------------------------------------------------------------------


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
    spec = dict(kwargs)
    if not wrong_query and draw(st.booleans()):
        del spec["embed_dim"]                                          # inferred from the query
    query = (length, off_by(draw, e) if wrong_query else e)
    if draw(st.booleans()):   # one input: self-attention, torch called as (x, x, x)
        return kwargs, spec, {"x": query}, ["x", "x", "x"]
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
    return kwargs, spec, {"query": query, "key": key, "value": value}, None


@settings(max_examples=2 * CASES, **SETTINGS)
@given(mha_cases())
@example(({"embed_dim": 8, "num_heads": 2}, {"num_heads": 2}, {"x": (5, 8)}, ["x", "x", "x"]))
@example(({"embed_dim": 8, "num_heads": 2, "kdim": 3, "vdim": 5, "add_bias_kv": True},
          {"num_heads": 2, "kdim": 3, "vdim": 5, "add_bias_kv": True},
          {"query": (4, 8), "key": (6, 3), "value": (6, 5)}, None))
@example(({"embed_dim": 6, "num_heads": 4}, {"embed_dim": 6, "num_heads": 4}, {"x": (2, 6)}, ["x", "x", "x"]))
@example(({"embed_dim": 8, "num_heads": 2, "kdim": 3}, {"num_heads": 2, "kdim": 3}, {"x": (2, 8)}, ["x", "x", "x"]))
def test_multihead_attention_matches_torch(torch, case):
    kwargs, spec, shapes, call = case
    assert_matches_torch(torch, "nn.MultiheadAttention", kwargs, spec, shapes, call)


# --------------------------------------------------------------------------------------------
# nn.TransformerEncoderLayer, nn.TransformerDecoderLayer, nn.Transformer
# --------------------------------------------------------------------------------------------


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


@st.composite
def transformer_cases(draw, kind: str):
    kwargs = draw(transformer_kwargs())
    e = kwargs["d_model"]
    names = {"nn.TransformerEncoderLayer": ["src"], "nn.TransformerDecoderLayer": ["tgt", "memory"],
             "nn.Transformer": ["src", "tgt"]}[kind]
    shapes = {n: (draw(st.integers(1, 4)), e) for n in names}
    wrong = draw(st.integers(0, 9)) == 0
    if wrong:
        n = draw(st.sampled_from(names))
        shapes[n] = (shapes[n][0], off_by(draw, e))
    if kind == "nn.Transformer":
        kwargs["num_encoder_layers"] = draw(st.integers(0 if draw(st.integers(0, 9)) == 0 else 1, 2))
        kwargs["num_decoder_layers"] = draw(st.integers(0 if draw(st.integers(0, 9)) == 0 else 1, 2))
    spec = dict(kwargs)
    if not wrong and kind != "nn.Transformer" and draw(st.booleans()):
        del spec["d_model"]                                            # inferred from the first input
    return kwargs, spec, shapes


@pytest.mark.parametrize("kind", ["nn.TransformerEncoderLayer", "nn.TransformerDecoderLayer", "nn.Transformer"])
def test_transformer_matches_torch(torch, kind):
    @settings(max_examples=CASES, **SETTINGS)
    @given(transformer_cases(kind))
    def check(case):
        kwargs, spec, shapes = case
        assert_matches_torch(torch, kind, kwargs, spec, shapes)
    check()


@pytest.mark.parametrize("kwargs, shapes", [
    # torch's defaults: d_model 512, nhead 8 (left out on both sides)
    ({"num_encoder_layers": 1, "num_decoder_layers": 1, "dim_feedforward": 8}, {"src": (2, 512), "tgt": (3, 512)}),
    ({"num_encoder_layers": 1, "num_decoder_layers": 1, "dim_feedforward": 8}, {"src": (2, 64), "tgt": (3, 64)}),
    ({"d_model": 6, "nhead": 4, "num_encoder_layers": 1, "num_decoder_layers": 1}, {"src": (2, 6), "tgt": (3, 6)}),
])
def test_transformer_defaults_match_torch(torch, kwargs, shapes):
    assert_matches_torch(torch, "nn.Transformer", kwargs, kwargs, shapes)


@pytest.mark.parametrize("kind, kwargs", [
    ("nn.TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "activation": "tanh"}),
    ("nn.TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "dropout": 2.0}),
    ("nn.RNN", {"input_size": 3, "hidden_size": 4, "nonlinearity": "sigmoid"}),
    ("nn.RNN", {"input_size": 3, "hidden_size": 4, "nonlinearity": "Tanh"}),
])
def test_refused_arguments_match_torch(torch, kind, kwargs):
    assert_matches_torch(torch, kind, kwargs, kwargs, {"x": (2, kwargs.get("d_model", 3))})


def test_rnn_refuses_proj_size_like_torch(torch):
    with pytest.raises(ValueError, match="only supported for LSTM"):
        torch.nn.GRU(3, 4, proj_size=2)
    with pytest.raises(SymparamError, match="has no argument 'proj_size'"):
        symparam_facts("nn.GRU", {"hidden_size": 4, "proj_size": 2}, {"x": (2, 3)})


# --------------------------------------------------------------------------------------------
# Symbolic sizes and messages (no torch needed)
# --------------------------------------------------------------------------------------------


def symbolic(type_name: str, kwargs: dict[str, Any], shapes: dict[str, list]):
    document = {"network": {"name": "s", "convention": "torch", "input": shapes},
                "layers": [{"type": type_name, "inputs": list(shapes), **kwargs}]}
    return derive(from_dict(document, "<symbolic>"))


def test_lstm_count_is_the_textbook_formula():
    net = symbolic("nn.LSTM", {"hidden_size": "H", "num_layers": 2, "bidirectional": True}, {"x": ["L", "n"]})
    layer = net.layers[0]
    h, n = sympy.Symbol("H", integer=True, positive=True), sympy.Symbol("n", integer=True, positive=True)
    # layer 0: 2 directions of 4H(n + H) + 8H; layer 1 reads 2H features
    assert sympy.expand(layer.params - (2 * (4 * h * (n + h) + 8 * h) + 2 * (4 * h * (2 * h + h) + 8 * h))) == 0
    assert layer.output_shape == (sympy.Symbol("L", integer=True, positive=True), 2 * h)


def test_proj_size_condition_is_checked_when_bound():
    net = symbolic("nn.LSTM", {"hidden_size": "H", "proj_size": "P"}, {"x": ["L", 8]})
    assert any(c.key == "proj_size" for _, c in net.assumptions)
    assert bind(net, {"H": 8, "P": 4, "L": 3}).layers[0].output_shape == (3, 4)
    with pytest.raises(SymparamError, match="proj_size must be smaller than hidden_size"):
        bind(net, {"H": 4, "P": 4, "L": 3})


def test_heads_must_divide_the_width_when_bound():
    net = symbolic("nn.MultiheadAttention", {"num_heads": "h"}, {"x": ["L", "E"]})
    assert bind(net, {"h": 4, "E": 8, "L": 2}).layers[0].params == 4 * 8 * 8 + 4 * 8
    with pytest.raises(SymparamError, match="embed_dim must be divisible by num_heads"):
        bind(net, {"h": 3, "E": 8, "L": 2})


def test_unknown_sequence_length_flows_through():
    net = symbolic("nn.GRU", {"hidden_size": 4}, {"x": ["none", 3]})
    assert net.layers[0].output_shape == (None, 4)


@pytest.mark.parametrize("type_name, kwargs, shapes, message", [
    ("nn.MultiheadAttention", {"num_heads": 2}, {"q": [2, 8], "k": [3, 8]}, "Received: 2 inputs"),
    ("nn.MultiheadAttention", {"num_heads": 2, "kdim": 3}, {"x": [2, 8]}, "with one input, query = key = value"),
    ("nn.LSTM", {"hidden_size": 4}, {"x": [2, 3, 5]}, r"expects an input of shape \(L, features\)"),
    ("nn.LSTM", {"hidden_size": 4}, {"x": [2, "none"]}, "feature axis of an input to have a known length"),
    ("nn.LSTM", {"hidden_size": 4, "input_size": 5}, {"x": [2, 3]}, "input_size must equal the input's feature"),
    ("nn.LSTM", {"hidden_size": 4, "num_layers": 10**6}, {"x": [2, 3]}, "num_layers must be an integer from 1"),
    ("nn.Transformer", {"custom_encoder": {"a": 1}}, {"s": [2, 512], "t": [2, 512]}, "custom_encoder is not"),
    ("nn.Transformer", {}, {"s": [2, 64], "t": [2, 64]}, "d_model must equal the input's feature axis"),
    ("nn.TransformerDecoderLayer", {"nhead": 2}, {"t": [2, 8], "m": [2, 6]}, "the memory must have d_model = 8"),
])
def test_mistakes_are_one_line_errors(type_name, kwargs, shapes, message):
    with pytest.raises(SymparamError, match=message) as info:
        symbolic(type_name, kwargs, shapes)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("type_name, kwargs, shapes", [
    ("nn.LSTM", {"hidden_size": "H", "proj_size": "P", "num_layers": 2, "bidirectional": True}, {"x": ["L", "n"]}),
    ("nn.RNN", {"hidden_size": "H", "bias": False}, {"x": ["none", "n"]}),
    ("nn.MultiheadAttention", {"num_heads": "h", "kdim": "d_k", "vdim": "d_v", "add_bias_kv": True},
     {"q": ["L", "E"], "k": ["S", "d_k"], "v": ["S", "d_v"]}),
    ("nn.TransformerDecoderLayer", {"nhead": "h", "dim_feedforward": "d_ff"}, {"t": ["T", "E"], "m": ["S", "E"]}),
    ("nn.Transformer", {"d_model": "E", "nhead": "h", "num_encoder_layers": 2, "num_decoder_layers": 1,
                        "bias": False}, {"s": ["S", "E"], "t": ["T", "E"]}),
])
def test_symbolic_layers_bind_and_render(type_name, kwargs, shapes):
    """Every variable's shape is exact sympy (binding substitutes into it) and the renderers take the layer."""
    import io

    from rich.console import Console

    from symparam.render import json as json_out, latex, table

    net = symbolic(type_name, kwargs, shapes)
    values = {name: 8 for name in net.symbols.names()} | {"P": 4, "h": 2}
    bound = bind(net, {k: v for k, v in values.items() if k in net.symbols.names()})
    assert bound.total.is_Integer and bound.total == net.total.xreplace(
        {net.symbols.get(k): v for k, v in bound.bindings.items()})
    for n in (net, bound):
        json_out.render(n), latex.render(n)
        table.render(n, Console(file=io.StringIO(), width=120))
