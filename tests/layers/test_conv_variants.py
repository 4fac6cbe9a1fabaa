"""symparam/layers/conv_variants.py against real Keras: Conv1D/2D/3DTranspose, DepthwiseConv1D/2D,
SeparableConv1D/2D.

These cases are also called on zeros (``called=True``): Keras checks some arguments only then. An output axis of
length 0 (a transposed convolution that shrinks to nothing) Keras builds; symparam refuses it. See
tests/oracle/cases.py.
"""

from __future__ import annotations

from typing import Any

import sympy
from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import DATA_FORMATS, image, maybe, per_axis
from symparam.api import layer_record


def variant(type_name: str, kwargs: dict[str, Any], input_shape: tuple) -> Case:
    return Case(type_name, kwargs, input_shape, called=True)


@st.composite
def transpose_cases(draw, rank: int):
    data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
    kwargs: dict[str, Any] = {"filters": draw(st.integers(1, 5)), "kernel_size": draw(per_axis(rank, 1, 4))}
    maybe(draw, kwargs, "strides", per_axis(rank, 1, 3))
    maybe(draw, kwargs, "padding", st.sampled_from(["valid", "same", "SAME", "causal"]))
    maybe(draw, kwargs, "output_padding", per_axis(rank, 0, 2))
    maybe(draw, kwargs, "dilation_rate", per_axis(rank, 1, 2))
    maybe(draw, kwargs, "use_bias", st.booleans())
    if data_format:
        kwargs["data_format"] = data_format
    spatial = draw(st.lists(st.integers(1, 6), min_size=rank, max_size=rank))
    return variant(f"Conv{rank}DTranspose", kwargs, image(spatial, draw(st.integers(1, 5)), data_format))


@st.composite
def depthwise_cases(draw, type_name: str, rank: int):
    data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
    kwargs: dict[str, Any] = {"kernel_size": draw(per_axis(rank, 1, 4))}
    if type_name.startswith("Separable"):
        kwargs["filters"] = draw(st.integers(1, 5))
    maybe(draw, kwargs, "strides", per_axis(rank, 1, 3))
    maybe(draw, kwargs, "padding", st.sampled_from(["valid", "same", "Same", "causal"]))
    maybe(draw, kwargs, "depth_multiplier", st.integers(1, 3))
    maybe(draw, kwargs, "dilation_rate", per_axis(rank, 1, 3))
    maybe(draw, kwargs, "use_bias", st.booleans())
    if data_format:
        kwargs["data_format"] = data_format
    spatial = draw(st.lists(st.integers(1, 9), min_size=rank, max_size=rank))
    return variant(type_name, kwargs, image(spatial, draw(st.integers(1, 5)), data_format))


GENERATED = {
    "Conv1DTranspose": Generated(transpose_cases(1), 60),
    "Conv2DTranspose": Generated(transpose_cases(2), 60),
    "Conv3DTranspose": Generated(transpose_cases(3), 40),
    "DepthwiseConv1D": Generated(depthwise_cases("DepthwiseConv1D", 1), 50),
    "DepthwiseConv2D": Generated(depthwise_cases("DepthwiseConv2D", 2), 50),
    "SeparableConv1D": Generated(depthwise_cases("SeparableConv1D", 1), 50),
    "SeparableConv2D": Generated(depthwise_cases("SeparableConv2D", 2), 50),
}

EXAMPLES = [
    variant("Conv2DTranspose", {"filters": 4, "kernel_size": 3, "strides": 2}, (5, 5, 3)),                  # 11 x 11
    variant("Conv2DTranspose", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same",
                                "output_padding": 1}, (3, 3, 3)),
    variant("Conv2DTranspose", {"filters": 4, "kernel_size": 1, "strides": 3}, (3, 3, 3)),     # max(k, s): 9 x 9
    variant("Conv2DTranspose", {"filters": 4, "kernel_size": 4, "dilation_rate": 2, "padding": "same",
                                "output_padding": 0}, (3, 3, 3)),
    variant("Conv2DTranspose", {"filters": 4, "kernel_size": 2, "padding": "same", "output_padding": 0},
            (1, 1, 3)),                                                                          # Keras: 0 x 0
    variant("Conv2DTranspose", {"filters": 4, "kernel_size": 3, "strides": 2, "output_padding": 2},
            (3, 3, 3)),                                                                          # refused: op >= s
    variant("Conv2DTranspose", {"filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, (3, 3, 3)),
    variant("Conv2DTranspose", {"filters": 4, "kernel_size": 3, "lora_rank": 2}, (3, 3, 3)),     # refused: no LoRA
    *(variant(type_name, {"kernel_size": 3, "strides": 2, "dilation_rate": 2,
                          **({"filters": 4} if type_name.startswith("Separable") else {})}, (9,) * rank + (3,))
      for type_name, rank in [("DepthwiseConv1D", 1), ("DepthwiseConv2D", 2), ("SeparableConv1D", 1),
                              ("SeparableConv2D", 2)]),                          # strides with dilation
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


def test_symbolic_transposed_length():
    rec = layer_record("Conv2DTranspose", {"filters": "F", "kernel_size": "k", "strides": "s", "padding": "same",
                                           "output_padding": 0}, ("n", "n", "c"))
    n, k, s = (next(x for x in rec.output_shape[0].free_symbols if x.name == name) for name in ("n", "k", "s"))
    assert sympy.simplify(rec.output_shape[0] - ((n - 1) * s + sympy.Mod(k, 2))) == 0
    assert {c.key for c in rec.conditions} >= {"output_padding"}   # 0 < s, and the length >= 1
    rec = layer_record("Conv1DTranspose", {"filters": 2, "kernel_size": "k", "strides": "s"}, ("n", 3))
    n, k, s = (next(x for x in rec.output_shape[0].free_symbols if x.name == name) for name in ("n", "k", "s"))
    assert rec.output_shape[0] == (n - 1) * s + sympy.Max(k, s)
