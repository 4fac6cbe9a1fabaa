"""symparam/layers/torch_recurrent.py against real PyTorch: nn.RNN, nn.LSTM, nn.GRU.

torch runs each case forward on a zero sequence (time first unless batch_first; tests/oracle/torch_facts.py);
symparam must report the same named_parameters(), counts and output shape, or refuse where torch refuses
(proj_size >= hidden_size, an input whose features do not match input_size, 0 layers, ...). A spec may leave
input_size out: symparam reads it from the input, and so does the oracle. The symbolic tests at the end need no
torch.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
import sympy
from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests, one_layer, symparam_facts
from oracle.strategies import maybe, off_by
from symparam.engine import bind
from symparam.errors import SymparamError

CASES = 60
KINDS = ("nn.RNN", "nn.LSTM", "nn.GRU")


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
    if not wrong and draw(st.booleans()):
        del kwargs["input_size"]                                       # inferred from the input
    return Case(kind, kwargs, (length, features))


GENERATED = {kind: Generated(rnn_cases(kind), CASES) for kind in KINDS}

EXAMPLES = [
    *(Case(kind, {"hidden_size": 4}, (5, 3)) for kind in KINDS),
    *(Case(kind, {"hidden_size": 4, "num_layers": 2, "bidirectional": True}, (5, 3)) for kind in KINDS),
    Case("nn.LSTM", {"input_size": 3, "hidden_size": 8, "proj_size": 4, "num_layers": 2, "bidirectional": True},
         (5, 3)),
    Case("nn.LSTM", {"input_size": 3, "hidden_size": 4, "proj_size": 4}, (5, 3)),    # proj_size == hidden: refused
    Case("nn.LSTM", {"input_size": 3, "hidden_size": 4, "proj_size": 3, "bias": False}, (2, 3)),
    Case("nn.LSTM", {"input_size": 3, "hidden_size": 4, "num_layers": 0}, (2, 3)),   # torch: num_layers > 0
    Case("nn.LSTM", {"input_size": 3, "hidden_size": 4, "dropout": 1.5}, (2, 3)),    # torch: dropout in [0, 1]
    Case("nn.LSTM", {"input_size": 3, "hidden_size": 4}, (2, 4)),                    # input_size disagrees
    Case("nn.RNN", {"input_size": 3, "hidden_size": 4, "nonlinearity": "sigmoid"}, (2, 3)),   # refused
    Case("nn.RNN", {"input_size": 3, "hidden_size": 4, "nonlinearity": "Tanh"}, (2, 3)),      # refused
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


def test_rnn_refuses_proj_size_like_torch(torch):
    with pytest.raises(ValueError, match="only supported for LSTM"):
        torch.nn.GRU(3, 4, proj_size=2)
    with pytest.raises(SymparamError, match="has no argument 'proj_size'"):
        symparam_facts(Case("nn.GRU", {"hidden_size": 4, "proj_size": 2}, (2, 3)))


# Symbolic sizes and messages (no torch needed)


def symbolic(type_name: str, kwargs: dict[str, Any], shapes: dict[str, list]):
    """The network of one torch layer on named inputs whose sizes may be symbols."""
    return one_layer(Case(type_name, kwargs, shapes))


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


def test_unknown_sequence_length_flows_through():
    net = symbolic("nn.GRU", {"hidden_size": 4}, {"x": ["none", 3]})
    assert net.layers[0].output_shape == (None, 4)


@pytest.mark.parametrize("kwargs, shape, message", [
    ({"hidden_size": 4}, [2, 3, 5], r"expects an input of shape \(L, features\)"),
    ({"hidden_size": 4}, [2, "none"], "feature axis of an input to have a known length"),
    ({"hidden_size": 4, "input_size": 5}, [2, 3], "input_size must equal the input's feature"),
    ({"hidden_size": 4, "num_layers": 10**6}, [2, 3], "num_layers must be an integer from 1"),
])
def test_mistakes_are_one_line_errors(kwargs, shape, message):
    with pytest.raises(SymparamError, match=message) as info:
        symbolic("nn.LSTM", kwargs, {"x": shape})
    assert "\n" not in str(info.value)


def assert_binds_and_renders(net) -> None:
    """Every variable's shape is exact sympy (binding substitutes into it) and the renderers take the layer."""
    from rich.console import Console

    from symparam.render import json as json_out, latex, table

    values = {name: 8 for name in net.symbols.names()} | {"P": 4, "h": 2}
    bound = bind(net, {k: v for k, v in values.items() if k in net.symbols.names()})
    assert bound.total.is_Integer and bound.total == net.total.xreplace(
        {net.symbols.get(k): v for k, v in bound.bindings.items()})
    for n in (net, bound):
        json_out.render(n), latex.render(n)
        table.show(n, Console(file=io.StringIO(), width=120))


@pytest.mark.parametrize("type_name, kwargs, shapes", [
    ("nn.LSTM", {"hidden_size": "H", "proj_size": "P", "num_layers": 2, "bidirectional": True}, {"x": ["L", "n"]}),
    ("nn.RNN", {"hidden_size": "H", "bias": False}, {"x": ["none", "n"]}),
])
def test_symbolic_layers_bind_and_render(type_name, kwargs, shapes):
    assert_binds_and_renders(symbolic(type_name, kwargs, shapes))
