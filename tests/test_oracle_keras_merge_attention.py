"""Keras 3 is the oracle for the merge and attention layers: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot, MultiHeadAttention, Attention and AdditiveAttention. For every generated configuration symparam
must report exactly what real Keras builds -- the output shape, the variables (name, shape, trainable) in
``layer.weights`` order and the counts -- and must refuse exactly what Keras refuses.

These layers take several inputs, so this module builds the Keras layer itself: one ``keras.Input`` per input
name, called in Keras's call order (a list for the merges and Attention, query/value/key positionally for
MultiHeadAttention). symparam gets the same case as a spec: ``[network] input = {name: shape}`` and the layer's
``inputs = [...]``.

"Keras refuses" means what a user meets: Keras refuses to build the layer, or the built layer fails the first
time it runs (called on zeros with a batch of 2; unknown lengths tried at a few lengths each), or it runs but
computes another shape than the one it declared when built. Keras's build-time shape rules are looser than its
kernels in a few places: Dot over the batch axis, MultiHeadAttention on inputs of different ranks, attention
inputs whose broadcast axes stretch the query, merges of an unknown length beside two known ones that differ.

A variable's name is its Keras path inside the layer (``v.path`` without the layer's own name):
``query/kernel``, ``attention_output/bias``; for a variable of the layer itself that is ``v.name`` (``scale``).
MultiHeadAttention's ``v.name`` alone would be ``kernel`` / ``bias`` four times over.

trainable=False is applied as Keras's ``trainable`` setter applies it (see test_oracle_keras_recurrent.py: Keras
3.15's constructor argument does not reach the variables of MultiHeadAttention's sublayers, while a model around
it trains them); symparam reports them not trainable, as the argument is documented.
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sympy
from hypothesis import HealthCheck, currently_in_test_context, event, example, given, settings
from hypothesis import strategies as st

import symparam
from symparam.engine import derive
from symparam.errors import SymparamError
from symparam.spec import from_dict

os.environ.setdefault("KERAS_BACKEND", "torch")
try:
    import torch  # noqa: F401
    import keras
    import numpy as np
except ImportError:  # pragma: no cover - the oracle extra is missing
    keras = None

# Keras warns when attention runs a softmax over one position (a generated length of 1); that is expected here.
pytestmark = pytest.mark.filterwarnings("ignore:You are using a softmax over axis:UserWarning")

needs_keras = pytest.mark.skipif(keras is None, reason="the Keras oracle needs keras 3 and torch "
                                                       "(pip install '.[oracle]')")

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "attention_block.toml"
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

Shape = tuple  # sizes without the batch axis; None for an unknown axis
Inputs = dict  # input name -> Shape, in Keras's call order (a name may be used twice: self-attention)


class KerasRefused(Exception):
    """Keras refuses to build the layer, fails to run it, or runs it with another shape than it declared."""


@dataclass(frozen=True)
class Seen:
    output: Shape
    variables: tuple[tuple[str, Shape, bool], ...]   # (name, shape, trainable) in layer.weights order
    params: int
    trainable: int
    non_trainable: int


# --------------------------------------------------------------------------------------------
# Keras's side
# --------------------------------------------------------------------------------------------


def tupled(value: Any) -> Any:
    """TOML lists -> the tuples Keras expects (kernel-like sizes, axes pairs, output_shape)."""
    return tuple(tupled(v) for v in value) if isinstance(value, list) else value


def frozen_as_documented(layer) -> None:
    for sub in layer._flatten_layers(include_self=True):
        if not sub.trainable:
            sub.trainable = False


def size(variables) -> int:
    return sum(math.prod(int(d) for d in v.shape) for v in variables)


def keras_facts(type_name: str, kwargs: dict[str, Any], shapes: Inputs, order: list[str]) -> Seen:
    case = f"{type_name}{kwargs} on {[shapes[n] for n in order]}"
    positional = type_name == "MultiHeadAttention"
    try:
        layer = getattr(keras.layers, type_name)(**{k: tupled(v) for k, v in kwargs.items()})
        tensors = {name: keras.Input(shape=shape) for name, shape in shapes.items()}
        args = [tensors[n] for n in order]
        y = layer(*args) if positional else layer(args)
    # ValueError: Keras's checks; TypeError: a mistyped argument; IndexError: an axis out of range
    except (ValueError, TypeError, IndexError) as exc:
        raise KerasRefused(f"{case}: {exc}") from exc
    frozen_as_documented(layer)
    declared = tuple(None if d is None else int(d) for d in y.shape[1:])
    run(layer, positional, shapes, order, declared, case)
    prefix = f"{layer.name}/"
    return Seen(
        output=declared,
        variables=tuple((str(v.path).removeprefix(prefix), tuple(int(d) for d in v.shape), bool(v.trainable))
                        for v in layer.weights),
        params=int(layer.count_params()) if layer.weights else 0,
        trainable=size(layer.trainable_weights),
        non_trainable=size(layer.non_trainable_weights),
    )


def run(layer, positional: bool, shapes: Inputs, order: list[str], declared: Shape, case: str) -> None:
    """Call the built layer on zeros (a batch of 2); raise KerasRefused if it fails or computes another shape than
    it declared. Each unknown length is tried at every length the inputs mention (and 1, 2): Keras accepts if one
    choice runs."""
    lengths = sorted({d for s in shapes.values() for d in s if d is not None} | {1, 2})
    unknown = [(name, i) for name, s in shapes.items() for i, d in enumerate(s) if d is None]
    failure = ""
    for choice in itertools.product(lengths, repeat=len(unknown)):
        chosen = dict(zip(unknown, choice))
        arrays = {name: np.zeros((2, *(chosen.get((name, i), d) for i, d in enumerate(shape))), dtype="float32")
                  for name, shape in shapes.items()}
        args = [arrays[n] for n in order]
        try:
            z = layer(*args) if positional else layer(args)
        except Exception as exc:  # noqa: BLE001 - any failure to run is a refusal
            failure = f"builds, but fails when run: {str(exc).strip()[:300]}"
            continue
        computed = tuple(int(d) for d in z.shape[1:])
        if len(computed) == len(declared) and all(d is None or d == c for d, c in zip(declared, computed)):
            return
        failure = f"declares output {declared} but computes {computed}"
    raise KerasRefused(f"{case}: {failure}")


# --------------------------------------------------------------------------------------------
# symparam's side and the comparison
# --------------------------------------------------------------------------------------------


def spec_input(shape: Shape) -> list:
    return ["none" if d is None else d for d in shape]


def symparam_facts(type_name: str, kwargs: dict[str, Any], shapes: Inputs, order: list[str]) -> Seen:
    document = {"network": {"name": "oracle", "input": {n: spec_input(s) for n, s in shapes.items()}},
                "layers": [{"type": type_name, "inputs": list(order), **kwargs}]}
    rec = derive(from_dict(document, "<oracle>")).layers[0]
    return Seen(
        output=tuple(None if d is None else int(d) for d in rec.output_shape),
        variables=tuple((v.name, tuple(int(d) for d in v.shape), v.trainable) for v in rec.variables),
        params=int(rec.params),
        trainable=int(rec.trainable),
        non_trainable=int(rec.non_trainable),
    )


def note(outcome: str) -> None:
    if currently_in_test_context():
        event(outcome)


def assert_matches_keras(type_name: str, kwargs: dict[str, Any], shapes: Inputs, order: list[str]) -> None:
    case = f"{type_name} {kwargs} inputs={order} shapes={shapes}"
    try:
        expected = keras_facts(type_name, kwargs, shapes, order)
    except KerasRefused as refused:
        note("Keras refuses")
        try:
            got = symparam_facts(type_name, kwargs, shapes, order)
        except SymparamError:
            return
        pytest.fail(f"Keras refuses but symparam accepts: {case}\n  Keras: {refused}\n  symparam: {got}")
    note("Keras accepts")
    try:
        got = symparam_facts(type_name, kwargs, shapes, order)
    except SymparamError as exc:
        pytest.fail(f"Keras accepts but symparam refuses: {case}\n  symparam: {exc}\n  Keras: {expected}")
    assert got == expected, f"differs from Keras: {case}\n  symparam: {got}\n  Keras:    {expected}"


def named(*shapes: Shape) -> tuple[Inputs, list[str]]:
    names = [f"in{i}" for i in range(len(shapes))]
    return dict(zip(names, shapes)), names


# --------------------------------------------------------------------------------------------
# Element-wise merges
# --------------------------------------------------------------------------------------------

ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]


@st.composite
def elementwise_cases(draw, type_name: str):
    """Inputs that mostly broadcast: trailing parts of one base shape, some axes 1, a few lengths changed, rarely
    an unknown axis (then Keras is compared as built, not run)."""
    base = draw(st.lists(st.integers(1, 5), min_size=0, max_size=3))
    count = draw(st.sampled_from([2, 2, 2, 1, 3])) if type_name == "Subtract" else draw(st.integers(1, 4))
    shapes = []
    for _ in range(count):
        rank = draw(st.integers(0, len(base)))
        dims = []
        for d in base[len(base) - rank:]:
            roll = draw(st.integers(0, 19))
            dims.append(1 if roll < 4 else draw(st.integers(1, 5)) if roll < 6 else None if roll == 6 else d)
        shapes.append(tuple(dims))
    return named(*shapes)


@pytest.mark.parametrize("type_name", ELEMENTWISE)
@needs_keras
@settings(max_examples=40, **SETTINGS)
@given(data=st.data())
def test_elementwise_merges_match_keras(type_name, data):
    shapes, order = data.draw(elementwise_cases(type_name), label="inputs")
    assert_matches_keras(type_name, {}, shapes, order)


@pytest.mark.parametrize("type_name, shapes", [
    ("Add", [(3, 4), (4,)]),                 # ranks differ: trailing axes align
    ("Add", [(3, 1), (4,)]),                 # a 1 broadcasts
    ("Add", [(3, 4), (3,)]),                 # refused: 4 against 3
    ("Add", [(), (3,)]),                     # a scalar per sample broadcasts
    ("Add", [(3,)]),                         # Keras merges a single input
    ("Multiply", [(2, 3), (2, 3), (1, 3)]),
    ("Subtract", [(3,), (3,), (3,)]),        # refused: exactly 2 inputs
    ("Subtract", [(3,)]),                    # refused
    ("Maximum", [(None, 4), (5, 4)]),        # an unknown axis stays unknown
    ("Average", [(None,), (2,), (3,)]),      # Keras builds it (unknown beside 2 and 3), then fails to run it
])
@needs_keras
def test_elementwise_examples(type_name, shapes):
    assert_matches_keras(type_name, {}, *named(*shapes))


def test_symbolic_broadcasting_is_a_condition():
    """Where symbols decide it, the shapes must agree or one length must be 1 (an assumption, checked on binding)."""
    net = derive(from_dict({"network": {"input": {"a": ["n", 4], "b": ["m"]}},
                            "layers": [{"type": "Add", "inputs": ["a", "b"]}]}))
    n, m = (sympy.Symbol(s, integer=True, positive=True) for s in "nm")
    assert net.layers[0].output_shape == (n, 4)
    [(where, condition)] = net.assumptions
    assert where == "add" and condition.relation == sympy.Or(sympy.Eq(m, 4), sympy.Eq(m, 1))
    assert net.subs(m=1).layers[0].output_shape == (n, 4)
    with pytest.raises(SymparamError, match="compatible shapes"):
        net.subs(m=3)
    both = derive(from_dict({"network": {"input": {"a": ["n"], "b": ["m"]}},
                             "layers": [{"type": "Add", "inputs": ["a", "b"]}]}))
    assert both.layers[0].output_shape == (sympy.Max(n, m),)
    assert both.subs(n=1, m=7).layers[0].output_shape == (7,)
    assert both.subs(n=7, m=7).layers[0].output_shape == (7,)


# --------------------------------------------------------------------------------------------
# Concatenate
# --------------------------------------------------------------------------------------------


@st.composite
def concatenate_cases(draw):
    base = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    full = len(base) + 1
    kwargs: dict[str, Any] = {}
    if draw(st.booleans()):
        kwargs["axis"] = draw(st.integers(-full - 1, full))
    axis = kwargs.get("axis", -1) % full if -full <= kwargs.get("axis", -1) < full else None
    shapes = []
    for _ in range(draw(st.integers(1, 4))):
        dims = list(base)
        if axis:
            dims[axis - 1] = draw(st.integers(1, 5))
        roll = draw(st.integers(0, 9))
        if roll == 0:  # a length that disagrees
            i = draw(st.integers(0, len(dims) - 1))
            dims[i] = draw(st.integers(1, 5))
        elif roll == 1:  # another rank
            dims = dims[1:] if len(dims) > 1 else dims + [2]
        elif roll == 2:  # an unknown length
            dims[draw(st.integers(0, len(dims) - 1))] = None
        shapes.append(tuple(dims))
    return kwargs, *named(*shapes)


@needs_keras
@settings(max_examples=80, **SETTINGS)
@given(concatenate_cases())
@example(({"axis": -5}, *named((2, 3), (2, 3))))          # refused: no such axis (Keras: IndexError)
@example(({"axis": 0}, *named((2, 3), (2, 3))))           # along the batch axis
@example(({"axis": 3}, *named((2, 3), (2, 3))))           # refused: no such axis
@example(({"axis": 1}, *named((2, 1), (4, 3))))           # refused: 1 does not broadcast here
@example(({"axis": 3}, *named((2, 3, 4), (2, 3))))        # refused: ranks differ
@example(({"axis": 1}, *named((2, 3), (4, 3), (1, 3))))
def test_concatenate_matches_keras(case):
    kwargs, shapes, order = case
    assert_matches_keras("Concatenate", kwargs, shapes, order)


# --------------------------------------------------------------------------------------------
# Dot
# --------------------------------------------------------------------------------------------


@st.composite
def dot_cases(draw):
    """Mostly an axis of each input with equal lengths, written as Keras reads it (positive, or negative from the
    end); sometimes any small integer, lengths that differ, or an input with no axis besides the batch."""
    s1 = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    s2 = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    i, j = draw(st.integers(0, len(s1) - 1)), draw(st.integers(0, len(s2) - 1))
    if draw(st.integers(0, 4)):
        s2[j] = s1[i]

    def written(index: int, rank: int) -> int:  # rank: batched
        return index + 1 if draw(st.booleans()) else index + 1 - rank

    roll = draw(st.integers(0, 9))
    if roll < 4:
        axes: Any = [written(i, len(s1) + 1), written(j, len(s2) + 1)]
    elif roll < 7:  # one integer for both: the same axis of each
        j = min(i, len(s2) - 1) if draw(st.booleans()) else j
        s2[j] = s1[i] if draw(st.integers(0, 4)) else s2[j]
        axes = i + 1 if draw(st.booleans()) else written(len(s2) - 1, len(s2) + 1)
    elif roll < 9:
        axes = draw(st.one_of(st.integers(-4, 3), st.lists(st.integers(-4, 3), min_size=2, max_size=2)))
    else:
        axes, s1 = draw(st.integers(-2, 2)), draw(st.sampled_from([[], s1]))
    kwargs: dict[str, Any] = {"axes": axes}
    if draw(st.booleans()):
        kwargs["normalize"] = draw(st.booleans())
    return kwargs, *named(tuple(s1), tuple(s2))


@needs_keras
@settings(max_examples=80, **SETTINGS)
@given(dot_cases())
@example(({"axes": 0}, *named((3, 4), (5, 4))))           # Keras builds it, then fails: batch axis
@example(({"axes": [0, 0]}, *named((3, 4), (5, 4))))      # likewise
@example(({"axes": -1}, *named((3, 4), (5, 4))))
@example(({"axes": -5}, *named((3, 4), (5, 4))))          # Keras: -5 % 3 = 1, so axis 1: refused, 3 vs 5
@example(({"axes": [1, -3]}, *named((3, 4), (5, 4))))     # refused: the second is the batch axis
@example(({"axes": [3, 1]}, *named((3, 4), (5, 4))))      # refused: no axis 3
@example(({"axes": 1}, *named((4,), (4,))))               # output (1,)
@example(({"axes": [1, 2]}, *named((4,), (3, 4, 5))))
@example(({"axes": [2, 1]}, *named((3, 4, 5), (4, 7))))
@example(({"axes": 1}, *named((), (4,))))                 # refused: no axis besides the batch
def test_dot_matches_keras(case):
    kwargs, shapes, order = case
    assert_matches_keras("Dot", kwargs, shapes, order)


def test_dot_axes_as_keras_reads_them():
    with pytest.raises(SymparamError, match="axes must be an integer, or a list of two integers"):
        from_dict({"network": {"input": {"a": [3], "b": [3]}},
                   "layers": [{"type": "Dot", "axes": [1, 2, 3], "inputs": ["a", "b"]}]})


# --------------------------------------------------------------------------------------------
# MultiHeadAttention
# --------------------------------------------------------------------------------------------


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
        return kwargs, {"query": query}, ["query", "query"]
    elif roll == 3 and rank >= 2:  # a key that disagrees with the value, or a value of another rank
        shapes["key"] = (*[d + 1 for d in inner_v], 3) if draw(st.booleans()) else value
        if shapes["key"] == value:
            shapes["value"] = value[1:]
    return kwargs, shapes, list(shapes)


@needs_keras
@settings(max_examples=80, **SETTINGS)
@given(mha_cases())
@example(({"num_heads": 2, "key_dim": 3}, {"query": (5, 4), "value": (6, 7)}, ["query", "value"]))
@example(({"num_heads": 2, "key_dim": 3, "value_dim": 5, "use_gate": True, "output_shape": [2, 3]},
          {"query": (5, 4), "value": (6, 7), "key": (6, 8)}, ["query", "value", "key"]))
@example(({"num_heads": 2, "key_dim": 3, "use_bias": False, "output_shape": 6},
          {"query": (5, 4), "value": (6, 7)}, ["query", "value"]))
@example(({"num_heads": 2, "key_dim": 3}, {"query": (4,), "value": (7,)}, ["query", "value"]))  # fails to run
@example(({"num_heads": 2, "key_dim": 3}, {"query": (5, 4), "value": (3, 6, 7)}, ["query", "value"]))  # ranks
@example(({"num_heads": 2, "key_dim": 3}, {"query": (5, 4), "value": (6, 7), "key": (5, 7)},
          ["query", "value", "key"]))                                                  # refused: key vs value
@example(({"num_heads": 2, "key_dim": 3}, {"query": (3, 5, 4), "value": (4, 6, 7)}, ["query", "value"]))
@example(({"num_heads": 2, "key_dim": 3, "attention_axes": [1]}, {"query": (3, 5, 4), "value": (4, 6, 7)},
          ["query", "value"]))                                                         # fails: 5 vs 6 unattended
@example(({"num_heads": 2, "key_dim": 3, "attention_axes": [1]}, {"query": (3, 6, 4), "value": (4, 1, 7)},
          ["query", "value"]))                                                         # 1 broadcasts into query
@example(({"num_heads": 2, "key_dim": 3, "attention_axes": [1]}, {"query": (3, 1, 4), "value": (4, 6, 7)},
          ["query", "value"]))                                                         # declares 1, computes 6
@example(({"num_heads": 2, "key_dim": 3, "attention_axes": [2, 1], "dropout": 0.5},
          {"query": (3, 5, 4), "value": (3, 6, 7)}, ["query", "value"]))
@example(({"num_heads": 2, "key_dim": 3, "dropout": 0.5, "flash_attention": True},
          {"query": (5, 4), "value": (6, 7)}, ["query", "value"]))                     # refused at construction
@example(({"num_heads": 2, "key_dim": 3, "output_shape": 0}, {"query": (5, 4), "value": (6, 7)},
          ["query", "value"]))                                                         # Keras: 0 means the default
@example(({"num_heads": 2, "key_dim": 3, "trainable": False}, {"query": (5, 4), "value": (6, 7)},
          ["query", "value"]))
@example(({"num_heads": 2, "key_dim": 3}, {"query": (None, 4), "value": (None, 7)}, ["query", "value"]))
@example(({"num_heads": 2, "key_dim": 3}, {"query": (5, None), "value": (6, 7)}, ["query", "value"]))  # refused
@example(({"num_heads": 2, "key_dim": 3}, {"query": (5, 4), "value": (None, 7), "key": (6, 7)},
          ["query", "value", "key"]))                                                  # refused: None against 6
def test_multi_head_attention_matches_keras(case):
    kwargs, shapes, order = case
    assert_matches_keras("MultiHeadAttention", kwargs, shapes, order)


@pytest.mark.parametrize("kwargs, shapes", [
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
])
@needs_keras
def test_multi_head_attention_arguments(kwargs, shapes):
    query, value = shapes
    assert_matches_keras("MultiHeadAttention", {"num_heads": 2, "key_dim": 3, **kwargs},
                         {"query": query, "value": value}, ["query", "value"])


@needs_keras
@pytest.mark.parametrize("axes", [0, -1, 3, [1, 1], -6])
def test_attention_axes_keras_ignores_on_3d_inputs(axes):
    """A known, deliberate difference: on 3-D inputs without dropout Keras takes a fused path that ignores
    attention_axes, so it accepts axes that name the batch or the features, or none at all (and with dropout it
    fails to run). symparam refuses them: the axes must be ones attention can run over."""
    keras_facts("MultiHeadAttention", {"num_heads": 2, "key_dim": 3, "attention_axes": axes},
                {"query": (5, 4), "value": (6, 7)}, ["query", "value"])   # Keras: accepted, runs
    with pytest.raises(SymparamError, match="attention_axes"):
        symparam_facts("MultiHeadAttention", {"num_heads": 2, "key_dim": 3, "attention_axes": axes},
                       {"query": (5, 4), "value": (6, 7)}, ["query", "value"])


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


# --------------------------------------------------------------------------------------------
# Attention and AdditiveAttention
# --------------------------------------------------------------------------------------------


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
        return kwargs, {"query": query, "value": value, "key": key}, ["query", "value", "key"]
    if roll == 2:
        return kwargs, {"query": query}, ["query", "query"]
    return kwargs, {"query": query, "value": value}, ["query", "value"]


@pytest.mark.parametrize("type_name", ["Attention", "AdditiveAttention"])
@needs_keras
@settings(max_examples=80, **SETTINGS)
@given(data=st.data())
def test_score_attention_matches_keras(type_name, data):
    kwargs, shapes, order = data.draw(score_attention_cases(type_name), label="case")
    assert_matches_keras(type_name, kwargs, shapes, order)


@pytest.mark.parametrize("type_name, kwargs, shapes", [
    ("Attention", {}, [(5, 4), (6, 4)]),
    ("Attention", {"use_scale": True, "score_mode": "concat"}, [(5, 4), (6, 3), (6, 4)]),
    ("Attention", {}, [(5, 4), (6, 3)]),                    # fails to run: query 4 features, key 3
    ("Attention", {"score_mode": "concat"}, [(5, 1), (6, 3)]),  # concat: 1 broadcasts
    ("Attention", {}, [(4,), (4,)]),                        # Keras runs it (scores across the batch)
    ("Attention", {}, [(5, 4), (6, 3), (7, 4)]),            # fails to run: key and value positions
    ("Attention", {}, [(1, 5, 4), (2, 6, 4)]),              # declares 1, computes 2
    ("Attention", {}, [(2, 5, 4), (1, 6, 4)]),              # 1 broadcasts into the query
    ("Attention", {}, [(5, 4), (6, 3), (2, 6, 4)]),         # key of another rank: declares (5, 3), computes more
    ("Attention", {}, [(5, 4)]),                            # refused: 2 or 3 inputs
    ("Attention", {"score_mode": "DOT"}, [(5, 4), (6, 4)]),  # refused: score_mode is case-sensitive
    ("Attention", {"dropout": 3}, [(5, 4), (6, 4)]),        # Keras does not check it
    ("AdditiveAttention", {}, [(5, 4), (6, 4)]),
    ("AdditiveAttention", {}, [(5, 1), (6, 3)]),            # the scale has the query's features
    ("AdditiveAttention", {"use_scale": False}, [(3, 2, 5, 4), (1, 2, 6, 4)]),
    ("Attention", {}, [(None, 4), (6, 4)]),                 # unknown lengths: Keras builds, and it runs
    ("Attention", {}, [(5, None), (6, 4)]),                 # even with unknown query features (no variable)
    ("Attention", {}, [(5, 4), (None, 4), (6, 4)]),
    ("Attention", {}, [(5, 4), (6, 4), (None, 3)]),         # fails to run at any length: features 4 vs 3
    ("AdditiveAttention", {}, [(5, None), (6, 4)]),         # refused: the scale needs the query's features
    ("AdditiveAttention", {"use_scale": False}, [(5, None), (6, 4)]),
])
@needs_keras
def test_score_attention_examples(type_name, kwargs, shapes):
    assert_matches_keras(type_name, kwargs, *named(*shapes))


# --------------------------------------------------------------------------------------------
# examples/attention_block.toml
# --------------------------------------------------------------------------------------------


def test_attention_block_example_derives():
    """The example's counts at its defaults, by hand: 4 projections of 64·4·16 + 64 and the two Dense layers."""
    net = symparam.load(EXAMPLE)
    assert [layer.name for layer in net.layers] == ["cross_attention", "residual_1", "ffn_1", "ffn_2", "residual_2"]
    projection = 64 * 4 * 16 + 4 * 16
    assert [int(layer.params) for layer in net.layers] == [4 * projection, 0, 64 * 256 + 256, 256 * 64 + 64, 0]
    assert all(tuple(layer.output_shape) == (10, 64) for layer in net.layers if layer.name != "ffn_1")
    assert net.total == 4 * projection + 64 * 256 + 256 + 256 * 64 + 64 == 49_728
    sym = symparam.load(EXAMPLE, symbolic=True)
    assert set(sym.free_symbols) == {"t_q", "d_model", "heads", "d_k", "d_ff"}   # t_v does not count
    assert sym.assumptions == ()


@needs_keras
def test_attention_block_example_matches_keras():
    net = symparam.load(EXAMPLE, t_q=7, t_v=9, d_model=24, heads=3, d_k=8, d_ff=40)
    query, value = keras.Input((7, 24)), keras.Input((9, 24))
    attention = keras.layers.MultiHeadAttention(num_heads=3, key_dim=8, dropout=0.1)
    residual_1 = keras.layers.Add()([query, attention(query, value)])
    ffn_1 = keras.layers.Dense(40, activation="relu")
    ffn_2 = keras.layers.Dense(24)
    out = keras.layers.Add()([residual_1, ffn_2(ffn_1(residual_1))])
    model = keras.Model([query, value], out)
    assert int(net.total) == model.count_params()
    assert tuple(net.layers[-1].output_shape) == tuple(out.shape[1:])
    for layer, keras_layer in zip([net.layer("cross_attention"), net.layer("ffn_1"), net.layer("ffn_2")],
                                  [attention, ffn_1, ffn_2]):
        prefix = f"{keras_layer.name}/"
        assert [(v.name, tuple(int(d) for d in v.shape)) for v in layer.variables] == \
               [(v.path.removeprefix(prefix), tuple(v.shape)) for v in keras_layer.weights]


# --------------------------------------------------------------------------------------------
# Hostile input: several inputs of any shape, arguments of any type -> a result or a SymparamError
# --------------------------------------------------------------------------------------------

KINDS = [*ELEMENTWISE, "Concatenate", "Dot", "MultiHeadAttention", "Attention", "AdditiveAttention"]
ARGS = ["axis", "axes", "normalize", "num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape",
        "attention_axes", "sliding_window", "flash_attention", "use_gate", "use_scale", "score_mode", "trainable"]
scalar = st.one_of(st.integers(-4, 6), st.booleans(), st.sampled_from(["n", "none", "dot", "concat", "", "2*n"]),
                   st.floats(-1, 2), st.none())
dims = st.lists(st.one_of(st.integers(1, 4), st.sampled_from(["n", "m", "none"])), max_size=4)


@settings(max_examples=200, deadline=None)
@given(type_name=st.sampled_from(KINDS), shapes=st.lists(dims, min_size=1, max_size=4),
       picks=st.lists(st.integers(0, 3), min_size=1, max_size=4),
       kwargs=st.dictionaries(st.sampled_from(ARGS), st.one_of(scalar, st.lists(scalar, max_size=3)), max_size=4))
def test_any_case_derives_or_fails_cleanly(type_name, shapes, picks, kwargs):
    names = [f"in{i}" for i in range(len(shapes))]
    document = {"network": {"input": dict(zip(names, shapes))},
                "layers": [{"type": type_name, "inputs": [names[p % len(names)] for p in picks],
                            **{k: v for k, v in kwargs.items() if v is not None}}]}
    try:
        net = derive(from_dict(document, "fuzz.toml"))
        net.subs(**{s: 3 for s in ("n", "m") if s in net.symbols.names()})
    except SymparamError as exc:
        assert str(exc) and "\n" not in str(exc)
