"""symparam/layers/attention.py against real Keras: MultiHeadAttention, GroupQueryAttention, Attention,
AdditiveAttention.

symparam gets a case as a one-layer spec with named inputs; Keras calls MultiHeadAttention on (query, value[,
key]) (GroupQueryAttention too) and the other two on a list, then on zeros (``called=True``): a layer that builds
but fails to run (inputs whose broadcast axes stretch the query, MultiHeadAttention on inputs of different ranks),
or computes another shape than it declared, is refused. The variables of MultiHeadAttention and
GroupQueryAttention are named by their path inside the layer (``query/kernel``, ``attention_output/bias``):
``v.name`` alone would be ``kernel`` / ``bias`` four times over.

trainable=False is applied as Keras's ``trainable`` setter applies it (see tests/oracle/keras_facts.py: Keras
3.15's constructor argument does not reach the variables of MultiHeadAttention's sublayers); symparam reports
them not trainable, as the argument is documented. See tests/oracle/cases.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import sympy
from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_facts, framework_tests, symparam_facts
from symparam.engine import derive
from symparam.errors import SymparamError
from symparam.spec import from_dict


def mha(kwargs: dict[str, Any], shapes: dict[str, tuple], order: list[str] | None = None) -> Case:
    """A MultiHeadAttention case: inputs named query, value (and key), called in `order` (default: as named)."""
    return Case("MultiHeadAttention", kwargs, shapes, order=tuple(order or shapes), names="path", called=True)


def scores(type_name: str, kwargs: dict[str, Any], shapes: dict[str, tuple], order: list[str] | None = None) -> Case:
    """An Attention or AdditiveAttention case."""
    return Case(type_name, kwargs, shapes, order=tuple(order or shapes), called=True)


def on(*shapes: tuple) -> dict[str, tuple]:
    """Shapes as the query, value (and key)."""
    return dict(zip(["query", "value", "key"], shapes))


@st.composite
def mha_cases(draw):
    rank = draw(st.sampled_from([2, 2, 2, 3, 1]))          # axes besides the batch; 1 is refused
    inner_q = draw(st.lists(st.integers(1, 4), min_size=rank - 1, max_size=rank - 1))
    inner_v = draw(st.lists(st.integers(1, 4), min_size=rank - 1, max_size=rank - 1))
    kwargs: dict[str, Any] = {"num_heads": draw(st.sampled_from([1, 2, 3, 0])),
                              "key_dim": draw(st.integers(1, 4))}
    if draw(st.booleans()):
        kwargs["value_dim"] = draw(st.integers(1, 4))
    for key, strategy in (("use_bias", st.booleans()), ("use_gate", st.booleans()),
                          ("output_shape", st.one_of(st.integers(1, 4), st.lists(st.integers(1, 3), min_size=1,
                                                                                   max_size=2))),
                          ("dropout", st.sampled_from([0.0, 0.1, 0.5, 1.5])), ("trainable", st.booleans())):
        if draw(st.integers(0, 2)) == 0:
            kwargs[key] = draw(strategy)
    if rank >= 2 and draw(st.booleans()):
        axes = draw(st.lists(st.integers(0, rank - 2), min_size=1, max_size=rank - 1, unique=True))
        full = rank + 1
        kwargs["attention_axes"] = [i + 1 if draw(st.booleans()) else i + 1 - full for i in axes]
        # the axes not attended over pair query and value: mostly equal, sometimes 1 on either side
        for i in set(range(rank - 1)) - set(axes):
            inner_v[i] = draw(st.sampled_from([inner_q[i], inner_q[i], 1, inner_v[i]]))
            if draw(st.integers(0, 3)) == 0:
                inner_q[i] = 1
    query = (*inner_q, draw(st.integers(1, 5)))
    value = (*inner_v, draw(st.integers(1, 5)))
    shapes = {"query": query, "value": value}
    roll = draw(st.integers(0, 5))
    if roll <= 1:     # a key with the value's positions
        shapes["key"] = (*inner_v, draw(st.integers(1, 5)))
    elif roll == 2:   # self-attention: one tensor as query and value
        return mha(kwargs, {"query": query}, ["query", "query"])
    elif roll == 3 and rank >= 2:  # a key that disagrees with the value, or a value of another rank
        shapes["key"] = (*[d + 1 for d in inner_v], 3) if draw(st.booleans()) else value
        if shapes["key"] == value:
            shapes["value"] = value[1:]
    return mha(kwargs, shapes)


def gqa(kwargs: dict[str, Any], shapes: dict[str, tuple], order: list[str] | None = None) -> Case:
    """A GroupQueryAttention case, called as MultiHeadAttention is: (query, value[, key])."""
    return Case("GroupQueryAttention", kwargs, shapes, order=tuple(order or shapes), names="path", called=True)


@st.composite
def gqa_cases(draw):
    kv = draw(st.integers(1, 3))
    kwargs: dict[str, Any] = {"head_dim": draw(st.integers(1, 4)), "num_key_value_heads": kv,
                              "num_query_heads": kv * draw(st.integers(1, 3)) + (draw(st.integers(0, 1))
                                                                                 if kv > 1 else 0)}
    for key, strategy in (("use_bias", st.booleans()), ("use_gate", st.booleans()),
                          ("dropout", st.sampled_from([0.0, 0.1, 1.5])), ("trainable", st.booleans()),
                          ("sliding_window", st.sampled_from([1, 3, 0]))):
        if draw(st.integers(0, 2)) == 0:
            kwargs[key] = draw(strategy)
    d = draw(st.integers(1, 5))
    t_q, t_v = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    query = (t_q, d)
    value = (t_v, d if draw(st.integers(0, 5)) else draw(st.integers(1, 5)))
    roll = draw(st.integers(0, 6))
    if roll == 0:      # self-attention: one tensor as query and value
        return gqa(kwargs, {"query": query}, ["query", "query"])
    shapes = {"query": query, "value": value}
    if roll <= 2:      # a key of its own features, mostly with the value's length
        shapes["key"] = (t_v if draw(st.integers(0, 3)) else t_v + 1, draw(st.integers(1, 5)))
    elif roll == 3:    # another rank
        shapes[draw(st.sampled_from(["query", "value"]))] = (2, *shapes["value"])
    return gqa(kwargs, shapes)


@st.composite
def score_attention_cases(draw, type_name: str):
    rank = draw(st.sampled_from([1, 2, 2, 3]))
    lead = draw(st.lists(st.integers(1, 3), min_size=max(rank - 2, 0), max_size=max(rank - 2, 0)))
    d = draw(st.integers(1, 4))
    t_q, t_v = draw(st.integers(1, 4)), draw(st.integers(1, 4))

    def varied(dims):
        return [draw(st.sampled_from([x, x, x, 1, 2])) for x in dims]

    def shape(positions, features, lead_dims):
        return (*lead_dims, *([positions] if rank >= 2 else []), features)

    query = shape(t_q, draw(st.sampled_from([d, d, d, 1])), varied(lead))
    value_d = draw(st.integers(1, 4)) if draw(st.booleans()) else d
    value = shape(draw(st.sampled_from([t_v, t_v, t_v, t_v + 1])), value_d, varied(lead))
    kwargs: dict[str, Any] = {}
    if draw(st.booleans()):
        kwargs["use_scale"] = draw(st.booleans())
    if type_name == "Attention" and draw(st.booleans()):
        kwargs["score_mode"] = draw(st.sampled_from(["dot", "concat", "concat", "Dot"]))
    if draw(st.integers(0, 3)) == 0:
        kwargs["dropout"] = draw(st.sampled_from([0.0, 0.2]))
    if draw(st.integers(0, 4)) == 0:
        kwargs["trainable"] = False
    roll = draw(st.integers(0, 5))
    if roll <= 1:
        key = shape(t_v, draw(st.sampled_from([d, d, 1, 3])), varied(lead))
        if draw(st.integers(0, 5)) == 0:
            key = (2, *key)  # another rank
        return scores(type_name, kwargs, on(query, value, key))
    if roll == 2:
        return scores(type_name, kwargs, {"query": query}, ["query", "query"])
    return scores(type_name, kwargs, on(query, value))


GENERATED = {
    "MultiHeadAttention": Generated(mha_cases(), 80),
    "GroupQueryAttention": Generated(gqa_cases(), 80),
    "Attention": Generated(score_attention_cases("Attention"), 80),
    "AdditiveAttention": Generated(score_attention_cases("AdditiveAttention"), 80),
}

EXAMPLES = [
    gqa({"head_dim": 4, "num_query_heads": 8, "num_key_value_heads": 2}, on((5, 16), (6, 16))),
    gqa({"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 2, "use_gate": True, "use_bias": False},
        on((5, 16), (6, 16), (6, 3))),
    gqa({"head_dim": 2, "num_query_heads": 3, "num_key_value_heads": 2}, on((5, 4), (6, 4))),   # refused: 3 % 2
    gqa({"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 1}, on((5, 4), (6, 3))),   # refused: 4 vs 3
    gqa({"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 1}, on((5, 4), (6, 4), (7, 2))),  # refused
    gqa({"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 1}, on((None, 4), (None, 4))),
    gqa({"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 1}, on((5, None), (6, None))),  # refused
    gqa({"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 1, "dropout": 0.5, "flash_attention": True},
        on((5, 4), (6, 4))),                                                                  # refused
    mha({"num_heads": 2, "key_dim": 3}, on((5, 4), (6, 7))),
    mha({"num_heads": 2, "key_dim": 3, "value_dim": 5, "use_gate": True, "output_shape": [2, 3]},
        on((5, 4), (6, 7), (6, 8))),
    mha({"num_heads": 2, "key_dim": 3, "use_bias": False, "output_shape": 6}, on((5, 4), (6, 7))),
    mha({"num_heads": 2, "key_dim": 3}, on((4,), (7,))),                                 # fails to run
    mha({"num_heads": 2, "key_dim": 3}, on((5, 4), (3, 6, 7))),                          # ranks differ
    mha({"num_heads": 2, "key_dim": 3}, on((5, 4), (6, 7), (5, 7))),                     # refused: key vs value
    mha({"num_heads": 2, "key_dim": 3}, on((3, 5, 4), (4, 6, 7))),
    mha({"num_heads": 2, "key_dim": 3, "attention_axes": [1]}, on((3, 5, 4), (4, 6, 7))),  # 5 vs 6 unattended
    mha({"num_heads": 2, "key_dim": 3, "attention_axes": [1]}, on((3, 6, 4), (4, 1, 7))),  # 1 broadcasts
    mha({"num_heads": 2, "key_dim": 3, "attention_axes": [1]}, on((3, 1, 4), (4, 6, 7))),  # declares 1, computes 6
    mha({"num_heads": 2, "key_dim": 3, "attention_axes": [2, 1], "dropout": 0.5}, on((3, 5, 4), (3, 6, 7))),
    mha({"num_heads": 2, "key_dim": 3, "dropout": 0.5, "flash_attention": True},
        on((5, 4), (6, 7))),                                                               # refused: construction
    mha({"num_heads": 2, "key_dim": 3, "output_shape": 0}, on((5, 4), (6, 7))),           # Keras: 0 = the default
    mha({"num_heads": 2, "key_dim": 3, "trainable": False}, on((5, 4), (6, 7))),
    mha({"num_heads": 2, "key_dim": 3}, on((None, 4), (None, 7))),
    mha({"num_heads": 2, "key_dim": 3}, on((5, None), (6, 7))),                           # refused
    mha({"num_heads": 2, "key_dim": 3}, on((5, 4), (None, 7), (6, 7))),                   # refused: None against 6
    *(mha({"num_heads": 2, "key_dim": 3, **kwargs}, on(*shapes)) for kwargs, shapes in [
        ({"attention_axes": 4}, [(5, 4), (6, 7)]),                         # Keras: IndexError while building
        ({"attention_axes": 0, "dropout": 0.5}, [(5, 4), (6, 7)]),         # the batch axis: fails to run
        ({"attention_axes": -1, "dropout": 0.5}, [(5, 4), (6, 7)]),        # the feature axis: fails to run
        ({"attention_axes": [1, 1], "dropout": 0.5}, [(5, 4), (6, 7)]),    # twice: fails to run
        ({"attention_axes": 0}, [(3, 5, 4), (3, 6, 7)]),
        ({"attention_axes": -1}, [(3, 5, 4), (3, 6, 7)]),
        ({"attention_axes": 3}, [(3, 5, 4), (3, 6, 7)]),
        ({"attention_axes": [1, 1]}, [(3, 5, 4), (3, 6, 7)]),
        ({"attention_axes": [2, 1]}, [(3, 5, 4), (3, 6, 7)]),              # accepted: any order
        ({"sliding_window": 0}, [(5, 4), (6, 7)]),
        ({"sliding_window": 3}, [(5, 4), (6, 7)]),
        ({"value_dim": 0}, [(5, 4), (6, 7)]),
        ({"output_shape": -2}, [(5, 4), (6, 7)]),
    ]),
    scores("Attention", {}, on((5, 4), (6, 4))),
    scores("Attention", {"use_scale": True, "score_mode": "concat"}, on((5, 4), (6, 3), (6, 4))),
    scores("Attention", {}, on((5, 4), (6, 3))),                       # fails to run: query 4 features, key 3
    scores("Attention", {"score_mode": "concat"}, on((5, 1), (6, 3))),  # concat: 1 broadcasts
    scores("Attention", {}, on((4,), (4,))),                           # Keras runs it (scores across the batch)
    scores("Attention", {}, on((5, 4), (6, 3), (7, 4))),               # fails to run: key and value positions
    scores("Attention", {}, on((1, 5, 4), (2, 6, 4))),                 # declares 1, computes 2
    scores("Attention", {}, on((2, 5, 4), (1, 6, 4))),                 # 1 broadcasts into the query
    scores("Attention", {}, on((5, 4), (6, 3), (2, 6, 4))),            # key of another rank: computes more
    scores("Attention", {}, on((5, 4))),                               # refused: 2 or 3 inputs
    scores("Attention", {"score_mode": "DOT"}, on((5, 4), (6, 4))),    # refused: score_mode is case-sensitive
    scores("Attention", {"dropout": 3}, on((5, 4), (6, 4))),           # Keras does not check it
    scores("AdditiveAttention", {}, on((5, 4), (6, 4))),
    scores("AdditiveAttention", {}, on((5, 1), (6, 3))),               # the scale has the query's features
    scores("AdditiveAttention", {"use_scale": False}, on((3, 2, 5, 4), (1, 2, 6, 4))),
    scores("Attention", {}, on((None, 4), (6, 4))),                    # unknown lengths: Keras builds, and it runs
    scores("Attention", {}, on((5, None), (6, 4))),                    # even with unknown query features
    scores("Attention", {}, on((5, 4), (None, 4), (6, 4))),
    scores("Attention", {}, on((5, 4), (6, 4), (None, 3))),            # fails to run at any length: 4 vs 3
    scores("AdditiveAttention", {}, on((5, None), (6, 4))),            # refused: the scale needs query features
    scores("AdditiveAttention", {"use_scale": False}, on((5, None), (6, 4))),
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


@pytest.mark.parametrize("axes", [0, -1, 3, [1, 1], -6])
def test_attention_axes_keras_ignores_on_3d_inputs(keras, axes):
    """A known, deliberate difference: on 3-D inputs without dropout Keras takes a fused path that ignores
    attention_axes, so it accepts axes that name the batch or the features, or none at all (and with dropout it
    fails to run). symparam refuses them: the axes must be ones attention can run over."""
    case = mha({"num_heads": 2, "key_dim": 3, "attention_axes": axes}, on((5, 4), (6, 7)))
    framework_facts(case)   # Keras: accepted, runs
    with pytest.raises(SymparamError, match="attention_axes"):
        symparam_facts(case)


def test_multi_head_attention_symbolic():
    net = derive(from_dict({
        "network": {"input": {"q": ["t", "e"], "v": ["s", "f"]}},
        "layers": [{"type": "MultiHeadAttention", "num_heads": "h", "key_dim": "k", "inputs": ["q", "v"]}]}))
    t, e, s, f, h, k = (sympy.Symbol(n, integer=True, positive=True) for n in "tesfhk")
    layer = net.layers[0]
    assert layer.output_shape == (t, e)
    assert [v.name for v in layer.variables] == ["query/kernel", "query/bias", "key/kernel", "key/bias",
                                                 "value/kernel", "value/bias", "attention_output/kernel",
                                                 "attention_output/bias"]
    assert sympy.expand(layer.params - (e * h * k + h * k + 2 * (f * h * k + h * k) + h * k * e + e)) == 0
    with pytest.raises(SymparamError, match="takes 2 to 3 inputs"):
        derive(from_dict({"network": {"input": {"q": [4, 8]}},
                          "layers": [{"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4}]}))
