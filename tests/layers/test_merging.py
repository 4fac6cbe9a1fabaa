"""symparam/layers/merging.py against real Keras: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot.

These layers take several inputs: symparam gets a case as a one-layer spec (``[network] input = {name: shape}``
and the layer's ``inputs = [...]``); Keras calls the layer on a list of ``keras.Input``, then on zeros
(``called=True``): Keras's build-time shape rules are looser than its kernels in places (Dot over the batch axis,
merges of an unknown length beside two known ones that differ), and a layer that builds but fails to run, or
computes another shape than it declared, is refused. See tests/oracle/cases.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from symparam.api import load_dict
from symparam.errors import SymparamError
from symparam.spec import from_dict

ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]


def merge(type_name: str, kwargs: dict[str, Any], *shapes: tuple) -> Case:
    """A case on inputs in0, in1, ... of `shapes`, in that order."""
    names = [f"in{i}" for i in range(len(shapes))]
    return Case(type_name, kwargs, dict(zip(names, shapes)), order=tuple(names), called=True)


@st.composite
def elementwise_cases(draw, type_name: str):
    """Inputs that mostly broadcast: trailing parts of one base shape, some axes 1, a few lengths changed, rarely
    an unknown axis."""
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
    return merge(type_name, {}, *shapes)


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
    return merge("Concatenate", kwargs, *shapes)


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
    return merge("Dot", kwargs, tuple(s1), tuple(s2))


GENERATED = {
    **{kind: Generated(elementwise_cases(kind), 40) for kind in ELEMENTWISE},
    "Concatenate": Generated(concatenate_cases(), 80),
    "Dot": Generated(dot_cases(), 80),
}

EXAMPLES = [
    merge("Add", {}, (3, 4), (4,)),                  # ranks differ: trailing axes align
    merge("Add", {}, (3, 1), (4,)),                  # a 1 broadcasts
    merge("Add", {}, (3, 4), (3,)),                  # refused: 4 against 3
    merge("Add", {}, (), (3,)),                      # a scalar per sample broadcasts
    merge("Add", {}, (3,)),                          # Keras merges a single input
    merge("Multiply", {}, (2, 3), (2, 3), (1, 3)),
    merge("Subtract", {}, (3,), (3,), (3,)),         # refused: exactly 2 inputs
    merge("Subtract", {}, (3,)),                     # refused
    merge("Maximum", {}, (None, 4), (5, 4)),         # an unknown axis stays unknown
    merge("Average", {}, (None,), (2,), (3,)),       # Keras builds it (unknown beside 2 and 3), then fails to run it
    merge("Concatenate", {"axis": -5}, (2, 3), (2, 3)),          # refused: no such axis (Keras: IndexError)
    merge("Concatenate", {"axis": 0}, (2, 3), (2, 3)),           # along the batch axis
    merge("Concatenate", {"axis": 3}, (2, 3), (2, 3)),           # refused: no such axis
    merge("Concatenate", {"axis": 1}, (2, 1), (4, 3)),           # refused: 1 does not broadcast here
    merge("Concatenate", {"axis": 3}, (2, 3, 4), (2, 3)),        # refused: ranks differ
    merge("Concatenate", {"axis": 1}, (2, 3), (4, 3), (1, 3)),
    merge("Dot", {"axes": 0}, (3, 4), (5, 4)),                   # Keras builds it, then fails: batch axis
    merge("Dot", {"axes": [0, 0]}, (3, 4), (5, 4)),              # likewise
    merge("Dot", {"axes": -1}, (3, 4), (5, 4)),
    merge("Dot", {"axes": -5}, (3, 4), (5, 4)),                  # Keras: -5 % 3 = 1, so axis 1: refused, 3 vs 5
    merge("Dot", {"axes": [1, -3]}, (3, 4), (5, 4)),             # refused: the second is the batch axis
    merge("Dot", {"axes": [3, 1]}, (3, 4), (5, 4)),              # refused: no axis 3
    merge("Dot", {"axes": 1}, (4,), (4,)),                       # output (1,)
    merge("Dot", {"axes": [1, 2]}, (4,), (3, 4, 5)),
    merge("Dot", {"axes": [2, 1]}, (3, 4, 5), (4, 7)),
    merge("Dot", {"axes": 1}, (), (4,)),                         # refused: no axis besides the batch
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


def test_symbolic_broadcasting_is_a_condition():
    """Where symbols decide it, the shapes must agree or one length must be 1 (an assumption, checked on binding)."""
    net = load_dict({"network": {"input": {"a": ["n", 4], "b": ["m"]}},
                            "layers": [{"type": "Add", "inputs": ["a", "b"]}]}, symbolic=True)
    n, m = (sympy.Symbol(s, integer=True, positive=True) for s in "nm")
    assert net.layers[0].output_shape == (n, 4)
    [(where, condition)] = net.assumptions
    assert where == "add" and condition.relation == sympy.Or(sympy.Eq(m, 4), sympy.Eq(m, 1))
    assert net.subs(m=1).layers[0].output_shape == (n, 4)
    with pytest.raises(SymparamError, match="compatible shapes"):
        net.subs(m=3)
    both = load_dict({"network": {"input": {"a": ["n"], "b": ["m"]}},
                             "layers": [{"type": "Add", "inputs": ["a", "b"]}]}, symbolic=True)
    assert both.layers[0].output_shape == (sympy.Max(n, m),)
    assert both.subs(n=1, m=7).layers[0].output_shape == (7,)
    assert both.subs(n=7, m=7).layers[0].output_shape == (7,)


def test_dot_axes_as_keras_reads_them():
    with pytest.raises(SymparamError, match="axes must be an integer, or a list of two integers"):
        from_dict({"network": {"input": {"a": [3], "b": [3]}},
                   "layers": [{"type": "Dot", "axes": [1, 2, 3], "inputs": ["a", "b"]}]})


# Hostile input: several inputs of any shape, arguments of any type -> a result or a one-line SymparamError

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
def test_any_multi_input_case_derives_or_fails_cleanly(type_name, shapes, picks, kwargs):
    names = [f"in{i}" for i in range(len(shapes))]
    document = {"network": {"input": dict(zip(names, shapes))},
                "layers": [{"type": type_name, "inputs": [names[p % len(names)] for p in picks],
                            **{k: v for k, v in kwargs.items() if v is not None}}]}
    try:
        net = load_dict(document, source="fuzz.toml", symbolic=True)
        net.subs(**{s: 3 for s in ("n", "m") if s in net.symbols.names()})
    except SymparamError as exc:
        assert str(exc) and "\n" not in str(exc)
