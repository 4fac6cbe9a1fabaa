"""Pooling: Max/Average pooling 1D-3D (windows), their global forms and their adaptive forms (an output size). None
has parameters."""

from __future__ import annotations

import sympy

from ..shapes import join_channels, pool_length
from . import register
from .base import REQUIRED, Choice, Flag, LayerKind, Sizes, window_rules
from .core import channels_of
from .costs import pooling, reads, size

_FORMAT = {"data_format": Choice("channels_last", "channels_first", default="channels_last")}


class Pooling(LayerKind):
    rank = 0

    window_arg = ("window", "pool_size")

    @classmethod
    def make_args(cls, rank: int, pool_default) -> dict:
        # Keras compares pooling's padding case-sensitively; AveragePooling has no default pool_size.
        return {"pool_size": Sizes(rank, pool_default), "strides": Sizes(rank, None, optional=True),
                "padding": Choice("valid", "same", default="valid", any_case=False), **_FORMAT}

    lesson = ("pooling slides a window over each channel on its own and keeps one number per position: it has no "
              "weights, and the channels pass through unchanged")

    @classmethod
    def shape_rule(cls, a, inputs):
        channels, spatial = channels_of(inputs[0], a.data_format, cls.name, cls.rank)
        strides = a.strides if a.strides is not None else a.pool_size
        return window_rules(spatial, a.pool_size, strides, (1,) * cls.rank, a.padding, a.data_format,
                            ("pool_size", "strides=pool_size", ""))

    def build(self, a, inputs, b):
        channels, spatial = channels_of(inputs[0], a.data_format, self.name, self.rank)
        strides = a.strides if a.strides is not None else a.pool_size
        out = []
        for axis, (n, p, s) in enumerate(zip(spatial, a.pool_size, strides)):
            length, condition = pool_length(n, p, s, a.padding)
            if condition is not None:
                b.require(condition, "pool_size",
                          f"pool_size: a 'valid' window of {p} needs input axis {axis + 1} to be at least {p}",
                          f"input length {n}")
            out.append(length)
        shape = join_channels(channels, out, a.data_format)
        pooling(b, shape, a.pool_size, average="Average" in self.name)
        return shape


class GlobalPooling(LayerKind):
    rank = 0
    args = {**_FORMAT, "keepdims": Flag(False)}

    def build(self, a, inputs, b):
        channels, spatial = channels_of(inputs[0], a.data_format, self.name, self.rank)
        reads(b, size(inputs[0]), channels if "Average" in self.name else 0)
        if a.keepdims:
            return join_channels(channels, [sympy.Integer(1)] * self.rank, a.data_format)
        return (channels,)


_SPATIAL = {1: ["L"], 2: ["H", "W"], 3: ["D", "H", "W"]}


def _example(rank: int, args: dict) -> tuple[dict, list, dict]:
    return args, [*_SPATIAL[rank], "C"], {**{s: 32 for s in _SPATIAL[rank]}, "C": 64}


@register
class MaxPooling1D(Pooling):
    name = "MaxPooling1D"
    saves = ("input", "argmax")
    aliases = ("MaxPool1D",)
    rank = 1
    args, example = Pooling.make_args(1, 2), _example(1, {})
    summary = "the maximum over each 1D window, per channel"
    no_params = "pooling only takes the maximum over each window"


@register
class MaxPooling2D(Pooling):
    name = "MaxPooling2D"
    saves = ("input", "argmax")
    aliases = ("MaxPool2D",)
    rank = 2
    args, example = Pooling.make_args(2, 2), _example(2, {})
    summary = "the maximum over each 2D window, per channel"
    no_params = "pooling only takes the maximum over each window"


@register
class MaxPooling3D(Pooling):
    name = "MaxPooling3D"
    saves = ("input", "argmax")
    aliases = ("MaxPool3D",)
    rank = 3
    args, example = Pooling.make_args(3, 2), _example(3, {})
    summary = "the maximum over each 3D window, per channel"
    no_params = "pooling only takes the maximum over each window"


@register
class AveragePooling1D(Pooling):
    name = "AveragePooling1D"
    saves = ("input",)
    aliases = ("AvgPool1D",)
    rank = 1
    args, example = Pooling.make_args(1, REQUIRED), _example(1, {"pool_size": 2})
    summary = "the average over each 1D window, per channel"
    no_params = "pooling only takes the average over each window"


@register
class AveragePooling2D(Pooling):
    name = "AveragePooling2D"
    saves = ("input",)
    aliases = ("AvgPool2D",)
    rank = 2
    args, example = Pooling.make_args(2, REQUIRED), _example(2, {"pool_size": 2})
    summary = "the average over each 2D window, per channel"
    no_params = "pooling only takes the average over each window"


@register
class AveragePooling3D(Pooling):
    name = "AveragePooling3D"
    saves = ("input",)
    aliases = ("AvgPool3D",)
    rank = 3
    args, example = Pooling.make_args(3, REQUIRED), _example(3, {"pool_size": 2})
    summary = "the average over each 3D window, per channel"
    no_params = "pooling only takes the average over each window"


@register
class GlobalMaxPooling1D(GlobalPooling):
    name = "GlobalMaxPooling1D"
    saves = ("input", "output")
    aliases = ("GlobalMaxPool1D",)
    rank = 1
    example = _example(1, {})
    summary = "the maximum over all 1D positions, per channel"
    no_params = "global pooling only takes the maximum of each channel"


@register
class GlobalMaxPooling2D(GlobalPooling):
    name = "GlobalMaxPooling2D"
    saves = ("input", "output")
    aliases = ("GlobalMaxPool2D",)
    rank = 2
    example = _example(2, {})
    summary = "the maximum over all 2D positions, per channel"
    no_params = "global pooling only takes the maximum of each channel"


@register
class GlobalMaxPooling3D(GlobalPooling):
    name = "GlobalMaxPooling3D"
    saves = ("input", "output")
    aliases = ("GlobalMaxPool3D",)
    rank = 3
    example = _example(3, {})
    summary = "the maximum over all 3D positions, per channel"
    no_params = "global pooling only takes the maximum of each channel"


@register
class GlobalAveragePooling1D(GlobalPooling):
    name = "GlobalAveragePooling1D"
    saves = ("none",)
    aliases = ("GlobalAvgPool1D",)
    rank = 1
    example = _example(1, {})
    summary = "the average over all 1D positions, per channel"
    no_params = "global pooling only takes the average of each channel"


@register
class GlobalAveragePooling2D(GlobalPooling):
    name = "GlobalAveragePooling2D"
    saves = ("none",)
    aliases = ("GlobalAvgPool2D",)
    rank = 2
    example = _example(2, {})
    summary = "the average over all 2D positions, per channel"
    no_params = "global pooling only takes the average of each channel"


@register
class GlobalAveragePooling3D(GlobalPooling):
    name = "GlobalAveragePooling3D"
    saves = ("none",)
    aliases = ("GlobalAvgPool3D",)
    rank = 3
    example = _example(3, {})
    summary = "the average over all 3D positions, per channel"
    no_params = "global pooling only takes the average of each channel"


class AdaptivePooling(LayerKind):
    """Keras's BaseAdaptivePooling: the window and stride follow from the input, the output is output_size."""
    rank = 0

    @classmethod
    def make_args(cls, rank: int) -> dict:
        return {"output_size": Sizes(rank), **_FORMAT}

    def build(self, a, inputs, b):
        channels, _ = channels_of(inputs[0], a.data_format, self.name, self.rank)
        shape = join_channels(channels, list(a.output_size), a.data_format)
        reads(b, size(inputs[0]), size(shape) if "Average" in self.name else 0)
        return shape


def averaged(x, output_size) -> sympy.Expr:
    """What an adaptive average pooling keeps: nothing when every output length is 1 (torch computes a mean),
    else its input (for the backward's windows)."""
    return sympy.Integer(0) if all(o == 1 for o in output_size) else sympy.Mul(*x)


class AdaptiveAverage:
    """The `saves` rule of the adaptive average poolings (symparam.layers.pooling.averaged)."""
    saves = ("internal",)

    @classmethod
    def saved_inside(cls, a, inputs, output):
        return averaged(inputs[0], a.output_size)


def _adaptive_example(rank: int) -> tuple[dict, list, dict]:
    return _example(rank, {"output_size": 4})


@register
class AdaptiveAveragePooling1D(AdaptiveAverage, AdaptivePooling):
    name = "AdaptiveAveragePooling1D"
    rank = 1
    args, example = AdaptivePooling.make_args(1), _adaptive_example(1)
    summary = "the average over 1D windows sized so that the output has output_size positions, per channel"
    no_params = "pooling only takes the average over each window"


@register
class AdaptiveAveragePooling2D(AdaptiveAverage, AdaptivePooling):
    name = "AdaptiveAveragePooling2D"
    rank = 2
    args, example = AdaptivePooling.make_args(2), _adaptive_example(2)
    summary = "the average over 2D windows sized so that the output is output_size, per channel"
    no_params = "pooling only takes the average over each window"


@register
class AdaptiveAveragePooling3D(AdaptiveAverage, AdaptivePooling):
    name = "AdaptiveAveragePooling3D"
    rank = 3
    args, example = AdaptivePooling.make_args(3), _adaptive_example(3)
    summary = "the average over 3D windows sized so that the output is output_size, per channel"
    no_params = "pooling only takes the average over each window"


@register
class AdaptiveMaxPooling1D(AdaptivePooling):
    name = "AdaptiveMaxPooling1D"
    saves = ("input", "argmax")
    rank = 1
    args, example = AdaptivePooling.make_args(1), _adaptive_example(1)
    summary = "the maximum over 1D windows sized so that the output has output_size positions, per channel"
    no_params = "pooling only takes the maximum over each window"


@register
class AdaptiveMaxPooling2D(AdaptivePooling):
    name = "AdaptiveMaxPooling2D"
    saves = ("input", "argmax")
    rank = 2
    args, example = AdaptivePooling.make_args(2), _adaptive_example(2)
    summary = "the maximum over 2D windows sized so that the output is output_size, per channel"
    no_params = "pooling only takes the maximum over each window"


@register
class AdaptiveMaxPooling3D(AdaptivePooling):
    name = "AdaptiveMaxPooling3D"
    saves = ("input", "argmax")
    rank = 3
    args, example = AdaptivePooling.make_args(3), _adaptive_example(3)
    summary = "the maximum over 3D windows sized so that the output is output_size, per channel"
    no_params = "pooling only takes the maximum over each window"
