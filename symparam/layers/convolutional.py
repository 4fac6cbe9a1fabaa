"""Convolutions: Conv1D, Conv2D, Conv3D share one base and differ only by rank (as in Keras's base_conv)."""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from ..shapes import conv_length, join_channels
from . import register
from .base import ActivationName, Choice, Flag, Int, LayerKind, NoTwin, Opaque, Size, Sizes, Twin, window_rules
from .core import KERNEL_ARGS, channels_of, lora_rank
from .costs import activation, bias, convolution, size, times

_AXES = {1: ("k",), 2: ("k_h", "k_w"), 3: ("k_d", "k_h", "k_w")}


class Conv(LayerKind):
    rank = 0

    window_arg = ("kernel size", "kernel_size")

    @classmethod
    def conv_args(cls, rank: int) -> dict:
        paddings = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
        return {
            "filters": Size(), "kernel_size": Sizes(rank), "strides": Sizes(rank, 1),
            "padding": Choice(*paddings, default="valid"),
            "data_format": Choice("channels_last", "channels_first", default="channels_last"),
            "dilation_rate": Sizes(rank, 1), "groups": Size(1), "activation": ActivationName(None),
            "use_bias": Flag(True), **KERNEL_ARGS, "lora_rank": Int(None, optional=True), "lora_alpha": Opaque(),
        }

    lesson = ("each of the $F$ filters spans a $k_h × k_w$ window across all $C_in$ input channels and adds one "
              "bias; sliding over the input, it gives one output channel")
    legend = {"k": ("the window", "kernel_size"), "k_d": ("the window's depth", "kernel_size"),
              "k_h": ("the window's height", "kernel_size"), "k_w": ("the window's width", "kernel_size"),
              "C_in": ("input channels", "input"), "F": ("filters", "filters"), "g": ("groups", "groups"),
              "r": ("the LoRA rank", "lora_rank")}

    @classmethod
    def shape_rule(cls, a, inputs):
        channels, spatial = channels_of(inputs[0], a.data_format, cls.name, cls.rank)
        return window_rules(spatial, a.kernel_size, _per_axis(a.strides, cls.rank), _per_axis(a.dilation_rate, cls.rank),
                            a.padding, a.data_format, ("kernel_size", "strides", "dilation_rate"))

    def build(self, a, inputs, b):
        rank = self.rank
        channels, spatial = channels_of(inputs[0], a.data_format, self.name, rank)
        if channels is None:
            raise SymparamError(f"{self.name} needs the channel axis to have a known length")
        strides = _per_axis(a.strides, rank)
        dilation = _per_axis(a.dilation_rate, rank)
        if all(s.is_number for s in strides + dilation) and max(strides) > 1 and max(dilation) > 1:
            raise SymparamError("strides > 1 cannot be combined with dilation_rate > 1 (Keras refuses it). "
                                f"Received: strides = {_show(strides)}, dilation_rate = {_show(dilation)}.")
        g = a.groups
        b.require(sympy.Eq(sympy.Mod(a.filters, g), 0), "groups",
                  "groups must divide filters", f"filters = {a.filters}, groups = {g}")
        b.require(sympy.Eq(sympy.Mod(channels, g), 0), "groups",
                  "groups must divide the input channels", f"{channels} input channels, groups = {g}")
        out = []
        for axis, (n, k, s, d) in enumerate(zip(spatial, a.kernel_size, strides, dilation)):
            length, condition = conv_length(n, k, s, d, a.padding)
            if condition is not None:
                b.require(condition, "kernel_size",
                          f"kernel_size: a 'valid' window of {k} (dilation {d}) needs input axis {axis + 1} to be "
                          f"at least {d * (k - 1) + 1}", f"input length {n}")
            out.append(length)
        c_in = channels / g
        labels = (*_AXES[rank], "C_in" if g == 1 else "C_in/g", "F")
        kernel = (*a.kernel_size, c_in, a.filters)
        lora = lora_rank(a.lora_rank)
        b.weight("kernel", kernel, role="weights", labels=labels, trainable=not lora, category="weight")
        if a.use_bias:
            b.weight("bias", (a.filters,), role="biases", labels=("F",), category="bias")
        if lora:
            r = sympy.Integer(lora)
            b.weight("lora_kernel_a", (*kernel[:-1], r), role="LoRA down-projection", labels=(*labels[:-1], "r"), category="weight")
            b.weight("lora_kernel_b", (r, a.filters), role="LoRA up-projection", labels=("r", "F"), category="weight")
        shape = join_channels(a.filters, out, a.data_format)
        convolution(b, out, a.kernel_size, c_in, a.filters)
        if lora:
            convolution(b, out, a.kernel_size, c_in, r, words="LoRA: output positions x kernel taps x C_in/g x r")
            b.cost("matmul", times(size(out), r, a.filters), words="LoRA: output positions x r x F")
            b.cost("elementwise", times(2, size(shape)), words="LoRA: scale and add its product, per output value")
        bias(b, a.use_bias, shape)
        activation(b, a.activation, shape)
        return shape


    @classmethod
    def twin(cls, a, inputs, convention):
        if lora_rank(a.lora_rank):
            raise NoTwin(f"PyTorch's nn.Conv{cls.rank}d has no LoRA weights")
        channels, spatial = channels_of(inputs[0], a.data_format, cls.name, cls.rank)
        args = {"in_channels": channels, "out_channels": a.filters, "kernel_size": tuple(a.kernel_size),
                "groups": a.groups, "bias": a.use_bias, "padding": twin_padding(a, cls.rank)}
        return Twin(f"nn.Conv{cls.rank}d", args, [(channels, *spatial)])


def twin_padding(a, rank: int):
    """The padding of a Keras convolution's nn.Conv twin: "valid" as it is; "same" as torch's "same" at stride 1,
    and strided (which torch's "same" refuses) as k // 2 on each axis, so that the twin builds on any input a "same"
    window fits, a 5x5 kernel on a 3x3 map included (the count does not depend on padding; exported code pads as
    Keras does, symparam.export.torch)."""
    if a.padding != "same":
        return "valid"
    if all(s == 1 for s in _per_axis(a.strides, rank)):
        return "same"
    return tuple(k // 2 for k in _per_axis(a.kernel_size, rank))


def _per_axis(values, rank):
    return tuple(values) if len(values) == rank else tuple(values) * rank


def _show(values) -> str:
    return "(" + ", ".join(str(v) for v in values) + ")"


@register
class Conv1D(Conv):
    name = "Conv1D"
    saves = ("input", "activation")
    aliases = ("Convolution1D",)
    rank = 1
    example = ({"filters": "F", "kernel_size": "k"}, ["L", "C_in"], {"F": 64, "k": 3, "L": 100, "C_in": 16})
    summary = "1D convolution: F filters of width k over the input channels, one bias per filter"
    lesson = ("each of the $F$ filters spans a window of $k$ steps across all $C_in$ input channels and adds one "
              "bias; sliding along the sequence, it gives one output channel")
    args = Conv.conv_args(1)


@register
class Conv2D(Conv):
    name = "Conv2D"
    saves = ("input", "activation")
    aliases = ("Convolution2D",)
    rank = 2
    example = ({"filters": "F", "kernel_size": ["k_h", "k_w"]}, ["H", "W", "C_in"],
               {"F": 32, "k_h": 3, "k_w": 3, "H": 32, "W": 32, "C_in": 3})
    summary = "2D convolution: F filters of k_h x k_w over the input channels, one bias per filter"
    args = Conv.conv_args(2)


@register
class Conv3D(Conv):
    name = "Conv3D"
    saves = ("input", "activation")
    aliases = ("Convolution3D",)
    rank = 3
    example = ({"filters": "F", "kernel_size": ["k_d", "k_h", "k_w"]}, ["D", "H", "W", "C_in"],
               {"F": 16, "k_d": 3, "k_h": 3, "k_w": 3, "D": 16, "H": 32, "W": 32, "C_in": 3})
    summary = "3D convolution: F filters of k_d x k_h x k_w over the input channels, one bias per filter"
    lesson = ("each of the $F$ filters spans a $k_d × k_h × k_w$ window across all $C_in$ input channels and adds "
              "one bias; sliding over the volume, it gives one output channel")
    args = Conv.conv_args(3)
