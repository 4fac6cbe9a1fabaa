"""Convolution variants: transposed (Conv1D-3DTranspose), depthwise (DepthwiseConv1D/2D) and separable
(SeparableConv1D/2D). As in Keras, each family has one base and the kinds differ only by rank.

Variable names and shapes are Keras 3's own (`layer.weights`): a transposed kernel is (k..., F, C_in); a depthwise
kernel is called `kernel` and is (k..., C_in, depth_multiplier); a separable layer has `depthwise_kernel`,
`pointwise_kernel` (1..., C_in * depth_multiplier, F) and `bias`.
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from ..shapes import conv_length, join_channels, product
from . import register
from .base import (ActivationName, Arg, Choice, Flag, LayerKind, NoTwin, Opaque, Size, Sizes, Twin,
                   _is_none)
from .convolutional import twin_padding
from .core import KERNEL_ARGS, channels_of
from .costs import activation, bias, convolution

_AXES = {1: ("k",), 2: ("k_h", "k_w"), 3: ("k_d", "k_h", "k_w")}
_FORMAT = Choice("channels_last", "channels_first", default="channels_last")


def transpose_length(n, kernel, stride, dilation, padding: str, output_padding):
    """Keras's transposed-convolution output length (backend_utils._get_output_shape_given_tf_padding).

    With d_k = dilation*(kernel-1) + 1: 'valid' -> (n-1)*s + max(d_k, s) without output_padding, else
    (n-1)*s + d_k + output_padding; 'same' -> n*s without output_padding, else (n-1)*s + (d_k mod 2) +
    output_padding. None (an unknown length) stays None.
    """
    if n is None:
        return None
    span = dilation * (kernel - 1) + 1
    if padding == "valid":
        if output_padding is None:
            return (n - 1) * stride + sympy.Max(span, stride)
        return (n - 1) * stride + span + output_padding
    if output_padding is None:
        return n * stride
    return (n - 1) * stride + sympy.Mod(span, 2) + output_padding


class OutputPadding(Arg):
    """Keras's output_padding: "none", or a size >= 0 for every axis, or a list of `rank` of them."""

    def __init__(self, rank: int) -> None:
        super().__init__(None)
        self.rank = rank
        self.expected = f'"none", or an integer >= 0, or a list of {rank} integers >= 0'

    def parse(self, value, key, ctx):
        if value is None or _is_none(value):
            return None
        items = value if isinstance(value, list) else [value] * self.rank
        if len(items) != self.rank or any(isinstance(v, bool) or not isinstance(v, (int, str)) for v in items):
            raise self.refuse(value, key)
        return tuple(ctx.size(v, key, minimum=0) for v in items)


def _input_channels(kind: LayerKind, a, inputs):
    channels, spatial = channels_of(inputs[0], a.data_format, kind.name, kind.rank)
    if channels is None:
        raise SymparamError(f"{kind.name} needs the channel axis to have a known length")
    return channels, spatial


def _conv_spatial(b, spatial, a) -> list:
    """Output lengths of a (depthwise) convolution, with the 'valid' conditions Keras enforces."""
    out = []
    for axis, (n, k, s, d) in enumerate(zip(spatial, a.kernel_size, a.strides, a.dilation_rate)):
        length, condition = conv_length(n, k, s, d, a.padding)
        if condition is not None:
            b.require(condition, "kernel_size",
                      f"kernel_size: a 'valid' window of {k} (dilation {d}) needs input axis {axis + 1} to be "
                      f"at least {d * (k - 1) + 1}", f"input length {n}")
        out.append(length)
    return out


def _shown(values) -> str:
    return "(" + ", ".join(str(v) for v in values) + ")"


# --------------------------------------------------------------------------------------------
# Transposed convolutions
# --------------------------------------------------------------------------------------------


class ConvTranspose(LayerKind):
    rank = 0

    window_arg = ("kernel size", "kernel_size")

    @classmethod
    def make_args(cls, rank: int) -> dict:
        return {
            "filters": Size(), "kernel_size": Sizes(rank), "strides": Sizes(rank, 1),
            "padding": Choice("valid", "same", default="valid"), "output_padding": OutputPadding(rank),
            "data_format": _FORMAT, "dilation_rate": Sizes(rank, 1), "activation": ActivationName(None),
            "use_bias": Flag(True), **KERNEL_ARGS,
        }

    def build(self, a, inputs, b):
        channels, spatial = _input_channels(self, a, inputs)
        strides, dilation, pads = a.strides, a.dilation_rate, a.output_padding
        one = sympy.Integer(1)
        b.require(sympy.Or(sympy.And(*(sympy.Eq(s, one) for s in strides)),
                           sympy.And(*(sympy.Eq(d, one) for d in dilation))), "strides",
                  "strides > 1 cannot be combined with dilation_rate > 1 (Keras refuses it)",
                  f"strides = {_shown(strides)}, dilation_rate = {_shown(dilation)}")
        if pads is not None:
            for axis, (p, s) in enumerate(zip(pads, strides)):
                b.require(sympy.Lt(p, s), "output_padding",
                          "output_padding must be smaller than strides on every axis",
                          f"output_padding = {_shown(pads)}, strides = {_shown(strides)} (axis {axis + 1})")
        out = []
        for axis, (n, k, s, d) in enumerate(zip(spatial, a.kernel_size, strides, dilation)):
            length = transpose_length(n, k, s, d, a.padding, None if pads is None else pads[axis])
            if length is not None and a.padding == "same" and pads is not None:   # the one form that can be 0
                if length == 0:   # Keras builds it (the weights do not depend on it): a warning, as it allows it
                    b.warn(f"output axis {axis + 1} has length 0 (input length {n}, output_padding {pads[axis]}, "
                           f"padding 'same'); Keras allows it and so does symparam, but the layer outputs nothing")
                else:
                    b.require(sympy.Ge(length, 1), "output_padding",
                              f"output axis {axis + 1} would have length {length}; symparam needs every length >= 1",
                              f"input length {n}")
            out.append(length)
        labels = (*_AXES[self.rank], "F", "C_in")
        b.weight("kernel", (*a.kernel_size, a.filters, channels), role="weights", labels=labels, category="weight")
        if a.use_bias:
            b.weight("bias", (a.filters,), role="biases", labels=("F",), category="bias")
        shape = join_channels(a.filters, out, a.data_format)
        convolution(b, spatial, a.kernel_size, channels, a.filters,
                    words="input positions x kernel taps x C_in x F (each input value is spread over a window)")
        bias(b, a.use_bias, shape)
        activation(b, a.activation, shape)
        return shape

    @classmethod
    def twin(cls, a, inputs, convention):
        channels, spatial = _input_channels(cls, a, inputs)
        return Twin(f"nn.ConvTranspose{cls.rank}d", {"in_channels": channels, "out_channels": a.filters,
                                                      "kernel_size": tuple(a.kernel_size), "bias": a.use_bias},
                    [(channels, *spatial)])


@register
class Conv1DTranspose(ConvTranspose):
    name = "Conv1DTranspose"
    saves = ("input", "activation")
    aliases = ("Convolution1DTranspose",)
    rank = 1
    example = ({"filters": "F", "kernel_size": "k", "strides": 2, "padding": "same"}, ["L", "C_in"],
               {"F": 32, "k": 3, "L": 50, "C_in": 16})
    summary = "1D transposed convolution: F filters of width k over the input channels, one bias per filter"
    args = ConvTranspose.make_args(1)


@register
class Conv2DTranspose(ConvTranspose):
    name = "Conv2DTranspose"
    saves = ("input", "activation")
    aliases = ("Convolution2DTranspose",)
    rank = 2
    example = ({"filters": "F", "kernel_size": ["k_h", "k_w"], "strides": 2, "padding": "same"}, ["H", "W", "C_in"],
               {"F": 32, "k_h": 3, "k_w": 3, "H": 16, "W": 16, "C_in": 64})
    summary = "2D transposed convolution: F filters of k_h x k_w over the input channels, one bias per filter"
    args = ConvTranspose.make_args(2)


@register
class Conv3DTranspose(ConvTranspose):
    name = "Conv3DTranspose"
    saves = ("input", "activation")
    aliases = ("Convolution3DTranspose",)
    rank = 3
    example = ({"filters": "F", "kernel_size": ["k_d", "k_h", "k_w"], "strides": 2, "padding": "same"},
               ["D", "H", "W", "C_in"],
               {"F": 16, "k_d": 3, "k_h": 3, "k_w": 3, "D": 8, "H": 16, "W": 16, "C_in": 32})
    summary = "3D transposed convolution: F filters of k_d x k_h x k_w over the input channels, one bias per filter"
    args = ConvTranspose.make_args(3)


# --------------------------------------------------------------------------------------------
# Depthwise and separable convolutions
# --------------------------------------------------------------------------------------------


def _depthwise_args(rank: int) -> dict:
    return {
        "kernel_size": Sizes(rank), "strides": Sizes(rank, 1), "padding": Choice("valid", "same", default="valid"),
        "depth_multiplier": Size(1), "data_format": _FORMAT, "dilation_rate": Sizes(rank, 1),
        "activation": ActivationName(None), "use_bias": Flag(True), "depthwise_initializer": Opaque(),
        "bias_initializer": Opaque(), "depthwise_regularizer": Opaque(), "bias_regularizer": Opaque(),
        "depthwise_constraint": Opaque(), "bias_constraint": Opaque(),
    }


class DepthwiseConv(LayerKind):
    rank = 0

    window_arg = ("kernel size", "kernel_size")

    def build(self, a, inputs, b):
        channels, spatial = _input_channels(self, a, inputs)
        out = _conv_spatial(b, spatial, a)
        m = a.depth_multiplier
        b.weight("kernel", (*a.kernel_size, channels, m), role="depthwise weights",
                 labels=(*_AXES[self.rank], "C_in", "m"), category="weight")
        if a.use_bias:
            b.weight("bias", (m * channels,), role="biases", labels=("m*C_in",), category="bias")
        shape = join_channels(m * channels, out, a.data_format)
        convolution(b, out, a.kernel_size, 1, m * channels, words="output positions x kernel taps x m·C_in outputs")
        bias(b, a.use_bias, shape)
        activation(b, a.activation, shape)
        return shape

    @classmethod
    def twin(cls, a, inputs, convention):
        channels, spatial = _input_channels(cls, a, inputs)
        return Twin(f"nn.Conv{cls.rank}d", {"in_channels": channels, "out_channels": a.depth_multiplier * channels,
                                             "kernel_size": tuple(a.kernel_size), "groups": channels,
                                             "bias": a.use_bias, "padding": twin_padding(a, cls.rank)},
                    [(channels, *spatial)],
                    note="PyTorch writes a depthwise convolution as nn.Conv with groups = in_channels")


@register
class DepthwiseConv1D(DepthwiseConv):
    name = "DepthwiseConv1D"
    saves = ("input", "activation")
    rank = 1
    example = ({"kernel_size": "k", "depth_multiplier": "m"}, ["L", "C_in"], {"k": 3, "m": 2, "L": 100, "C_in": 16})
    summary = "1D depthwise convolution: m filters of width k per input channel, one bias per output channel"
    args = _depthwise_args(1)


@register
class DepthwiseConv2D(DepthwiseConv):
    name = "DepthwiseConv2D"
    saves = ("input", "activation")
    rank = 2
    example = ({"kernel_size": ["k_h", "k_w"], "depth_multiplier": "m"}, ["H", "W", "C_in"],
               {"k_h": 3, "k_w": 3, "m": 1, "H": 32, "W": 32, "C_in": 32})
    summary = "2D depthwise convolution: m filters of k_h x k_w per input channel, one bias per output channel"
    args = _depthwise_args(2)


def _separable_args(rank: int) -> dict:
    return {
        "filters": Size(), "kernel_size": Sizes(rank), "strides": Sizes(rank, 1),
        "padding": Choice("valid", "same", default="valid"), "data_format": _FORMAT,
        "dilation_rate": Sizes(rank, 1), "depth_multiplier": Size(1), "activation": ActivationName(None),
        "use_bias": Flag(True), "depthwise_initializer": Opaque(), "pointwise_initializer": Opaque(),
        "bias_initializer": Opaque(), "depthwise_regularizer": Opaque(), "pointwise_regularizer": Opaque(),
        "bias_regularizer": Opaque(), "depthwise_constraint": Opaque(), "pointwise_constraint": Opaque(),
        "bias_constraint": Opaque(),
    }


class SeparableConv(LayerKind):
    rank = 0

    window_arg = ("kernel size", "kernel_size")

    @classmethod
    def saved_inside(cls, a, inputs, output):
        """The depthwise convolution's output, which the pointwise one reads: C_in * depth_multiplier channels at
        the output's positions."""
        channels, _ = channels_of(inputs[0], a.data_format, cls.name, cls.rank)
        return product(output) / a.filters * channels * a.depth_multiplier

    @classmethod
    def twin(cls, a, inputs, convention):
        raise NoTwin("PyTorch has no separable convolution layer; it is written as two nn.Conv layers (a depthwise "
                     "one with groups = in_channels, then a 1x1 one)")

    def build(self, a, inputs, b):
        channels, spatial = _input_channels(self, a, inputs)
        out = _conv_spatial(b, spatial, a)
        m = a.depth_multiplier
        b.weight("depthwise_kernel", (*a.kernel_size, channels, m), role="depthwise weights",
                 labels=(*_AXES[self.rank], "C_in", "m"), category="weight")
        b.weight("pointwise_kernel", (*(sympy.Integer(1),) * self.rank, m * channels, a.filters),
                 role="pointwise weights", labels=(*("1",) * self.rank, "m*C_in", "F"), category="weight")
        if a.use_bias:
            b.weight("bias", (a.filters,), role="biases", labels=("F",), category="bias")
        shape = join_channels(a.filters, out, a.data_format)
        convolution(b, out, a.kernel_size, 1, m * channels, words="depthwise: output positions x kernel taps x m·C_in")
        convolution(b, out, (), m * channels, a.filters, words="pointwise: output positions x m·C_in x F")
        bias(b, a.use_bias, shape)
        activation(b, a.activation, shape)
        return shape


@register
class SeparableConv1D(SeparableConv):
    name = "SeparableConv1D"
    saves = ("input", "internal", "activation")
    aliases = ("SeparableConvolution1D",)
    rank = 1
    example = ({"filters": "F", "kernel_size": "k"}, ["L", "C_in"], {"F": 64, "k": 3, "L": 100, "C_in": 16})
    summary = "1D separable convolution: a depthwise k-wide convolution, then F pointwise filters, one bias each"
    args = _separable_args(1)


@register
class SeparableConv2D(SeparableConv):
    name = "SeparableConv2D"
    saves = ("input", "internal", "activation")
    aliases = ("SeparableConvolution2D",)
    rank = 2
    example = ({"filters": "F", "kernel_size": ["k_h", "k_w"]}, ["H", "W", "C_in"],
               {"F": 64, "k_h": 3, "k_w": 3, "H": 32, "W": 32, "C_in": 32})
    summary = "2D separable convolution: a depthwise k_h x k_w convolution, then F pointwise filters, one bias each"
    args = _separable_args(2)
