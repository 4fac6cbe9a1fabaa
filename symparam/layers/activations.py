"""Activation layers: PReLU (a learned slope per position, shared along shared_axes), LeakyReLU, ReLU, ELU, Softmax."""

from __future__ import annotations

import sympy

from ..errors import SymparamError, show
from . import register
from .base import Arg, LayerKind, Opaque, Real, _is_none
from .core import format_shape
from .costs import activation, softmax
from .normalization_extra import Axes, distinct_axes


class SharedAxes(Arg):
    """PReLU's shared_axes: "none", an axis, or a list of axes (1 is the first axis after the batch)."""
    expected = 'an integer, a list of integers, or "none"'

    def parse(self, value, key, ctx):
        if value is None or _is_none(value):
            return None
        if type(value) is int:
            return (value,)
        if isinstance(value, list) and len(value) <= 16 and all(type(v) is int for v in value):
            return tuple(value)
        raise self.refuse(value, key)


@register
class PReLU(LayerKind):
    no_twin = "PyTorch's nn.PReLU holds 1 or C slopes, Keras's PReLU one per element not shared: symparam does not pair them"
    name = "PReLU"
    saves = ("input", "internal")

    @classmethod
    def saved_inside(cls, a, inputs, output):
        return sympy.Mul(*inputs[0])   # Keras's composite relu(x) - alpha·relu(-x) keeps relu(-x) too
    example = ({"shared_axes": [1, 2]}, ["H", "W", "C"], {"H": 32, "W": 32, "C": 64})
    summary = "leaky ReLU with a learned slope alpha per position, one slope shared along shared_axes"
    args = {"alpha_initializer": Opaque("Zeros"), "alpha_regularizer": Opaque(), "alpha_constraint": Opaque(),
            "shared_axes": SharedAxes(None)}

    def build(self, a, inputs, b):
        (x,) = inputs
        shape = list(x)
        shared = set()
        # Keras sets param_shape[i - 1] = 1 for each shared axis i, with Python's indexing (so 0 and negative
        # values count from the end of the batch-less shape)
        for i in a.shared_axes or ():
            if not -len(shape) <= i - 1 < len(shape):
                raise SymparamError(f"shared_axes names axis {i}, which the input does not have (axes 1 to "
                                    f"{len(shape)} after the batch). Received input shape {format_shape(x)}.")
            shared.add((i - 1) % len(shape))
        if any(d is None for j, d in enumerate(shape) if j not in shared):
            raise SymparamError(f"alpha needs every axis it does not share to have a known length. Received input "
                                f"shape {format_shape(x)}, shared_axes = {show(list(a.shared_axes or ()))}.")
        alpha = tuple(sympy.Integer(1) if j in shared else d for j, d in enumerate(shape))
        labels = tuple("1" if j in shared else f"n_{j + 1}" for j in range(len(shape)))
        b.weight("alpha", alpha, role="slopes", labels=labels, category="weight")
        activation(b, "prelu", x)
        return x


class OptionalReal(Real):
    """A number with bounds, or "none"."""

    def parse(self, value, key, ctx):
        if value is None or _is_none(value):
            return None
        return super().parse(value, key, ctx)


class AnyReal(Real):
    """Any number, negative ones too."""
    expected = "a number"

    def __init__(self, default) -> None:
        super().__init__(default, float("-inf"))
        self.expected = AnyReal.expected


_NO_PARAMS = "the activation is a fixed function applied to each value"


@register
class LeakyReLU(LayerKind):
    name = "LeakyReLU"
    saves = ("input",)
    example = ({}, ["n"], {"n": 128})
    summary = "leaky ReLU: x for x >= 0, negative_slope * x below"
    no_params = _NO_PARAMS
    args = {"negative_slope": Real(0.3, 0.0)}

    def build(self, a, inputs, b):
        activation(b, self.name, inputs[0])
        return inputs[0]


@register
class ReLU(LayerKind):
    name = "ReLU"
    saves = ("output",)
    example = ({}, ["n"], {"n": 128})
    summary = "ReLU with an optional cap (max_value), slope below threshold and threshold"
    no_params = _NO_PARAMS
    args = {"max_value": OptionalReal(None, 0.0), "negative_slope": Real(0.0, 0.0), "threshold": Real(0.0, 0.0)}

    def build(self, a, inputs, b):
        activation(b, self.name, inputs[0])
        return inputs[0]


@register
class ELU(LayerKind):
    name = "ELU"
    saves = ("input",)
    example = ({}, ["n"], {"n": 128})
    summary = "exponential linear unit: x for x > 0, alpha * (exp(x) - 1) below"
    no_params = _NO_PARAMS
    args = {"alpha": AnyReal(1.0)}   # Keras takes any number

    def build(self, a, inputs, b):
        activation(b, self.name, inputs[0])
        return inputs[0]


@register
class Softmax(LayerKind):
    name = "Softmax"
    saves = ("output",)
    example = ({}, ["n"], {"n": 10})
    summary = "softmax over axis: exponentials scaled to sum to 1"
    no_params = "softmax is a fixed function of the values it receives"
    args = {"axis": Axes(-1)}

    def build(self, a, inputs, b):
        (x,) = inputs
        axes = (a.axis,) if isinstance(a.axis, int) else a.axis
        if not axes:
            raise SymparamError("axis must name at least one axis. Received: axis = [].")
        distinct_axes(x, axes)
        softmax(b, x)
        return x
