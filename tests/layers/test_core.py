"""symparam/layers/core.py against real Keras: InputLayer, Dense, Flatten, Reshape, Dropout, Activation.

For every generated configuration symparam must report what Keras builds -- the variables (name, shape,
trainable) in ``layer.weights`` order, the counts, the output shape -- or refuse where Keras refuses (a reshape
that changes the size, an unknown activation, an input layer without a shape). See tests/oracle/cases.py.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import DATA_FORMATS, divisors, maybe


@st.composite
def input_layer_cases(draw):
    """shape or batch_shape (lengths or unknown), sometimes both or neither (Keras refuses)."""
    dims = draw(st.lists(st.one_of(st.integers(1, 6), st.just("none")), max_size=3))
    kwargs: dict[str, Any] = {}
    form = draw(st.sampled_from(["shape", "shape", "batch_shape", "both", "neither"]))
    if form in ("shape", "both"):
        kwargs["shape"] = dims
    if form in ("batch_shape", "both"):
        kwargs["batch_shape"] = [draw(st.sampled_from([2, "none"])), *dims]
    if form == "shape":
        maybe(draw, kwargs, "batch_size", st.integers(1, 4))
    maybe(draw, kwargs, "dtype", st.sampled_from(["float32", "int32"]))
    maybe(draw, kwargs, "optional", st.booleans())
    return Case("InputLayer", kwargs, {})


@st.composite
def dense_cases(draw):
    input_shape = tuple(draw(st.lists(st.integers(1, 8), min_size=1, max_size=3)))
    kwargs: dict[str, Any] = {"units": draw(st.integers(1, 8))}
    maybe(draw, kwargs, "use_bias", st.booleans())
    maybe(draw, kwargs, "lora_rank", st.integers(1, 4))
    return Case("Dense", kwargs, input_shape)


@st.composite
def flatten_cases(draw):
    input_shape = tuple(draw(st.lists(st.integers(1, 8), min_size=1, max_size=4)))
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "data_format", st.sampled_from(DATA_FORMATS))
    return Case("Flatten", kwargs, input_shape)


@st.composite
def reshape_cases(draw):
    input_shape = tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=3)))
    total = math.prod(input_shape)
    # a factorisation of the total size ...
    rank = draw(st.integers(1, 4))
    target: list[int] = []
    remaining = total
    for _ in range(rank - 1):
        d = draw(st.sampled_from(divisors(remaining)))
        target.append(d)
        remaining //= d
    target.append(remaining)
    target = draw(st.permutations(target))
    # ... with one (rarely two) dims replaced by -1, and sometimes one dim broken
    n_unknown = draw(st.sampled_from([0, 1, 1, 2])) if len(target) >= 2 else draw(st.sampled_from([0, 1]))
    for i in draw(st.permutations(range(len(target))))[:n_unknown]:
        target[i] = -1
    if draw(st.integers(0, 4)) == 0:
        known = [i for i, d in enumerate(target) if d != -1]
        if known:
            i = draw(st.sampled_from(known))
            target[i] += draw(st.integers(1, 3))
    return Case("Reshape", {"target_shape": list(target)}, input_shape)


any_shape = st.lists(st.integers(1, 8), min_size=1, max_size=4).map(tuple)
dropout_cases = st.builds(lambda rate, shape: Case("Dropout", {"rate": rate}, shape),
                          st.floats(0.0, 1.0, allow_nan=False), any_shape)
activation_cases = any_shape.map(lambda shape: Case("Activation", {"activation": "relu"}, shape))

GENERATED = {
    "InputLayer": Generated(input_layer_cases(), 30),
    "Dense": Generated(dense_cases(), 200),
    "Flatten": Generated(flatten_cases(), 60),
    "Reshape": Generated(reshape_cases(), 200),
    "Dropout": Generated(dropout_cases, 30),
    "Activation": Generated(activation_cases, 30),
}

EXAMPLES = [
    Case("InputLayer", {"shape": [32, 32, 3]}, {}),
    Case("InputLayer", {"batch_shape": [2, 5, "none"]}, {}),
    Case("InputLayer", {"shape": [], "batch_size": 4}, {}),
    Case("InputLayer", {}, {}),                                               # refused: no shape
    Case("InputLayer", {"shape": [5], "batch_shape": [2, 5]}, {}),            # refused: both
    Case("Dense", {"units": 10}, (256,)),
    Case("Dense", {"units": 3, "use_bias": False}, (4, 5)),
    Case("Dense", {"units": 4, "lora_rank": 2}, (2, 3, 5)),
    Case("Dense", {"units": 1, "use_bias": False, "lora_rank": 4}, (7,)),
    Case("Flatten", {}, (7,)),
    Case("Flatten", {"data_format": "channels_first"}, (3, 4, 5)),
    Case("Reshape", {"target_shape": [-1, 4]}, (2, 3, 4)),
    Case("Reshape", {"target_shape": [24]}, (2, 3, 4)),
    Case("Reshape", {"target_shape": [5, -1]}, (2, 3, 4)),                    # refused: 24 not divisible by 5
    Case("Reshape", {"target_shape": [5, 5]}, (2, 3, 4)),                     # refused: size changes
    Case("Reshape", {"target_shape": [-1, -1]}, (2, 3, 4)),                   # refused: two unknown dims
    Case("Dropout", {"rate": 0.5}, (10,)),
    Case("Dropout", {"rate": 0.0}, (2, 3, 4)),
    Case("Activation", {"activation": "relu"}, (32, 32, 3)),
    # where symparam once disagreed with Keras (found by probing around the generated cases)
    Case("Activation", {"activation": "ReLU"}, (4,)),                         # Keras: unknown activation name
    Case("Activation", {"activation": "gelu"}, (4,)),
    Case("Dense", {"units": 3, "activation": "nonexistent"}, (4,)),
    Case("Dense", {"units": 3, "lora_rank": 0}, (4,)),                        # Keras: lora_rank 0 means no LoRA
    Case("Reshape", {"target_shape": []}, (1,)),                              # an empty target shape: one value
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
