"""Regularization layers without parameters: SpatialDropout1D-3D, GaussianNoise, GaussianDropout, AlphaDropout,
ActivityRegularization. Each returns its input's shape (Keras's compute_output_shape); SpatialDropout checks the
input's rank as its InputSpec does. Dropout itself lives in core.py.
"""

from __future__ import annotations

import math

import sympy

from . import register
from .base import REQUIRED, Choice, LayerKind, Opaque, Real
from .core import channels_of
from .costs import identity

_RATE = Real(REQUIRED, 0.0, 1.0)
_FORMAT = Choice("channels_last", "channels_first", default="channels_last")
_SPATIAL = {1: ["L"], 2: ["H", "W"], 3: ["D", "H", "W"]}


class Penalty(Real):
    """An activity penalty factor: a finite number >= 0 (Keras's validate_float_arg)."""
    expected = "a finite number at least 0"

    def __init__(self, default) -> None:
        super().__init__(default, 0.0)
        self.expected = Penalty.expected

    def parse(self, value, key, ctx):
        value = super().parse(value, key, ctx)
        if math.isinf(value):
            raise self.refuse(value, key)
        return value


class SpatialDropout(LayerKind):
    rank = 0
    no_params = "dropout only zeroes some of the values it receives"

    @classmethod
    def mask_values(cls, a, inputs, output):
        """One keep flag per channel (the noise shape broadcasts over the positions)."""
        return channels_of(inputs[0], getattr(a, "data_format", "channels_last"), cls.name, cls.rank)[0]

    def build(self, a, inputs, b):
        (x,) = inputs
        identity(b)
        channels_of(x, getattr(a, "data_format", "channels_last"), self.name, self.rank)
        return x


def _example(rank: int) -> tuple[dict, list, dict]:
    return {"rate": 0.5}, [*_SPATIAL[rank], "C"], {**{s: 32 for s in _SPATIAL[rank]}, "C": 64}


@register
class SpatialDropout1D(SpatialDropout):
    name = "SpatialDropout1D"
    saves = ("mask",)
    rank = 1
    example = _example(1)
    summary = "randomly zeroes whole channels (each over all its steps) with probability rate while training"
    args = {"rate": _RATE, "seed": Opaque()}


@register
class SpatialDropout2D(SpatialDropout):
    name = "SpatialDropout2D"
    saves = ("mask",)
    rank = 2
    example = _example(2)
    summary = "randomly zeroes whole 2D feature maps with probability rate while training"
    args = {"rate": _RATE, "data_format": _FORMAT, "seed": Opaque()}


@register
class SpatialDropout3D(SpatialDropout):
    name = "SpatialDropout3D"
    saves = ("mask",)
    rank = 3
    example = _example(3)
    summary = "randomly zeroes whole 3D feature maps with probability rate while training"
    args = {"rate": _RATE, "data_format": _FORMAT, "seed": Opaque()}


class SameShape(LayerKind):
    def build(self, a, inputs, b):
        identity(b)
        return inputs[0]


@register
class GaussianNoise(SameShape):
    name = "GaussianNoise"
    saves = ("none",)
    example = ({"stddev": 0.1}, ["n"], {"n": 128})
    summary = "adds zero-mean Gaussian noise of standard deviation stddev while training"
    no_params = "the noise is drawn afresh, not learned"
    args = {"stddev": Real(REQUIRED, 0.0, 1.0), "seed": Opaque()}


@register
class GaussianDropout(SameShape):
    name = "GaussianDropout"
    saves = ("internal",)

    @classmethod
    def saved_inside(cls, a, inputs, output):
        return sympy.Mul(*output)        # the noise it multiplies by, at the activations' dtype
    example = ({"rate": 0.5}, ["n"], {"n": 128})
    summary = "multiplies by Gaussian noise of mean 1 and standard deviation sqrt(rate / (1 - rate)) while training"
    no_params = "the noise is drawn afresh, not learned"
    args = {"rate": _RATE, "seed": Opaque()}


@register
class AlphaDropout(SameShape):
    name = "AlphaDropout"
    saves = ("internal",)

    @classmethod
    def saved_inside(cls, a, inputs, output):
        return sympy.Mul(*output)        # the noise it multiplies by, at the activations' dtype
    example = ({"rate": 0.1}, ["n"], {"n": 128})
    summary = "dropout that keeps the mean and variance of its inputs (for SELU networks) while training"
    no_params = "dropout only replaces some of the values it receives"
    args = {"rate": _RATE, "noise_shape": Opaque(), "seed": Opaque()}


@register
class ActivityRegularization(SameShape):
    name = "ActivityRegularization"
    saves = ("input",)
    example = ({"l1": 0.01}, ["n"], {"n": 128})
    summary = "passes its input on and adds l1 * sum|x| + l2 * sum x^2 of it to the loss"
    no_params = "the penalty is computed from the values it receives"
    args = {"l1": Penalty(0.0), "l2": Penalty(0.0)}
