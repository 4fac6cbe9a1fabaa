"""symparam/layers/preprocessing.py against real Keras: Normalization, Rescaling, Resizing, CategoryEncoding.

These cases are also called on zeros (``called=True``): Keras checks Resizing's interpolation and Rescaling's
broadcast only then. Where Keras's torch backend cannot call what Keras supports (the Lanczos interpolations),
Keras's declared facts stand. See tests/oracle/cases.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

from oracle.cases import (CALL_BATCH, Case, Generated, Refused, assert_matches, framework_facts, framework_tests,
                          symparam_facts)
from oracle.strategies import DATA_FORMATS, axis_values, maybe, some_shape


def preprocessing(type_name: str, kwargs: dict[str, Any], input_shape: tuple) -> Case:
    return Case(type_name, kwargs, input_shape, called=True)


def array_of(shape):
    values = np.arange(1, math.prod(shape) + 1, dtype=float).reshape(shape) if shape else 2.0
    return values.tolist() if shape else values


@st.composite
def normalization_cases(draw):
    input_shape = some_shape(draw)
    n = len(input_shape)
    kwargs: dict[str, Any] = {}
    axis = draw(st.one_of(st.just(-1), st.none(), axis_values(n), st.lists(axis_values(n), min_size=0, max_size=3)))
    if axis != -1 or draw(st.booleans()):
        kwargs["axis"] = axis
    if draw(st.booleans()):  # mean and variance given: a shape built from the kept axes, sometimes wrong
        axes = [] if axis is None else [axis] if isinstance(axis, int) else axis
        kept = [input_shape[(a % (n + 1)) - 1] for a in axes if -n - 1 <= a <= n and a % (n + 1) != 0]
        k = draw(st.integers(0, len(kept)))
        shape = [draw(st.sampled_from([d, d, 1, d + 1])) for d in kept[len(kept) - k:]]
        if draw(st.integers(0, 6)) == 0:
            shape = [1, *shape]  # one axis too many (sometimes)
        kwargs["mean"] = array_of(shape)
        kwargs["variance"] = array_of(shape if draw(st.integers(0, 8)) else shape[1:])
    return preprocessing("Normalization", kwargs, input_shape)


@st.composite
def rescaling_cases(draw):
    input_shape = some_shape(draw)
    batched = (CALL_BATCH, *input_shape)   # a scale may broadcast against the batch
    kwargs: dict[str, Any] = {"scale": 0.5}
    for key in ("scale", "offset"):
        if draw(st.booleans()):
            rank = draw(st.integers(0, len(batched)))
            shape = [draw(st.sampled_from([d, 1, 2] if i > 0 or rank < len(batched) else [1, 2]))
                     for i, d in enumerate(batched[len(batched) - rank:])]
            kwargs[key] = array_of(shape)
        elif key == "scale":
            kwargs[key] = draw(st.sampled_from([0.5, 2, 1 / 255]))
    return preprocessing("Rescaling", kwargs, input_shape)


@st.composite
def resizing_cases(draw):
    data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
    kwargs: dict[str, Any] = {"height": draw(st.integers(1, 9)), "width": draw(st.integers(1, 9))}
    maybe(draw, kwargs, "interpolation", st.sampled_from(["bilinear", "nearest", "bicubic", "Bilinear", "area"]))
    maybe(draw, kwargs, "crop_to_aspect_ratio", st.booleans())
    maybe(draw, kwargs, "pad_to_aspect_ratio", st.booleans())
    maybe(draw, kwargs, "fill_mode", st.sampled_from(["constant", "reflect"]))
    if data_format:
        kwargs["data_format"] = data_format
    rank = draw(st.sampled_from([3, 3, 3, 3, 1, 2, 4]))  # images; sometimes a rank Keras cannot call
    return preprocessing("Resizing", kwargs, tuple(draw(st.lists(st.integers(1, 6), min_size=rank, max_size=rank))))


@st.composite
def category_encoding_cases(draw):
    kwargs: dict[str, Any] = {}
    if draw(st.integers(0, 8)):   # sometimes no num_tokens: Keras requires it
        kwargs["num_tokens"] = draw(st.integers(-1, 8))
    maybe(draw, kwargs, "output_mode", st.sampled_from(["multi_hot", "one_hot", "count", "binary", "int", "One_hot"]))
    # one_hot replaces a last axis of length 1: draw it often
    shape = tuple(draw(st.lists(st.sampled_from([1, 1, 2, 3]), min_size=0, max_size=3)))
    return preprocessing("CategoryEncoding", kwargs, shape)


GENERATED = {
    "Normalization": Generated(normalization_cases(), 70),
    "Rescaling": Generated(rescaling_cases(), 50),
    "Resizing": Generated(resizing_cases(), 50),
    "CategoryEncoding": Generated(category_encoding_cases(), 60),
}

EXAMPLES = [
    preprocessing("Normalization", {}, (4, 3)),                                          # mean, variance (3,), count
    preprocessing("Normalization", {"axis": None}, (4, 3)),                              # three scalars
    preprocessing("Normalization", {"axis": [1, 2]}, (4, 3)),
    preprocessing("Normalization", {"axis": [2, -1]}, (4, 1)),                   # an axis twice, of length 1
    preprocessing("Normalization", {"axis": [2, -1]}, (4, 3)),                   # refused: RuntimeError in build
    preprocessing("Normalization", {"mean": [0.5, 1, 2], "variance": [1, 2, 3]}, (4, 3)),
    preprocessing("Normalization", {"mean": [0.5, 1], "variance": [1, 2]}, (4, 3)),      # refused: no broadcast
    preprocessing("Normalization", {"mean": [[0.5]], "variance": [[1]]}, (4, 3)),        # refused: too many axes
    preprocessing("Normalization", {"mean": 1.0}, (4, 3)),                               # refused: no variance
    preprocessing("Normalization", {"mean": [1, 2, 3, 4], "variance": [1, 2, 3, 4], "axis": [2, 1]}, (4, 3)),
    preprocessing("Rescaling", {"scale": 1 / 255}, (32, 32, 3)),
    preprocessing("Rescaling", {"scale": [0.5, 1, 3]}, (4, 3, 2)),                       # refused: 3 against 2
    preprocessing("Rescaling", {"scale": 2, "offset": [[[[[0.5, 1]]]]]}, (4, 3, 2)),     # refused: adds an axis
    preprocessing("Resizing", {"height": 5, "width": 7}, (4, 3, 2)),
    preprocessing("Resizing", {"height": 5, "width": 7, "data_format": "channels_first"}, (4, 3, 2)),
    preprocessing("Resizing", {"height": 5, "width": 7, "crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True},
                  (4, 3, 2)),
    preprocessing("Resizing", {"height": 5, "width": 7, "interpolation": "lanczos5"}, (4, 3, 2)),  # backend gap
    preprocessing("CategoryEncoding", {"num_tokens": 6}, (4,)),                           # multi_hot: (6,)
    preprocessing("CategoryEncoding", {"num_tokens": 6, "output_mode": "one_hot"}, (4, 1)),  # the 1 is replaced
    preprocessing("CategoryEncoding", {"num_tokens": 6, "output_mode": "one_hot"}, (4, 3)),  # appended
    preprocessing("CategoryEncoding", {"num_tokens": 6, "output_mode": "count"}, (4, 3)),  # refused: axis 1 reduced
    preprocessing("CategoryEncoding", {"num_tokens": 6, "output_mode": "count"}, (3, 3)),  # ... to the same shape
    preprocessing("CategoryEncoding", {"num_tokens": 6}, ()),                 # refused: the batch would be encoded
    # sparse=True: the torch backend cannot call it (no sparse tensors); the symbolic build is compared
    Case("CategoryEncoding", {"num_tokens": 6, "sparse": True}, (4,)),
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


def test_normalization_axis_none_is_spelled_none_in_a_spec(keras):
    """TOML has no null: a spec writes Keras's axis=None as "none"."""
    assert symparam_facts(preprocessing("Normalization", {"axis": "none"}, (4, 3))) == \
        framework_facts(preprocessing("Normalization", {"axis": None}, (4, 3)))


def test_resizing_a_two_axis_input(keras):
    """Keras calls a 2-axis input as one image whose first axis is the batch. channels_last: it declares (width,
    channels) but the call resizes the batch axis -- a refusal, and symparam refuses. channels_first: the batch
    axis plays the channels and each example is resized to (height, width), as declared."""
    with pytest.raises(Refused, match="not the declared") as refused:
        framework_facts(preprocessing("Resizing", {"height": 5, "width": 7}, (4, 3)))
    assert refused.value.facts.outputs == ((7, 3),)
    assert_matches(preprocessing("Resizing", {"height": 5, "width": 7}, (4, 3)))
    first = preprocessing("Resizing", {"height": 5, "width": 7, "data_format": "channels_first"}, (4, 3))
    assert_matches(first)
    assert symparam_facts(first).outputs == ((5, 7),)
