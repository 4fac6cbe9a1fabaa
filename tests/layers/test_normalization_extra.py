"""symparam/layers/normalization_extra.py against real Keras: LayerNormalization, GroupNormalization,
UnitNormalization, RMSNormalization.

These cases are also called on zeros (``called=True``): Keras checks a LayerNormalization axis named twice only
then. Where Keras's torch backend cannot call what Keras supports (a contiguous block of axes that does not end
at the last axis), Keras's declared facts stand. See tests/oracle/cases.py.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, assert_matches, assert_refused, framework_tests, note
from oracle.strategies import axes_argument, axis_values, divisors, maybe, some_shape
from symparam.api import layer_record


def norm(type_name: str, kwargs: dict[str, Any], input_shape: tuple) -> Case:
    return Case(type_name, kwargs, input_shape, called=True)


@st.composite
def layernorm_cases(draw):
    input_shape = some_shape(draw)
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "axis", axes_argument(len(input_shape)))
    maybe(draw, kwargs, "center", st.booleans())
    maybe(draw, kwargs, "scale", st.booleans())
    maybe(draw, kwargs, "rms_scaling", st.booleans())
    return norm("LayerNormalization", kwargs, input_shape)


@st.composite
def groupnorm_cases(draw):
    input_shape = list(some_shape(draw))
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "axis", axis_values(len(input_shape)))
    axis = kwargs.get("axis", -1)
    if -len(input_shape) <= (axis - 1 if axis > 0 else axis) < len(input_shape) and axis != 0:
        index = axis - 1 if axis > 0 else axis
        if draw(st.booleans()):
            input_shape[index] = draw(st.sampled_from([32, 64, 6, 8, 12]))
        channels = input_shape[index]
        maybe(draw, kwargs, "groups", st.one_of(st.sampled_from(divisors(channels)), st.integers(1, 9), st.just(-1)))
    maybe(draw, kwargs, "center", st.booleans())
    maybe(draw, kwargs, "scale", st.booleans())
    return norm("GroupNormalization", kwargs, tuple(input_shape))


@st.composite
def unitnorm_cases(draw):
    input_shape = some_shape(draw)
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "axis", axes_argument(len(input_shape)))
    return norm("UnitNormalization", kwargs, input_shape)


def trailing(case: Case) -> bool:
    axis = case.kwargs.get("axis", -1)
    axes = sorted([axis] if isinstance(axis, int) else axis)
    rank = len(case.inputs) + 1
    named = [d % rank for d in axes if -rank <= d < rank]
    return bool(axes) and len(named) == len(axes) and named == list(range(rank - len(axes), rank))


def rms_check(case: Case) -> None:
    """Keras's scale multiplies the trailing axes: other axes run in Keras only where their lengths happen to
    broadcast ([1, 3] on (3, 3, 2)), and symparam refuses them whatever the lengths."""
    if trailing(case):
        assert_matches(case)
    else:
        note("not the trailing axes: symparam refuses")
        assert_refused(case, "symparam normalizes trailing axes only")


@st.composite
def rmsnorm_cases(draw):
    input_shape = some_shape(draw)
    kwargs: dict[str, Any] = {}
    rank = len(input_shape)
    tail = st.one_of(st.just(rank), st.integers(1, rank).map(lambda k: list(range(-k, 0))),
                     st.integers(1, rank).map(lambda k: list(range(rank - k + 1, rank + 1))))
    maybe(draw, kwargs, "axis", st.one_of(tail, axes_argument(rank)))
    return norm("RMSNormalization", kwargs, input_shape)


GENERATED = {
    "LayerNormalization": Generated(layernorm_cases(), 70),
    "GroupNormalization": Generated(groupnorm_cases(), 70),
    "UnitNormalization": Generated(unitnorm_cases(), 40),
    "RMSNormalization": Generated(rmsnorm_cases(), 60, check=rms_check),
}

EXAMPLES = [
    norm("LayerNormalization", {}, (4, 3)),
    norm("LayerNormalization", {"axis": [-1, 1]}, (4, 3)),          # weights follow sorted(axis): (3, 4)
    norm("LayerNormalization", {"axis": [1, 3]}, (4, 3, 2)),
    norm("LayerNormalization", {"axis": 1}, (4, 3, 2)),             # torch backend gap: symbolic facts
    norm("LayerNormalization", {"axis": [1, 1]}, (4, 3)),           # refused when called: an axis twice
    norm("LayerNormalization", {"axis": []}, (4, 3)),               # refused when called
    norm("LayerNormalization", {"axis": 0}, (4, 3)),                # refused: the batch axis
    norm("LayerNormalization", {"axis": 5}, (4, 3)),                # refused: IndexError in build
    norm("LayerNormalization", {"rms_scaling": True, "scale": False, "center": True}, (4, 3)),   # gamma, no beta
    norm("GroupNormalization", {}, (4, 64)),
    norm("GroupNormalization", {}, (4, 16)),                        # refused: 32 groups, 16 channels
    norm("GroupNormalization", {"groups": 2, "axis": 1}, (4, 3)),
    norm("GroupNormalization", {"groups": -1, "axis": -2}, (4, 3)),
    norm("GroupNormalization", {"groups": 4}, (8, 6)),              # refused: 4 does not divide 6
    norm("GroupNormalization", {"groups": 3, "axis": 3}, (4, 3)),   # refused: IndexError in build
    norm("RMSNormalization", {}, (4, 3)),
    norm("RMSNormalization", {"axis": [-2, -1]}, (4, 3, 2)),
    norm("RMSNormalization", {"axis": [2, 3]}, (4, 3, 2)),
    norm("RMSNormalization", {"axis": 2}, (4, 3)),
    norm("RMSNormalization", {"axis": 1}, (4, 3)),                  # refused by the call: scale (4,) on (4, 3)
    norm("RMSNormalization", {"axis": [1, 1]}, (4, 3)),             # refused by the call: an axis twice
    norm("RMSNormalization", {"axis": []}, (4, 3)),                 # refused by the call
    norm("RMSNormalization", {"axis": 0}, (4, 3)),                  # refused: the batch axis
    norm("RMSNormalization", {"axis": 3}, (4, 3)),                  # refused: IndexError in build
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


def test_symbolic_group_norm_records_the_divisibility():
    rec = layer_record("GroupNormalization", {"groups": "g"}, ("h", "c"))
    assert {c.key for c in rec.conditions} >= {"groups"}
    assert [v.name for v in rec.variables] == ["gamma", "beta"]
