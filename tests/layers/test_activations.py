"""symparam/layers/activations.py against real Keras: PReLU, LeakyReLU, ReLU, ELU, Softmax.

These cases are also called on zeros (``called=True``): Keras checks Softmax's axis only then.
See tests/oracle/cases.py.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import axes_argument, maybe, some_shape


def activation(type_name: str, kwargs: dict[str, Any], input_shape: tuple) -> Case:
    return Case(type_name, kwargs, input_shape, called=True)


@st.composite
def prelu_cases(draw):
    input_shape = some_shape(draw)
    n = len(input_shape)
    axis = st.integers(-n - 1, n + 1)
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "shared_axes", st.one_of(axis, st.lists(axis, min_size=0, max_size=3)))
    return activation("PReLU", kwargs, input_shape)


slopes = st.one_of(st.floats(-1.0, 2.0, allow_nan=False), st.integers(-1, 3))


@st.composite
def leaky_relu_cases(draw):
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "negative_slope", slopes)
    return activation("LeakyReLU", kwargs, some_shape(draw))


@st.composite
def relu_cases(draw):
    kwargs: dict[str, Any] = {}
    for key in ("negative_slope", "threshold"):
        maybe(draw, kwargs, key, slopes)
    maybe(draw, kwargs, "max_value", st.one_of(st.none(), slopes))
    return activation("ReLU", kwargs, some_shape(draw))


@st.composite
def elu_cases(draw):
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "alpha", slopes)
    return activation("ELU", kwargs, some_shape(draw))


@st.composite
def softmax_cases(draw):
    input_shape = some_shape(draw)
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "axis", axes_argument(len(input_shape)))
    return activation("Softmax", kwargs, input_shape)


GENERATED = {
    "PReLU": Generated(prelu_cases(), 60),
    "LeakyReLU": Generated(leaky_relu_cases(), 30),
    "ReLU": Generated(relu_cases(), 30),
    "ELU": Generated(elu_cases(), 20),
    "Softmax": Generated(softmax_cases(), 50),
}

EXAMPLES = [
    activation("PReLU", {"shared_axes": [1, 2]}, (4, 3, 5)),
    activation("PReLU", {"shared_axes": -1}, (4, 3, 5)),     # Keras: param_shape[-2] = 1
    activation("PReLU", {"shared_axes": 0}, (4, 3, 5)),      # Keras: param_shape[-1] = 1
    activation("PReLU", {"shared_axes": 4}, (4, 3, 5)),      # refused: IndexError in build
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
