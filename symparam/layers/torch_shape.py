"""PyTorch dialect, shape-changing modules without parameters (nn.Unflatten, nn.Upsample, nn.PixelShuffle and
nn.PixelUnshuffle, nn.ChannelShuffle, the padding modules), nn.LocalResponseNorm, and nn.Bilinear.

Torch's argument names and defaults; shapes without the batch axis, channels first. Where torch would treat the
batch axis as one of the axes it rearranges or pads (an input with too few axes), symparam refuses: its output
could not be described without the batch axis.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import sympy

from ..errors import SymparamError, show
from ..expr import MAX_LITERAL_BITS, floor_of
from ..shapes import product
from . import register
from .base import Arg, Choice, Flag, Int, LayerKind, Size
from .core import format_shape
from ..torch_shapes import conv_length
from .torch_args import DEVICE, Number, PerAxis, channels_first, given_or_inferred
from .costs import INTERPOLATION_OPS, moves, size, times

_SPATIAL = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _values(rank: int) -> dict:
    return {"C": 16, **{s: 32 for s in _SPATIAL[rank]}}


class _Dims(Arg):
    """nn.Unflatten's unflattened_size: a list of positive sizes, at most one of them -1 (inferred)."""
    expected = "a list of positive sizes (one of them may be -1: inferred)"

    def parse(self, value, key, ctx):
        if not isinstance(value, list) or not 1 <= len(value) <= 16 or \
                any(isinstance(v, bool) or not isinstance(v, (int, str)) for v in value) or value.count(-1) > 1:
            raise self.refuse(value, key)
        return tuple(None if v == -1 else ctx.size(v, key) for v in value)


@register
class Unflatten(LayerKind):
    name = "nn.Unflatten"
    saves = ("none",)
    convention = "torch"
    example = ({"dim": 1, "unflattened_size": ["C", "H", "W"]}, ["n"], {"n": 3072, "C": 3, "H": 32, "W": 32})
    summary = "splits axis dim (counted with the batch axis at 0) into the axes unflattened_size"
    no_params = "unflattening only rearranges the values it receives"
    args = {"dim": Int(), "unflattened_size": _Dims()}

    def build(self, a, inputs, b):
        moves(b)
        (x,) = inputs
        rank = len(x) + 1
        received = f"dim = {a.dim}, unflattened_size = {format_shape(a.unflattened_size)}, input shape " \
                   f"{format_shape(x)}"
        if not -rank <= a.dim < rank:
            raise SymparamError(f"dim must name an axis of the batched input, from {-rank} to {rank - 1}. "
                                f"Received: {received}.")
        axis = a.dim % rank
        if axis == 0:
            raise SymparamError(f"unflattening the batch axis (dim 0) is not modelled: the output's batch axis "
                                f"would change. Received: {received}.")
        n, sizes = x[axis - 1], a.unflattened_size
        known = product([s for s in sizes if s is not None])
        if None in sizes:
            out = None
            if n is not None:
                b.require(sympy.Eq(sympy.Mod(n, known), 0), "unflattened_size", "the axis length must be divisible "
                          "by the product of the other sizes of unflattened_size", received)
                out = n / known
            sizes = tuple(out if s is None else s for s in sizes)
        elif n is not None:
            b.require(sympy.Eq(known, n), "unflattened_size", "the sizes of unflattened_size must multiply to the "
                      "axis length", received)
        return (*x[:axis - 1], *sizes, *x[axis:])


# ---------------------------------------------------------------------------------------------------------------
# Upsample
# ---------------------------------------------------------------------------------------------------------------

class _ScaleFactor(Arg):
    """A positive number, or a list of them, one per spatial axis; "none" when size is given."""
    expected = 'a positive number or a list of positive numbers, or "none"'

    def parse(self, value, key, ctx):
        if value is None or (isinstance(value, str) and value.lower() == "none"):
            return None
        items = value if isinstance(value, list) else [value]
        if not 1 <= len(items) <= 3 or any(isinstance(v, bool) or not isinstance(v, (int, float)) or
                                           not math.isfinite(v) or v <= 0 for v in items):
            raise self.refuse(value, key)
        if any(type(v) is int and v.bit_length() > MAX_LITERAL_BITS for v in items):
            raise self.refuse(value, key)
        return items if isinstance(value, list) else items[0]


class _UpsampleSize(Arg):
    expected = 'a positive size or a list of positive sizes, or "none"'

    def parse(self, value, key, ctx):
        if value is None or (isinstance(value, str) and value.lower() == "none"):
            return None
        items = value if isinstance(value, list) else [value]
        if not 1 <= len(items) <= 3 or any(isinstance(v, bool) or not isinstance(v, (int, str)) for v in items):
            raise self.refuse(value, key)
        sizes = [ctx.size(v, key) for v in items]
        return sizes if isinstance(value, list) else sizes[0]


class _MaybeFlag(Arg):
    """true, false, or "none" (torch's None: TOML has no null)."""
    expected = 'true, false or "none"'

    def parse(self, value, key, ctx):
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() == "none":
            return None
        raise self.refuse(value, key)


_MODE_RANK = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}   # the other modes take any rank


def scaled_length(n, scale):
    """torch's interpolate: floor(n * scale_factor), computed as torch does (in double) for a known length; for a
    symbolic one, exactly, with the float's exact value."""
    if n is None:
        return None
    if n.is_number:
        return sympy.Integer(math.floor(float(int(n)) * float(scale)))
    return floor_of(n * sympy.Rational(scale))


@register
class Upsample(LayerKind):
    name = "nn.Upsample"
    saves = ("none",)
    convention = "torch"
    example = ({"scale_factor": 2}, ["C", "H", "W"], _values(2))
    summary = "resizes the spatial axes of (C, L), (C, H, W) or (C, D, H, W) to size, or by scale_factor"
    no_params = "upsampling only interpolates the values it receives"
    args = {"size": _UpsampleSize(None), "scale_factor": _ScaleFactor(None),
            "mode": Choice("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact",
                           default="nearest", any_case=False),
            "align_corners": _MaybeFlag(None), "recompute_scale_factor": _MaybeFlag(None)}

    def build(self, a, inputs, b):
        (x,) = inputs
        c, spatial = channels_first(x, (1, 2, 3), self.name)
        rank = len(spatial)
        if (a.size is None) == (a.scale_factor is None):
            raise SymparamError("exactly one of size and scale_factor must be given. Received: "
                                f"size = {show(a.size)}, scale_factor = {show(a.scale_factor)}.")
        want = _MODE_RANK.get(a.mode)
        if want is not None and want != rank:
            raise SymparamError(f'mode "{a.mode}" needs an input with {want} spatial axes, ({want + 1} axes besides '
                                f"the batch). Received input shape {format_shape(x)}.")
        if a.align_corners is not None and want is None:
            raise SymparamError(f'align_corners can only be set with the interpolating modes (linear, bilinear, '
                                f'bicubic, trilinear). Received: mode = "{a.mode}", align_corners = '
                                f"{show(a.align_corners)}.")
        if a.recompute_scale_factor and a.size is not None:
            raise SymparamError("recompute_scale_factor is not meaningful with an explicit size. Received: "
                                f"size = {show(a.size)}, recompute_scale_factor = true.")
        given = a.size if a.size is not None else a.scale_factor
        key = "size" if a.size is not None else "scale_factor"
        per_axis = given if isinstance(given, list) else [given] * rank
        if len(per_axis) != rank:
            raise SymparamError(f"{key} must give one value per spatial axis ({rank}). Received: {key} = "
                                f"{show(given)}, input shape {format_shape(x)}.")
        if a.mode in ("nearest", "nearest-exact"):
            moves(b)
        else:
            b.cost("elementwise", times(INTERPOLATION_OPS["bilinear"], size((c, *spatial))) if a.size is None else
                   times(INTERPOLATION_OPS["bilinear"], size((c, *per_axis))),
                   words=f"{a.mode} interpolation: operations per output value (counted as bilinear)")
        if a.size is not None:
            return (c, *per_axis)
        out = []
        for n, s in zip(spatial, per_axis):
            length = scaled_length(n, s)
            if length is not None and s < 1:   # a scale of at least 1 keeps every length >= 1
                b.require(sympy.Ge(length, 1), "scale_factor", "every output length must be at least 1",
                          f"input shape {format_shape(x)}, scale_factor = {show(a.scale_factor)}")
            out.append(length)
        return (c, *out)


class FixedModeUpsample(Upsample):
    """nn.Upsample with its mode fixed (torch's deprecated nn.UpsamplingNearest2d and nn.UpsamplingBilinear2d)."""
    fixed_mode = "nearest"
    fixed_align_corners: bool | None = None
    args = {"size": Upsample.args["size"], "scale_factor": Upsample.args["scale_factor"]}

    def build(self, a, inputs, b):
        fixed = SimpleNamespace(**vars(a), mode=self.fixed_mode, align_corners=self.fixed_align_corners,
                                recompute_scale_factor=None)
        return super().build(fixed, inputs, b)


@register
class UpsamplingNearest2d(FixedModeUpsample):
    name = "nn.UpsamplingNearest2d"
    summary = "nn.Upsample with mode \"nearest\": repeats values to size, or by scale_factor"


@register
class UpsamplingBilinear2d(FixedModeUpsample):
    name = "nn.UpsamplingBilinear2d"
    fixed_mode, fixed_align_corners = "bilinear", True
    summary = "nn.Upsample with mode \"bilinear\" and align_corners: resizes (C, H, W) to size, or by scale_factor"


# ---------------------------------------------------------------------------------------------------------------
# Pixel and channel shuffles
# ---------------------------------------------------------------------------------------------------------------

def _last_three(x, kind: str):
    if len(x) < 3:
        raise SymparamError(f"{kind} expects an input (..., C, H, W) with at least 3 axes besides the batch. "
                            f"Received input shape {format_shape(x)}.")
    return x[:-3], x[-3:]


@register
class PixelShuffle(LayerKind):
    name = "nn.PixelShuffle"
    saves = ("none",)
    convention = "torch"
    example = ({"upscale_factor": "r"}, ["C", "H", "W"], {"C": 64, "H": 16, "W": 16, "r": 2})
    summary = "rearranges (C * r^2, H, W) into (C, H * r, W * r), r = upscale_factor"
    no_params = "a pixel shuffle only rearranges the values it receives"
    args = {"upscale_factor": Size()}

    def build(self, a, inputs, b):
        moves(b)
        (x,) = inputs
        lead, (c, h, w) = _last_three(x, self.name)
        r = a.upscale_factor
        if c is not None:
            b.require(sympy.Eq(sympy.Mod(c, r * r), 0), "upscale_factor", "the channels (third axis from the end) "
                      "must be divisible by upscale_factor squared",
                      f"upscale_factor = {r}, input shape {format_shape(x)}")
        return (*lead, None if c is None else c / (r * r), None if h is None else h * r, None if w is None else w * r)


@register
class PixelUnshuffle(LayerKind):
    name = "nn.PixelUnshuffle"
    saves = ("none",)
    convention = "torch"
    example = ({"downscale_factor": "r"}, ["C", "H", "W"], {"C": 16, "H": 32, "W": 32, "r": 2})
    summary = "rearranges (C, H * r, W * r) into (C * r^2, H, W), r = downscale_factor"
    no_params = "a pixel unshuffle only rearranges the values it receives"
    args = {"downscale_factor": Size()}

    def build(self, a, inputs, b):
        moves(b)
        (x,) = inputs
        lead, (c, h, w) = _last_three(x, self.name)
        r = a.downscale_factor
        for n, which in ((h, "height (second axis from the end)"), (w, "width (last axis)")):
            if n is not None:
                b.require(sympy.Eq(sympy.Mod(n, r), 0), "downscale_factor", f"the {which} must be divisible by "
                          "downscale_factor", f"downscale_factor = {r}, input shape {format_shape(x)}")
        return (*lead, None if c is None else c * r * r, None if h is None else h / r, None if w is None else w / r)


@register
class ChannelShuffle(LayerKind):
    name = "nn.ChannelShuffle"
    saves = ("none",)
    convention = "torch"
    example = ({"groups": "g"}, ["C", "H", "W"], {"C": 64, "H": 32, "W": 32, "g": 4})
    summary = "interleaves the channels of (C, ...) from groups groups (ShuffleNet)"
    no_params = "a channel shuffle only reorders the channels it receives"
    args = {"groups": Size()}

    def build(self, a, inputs, b):
        moves(b)
        (x,) = inputs
        if len(x) < 2:
            raise SymparamError(f"{self.name} expects an input (C, ...) with at least 2 axes besides the batch. "
                                f"Received input shape {format_shape(x)}.")
        if x[0] is not None:
            b.require(sympy.Eq(sympy.Mod(x[0], a.groups), 0), "groups", "the channels (first axis) must be "
                      "divisible by groups", f"groups = {a.groups}, input shape {format_shape(x)}")
        return x


# ---------------------------------------------------------------------------------------------------------------
# Padding
# ---------------------------------------------------------------------------------------------------------------

class _Padding(Arg):
    """A padding module's padding: one size for every side, or 2 * rank sizes, last axis first (left, right, top,
    bottom, front, back). Sizes >= 0: torch's negative padding (cropping) is not modelled."""

    def __init__(self, rank: int) -> None:
        super().__init__()
        self.rank = rank
        self.expected = f"a size >= 0 or a list of {2 * rank} sizes >= 0 (last axis first: left, right, ...)"

    def parse(self, value, key, ctx):
        items = value if isinstance(value, list) else [value] * (2 * self.rank)
        if len(items) != 2 * self.rank or any(isinstance(v, bool) or not isinstance(v, (int, str)) for v in items):
            raise self.refuse(value, key)
        if any(type(v) is int and v < 0 for v in items):
            raise SymparamError(f"{key}: negative padding (cropping) is not modelled by symparam. "
                                f"Received: {key} = {show(value)}.")
        return tuple(ctx.size(v, key, 0) for v in items)


class TorchPad(LayerKind):
    """nn.<Mode>Pad<rank>d: pads the last `rank` axes. The constant modes take any input with at least `rank` axes
    besides the batch; the others (C, spatial...) or (spatial...)."""
    convention = "torch"
    rank = 0
    mode = "constant"            # "constant", "reflect", "replicate" or "circular"
    no_params = "padding only adds values around the ones it receives"

    def build(self, a, inputs, b):
        (x,) = inputs
        moves(b)
        r = self.rank
        ranks = range(r, 17) if self.mode == "constant" else (r, r + 1)
        if len(x) not in ranks:
            which = f"at least {r}" if self.mode == "constant" else f"{r} or {r + 1}"
            raise SymparamError(f"{self.name} expects an input with {which} axes besides the batch. Received input "
                                f"shape {format_shape(x)}.")
        lead, spatial = x[:len(x) - r], x[len(x) - r:]
        out = []
        for axis, n in enumerate(spatial):
            before, after = a.padding[2 * (r - 1 - axis)], a.padding[2 * (r - 1 - axis) + 1]
            if n is not None and self.mode in ("reflect", "circular"):
                fits, rule = (sympy.Lt, "less than") if self.mode == "reflect" else (sympy.Le, "at most")
                b.require(sympy.And(fits(before, n), fits(after, n)), "padding", f"{self.name} needs each padding "
                          f"{rule} the length of the axis it pads",
                          f"padding ({before}, {after}) on an axis of length {n}, input shape {format_shape(x)}")
            out.append(None if n is None else n + before + after)
        return (*lead, *out)


def _pad_example(rank: int, extra: dict | None = None) -> tuple[dict, list, dict]:
    return {"padding": "p", **(extra or {})}, ["C", *_SPATIAL[rank]], {**_values(rank), "p": 1}


def _pad_summary(rank: int, what: str) -> str:
    axes = {1: "the last axis", 2: "the last 2 axes", 3: "the last 3 axes"}[rank]
    return f"pads {axes} with {what}; padding: one size, or {2 * rank} (last axis first)"


@register
class ZeroPad1d(TorchPad):
    name = "nn.ZeroPad1d"
    saves = ("none",)
    rank = 1
    args, example, summary = {"padding": _Padding(1)}, _pad_example(1), _pad_summary(1, "zeros")


@register
class ZeroPad2d(TorchPad):
    name = "nn.ZeroPad2d"
    saves = ("none",)
    rank = 2
    args, example, summary = {"padding": _Padding(2)}, _pad_example(2), _pad_summary(2, "zeros")


@register
class ZeroPad3d(TorchPad):
    name = "nn.ZeroPad3d"
    saves = ("none",)
    rank = 3
    args, example, summary = {"padding": _Padding(3)}, _pad_example(3), _pad_summary(3, "zeros")


def _constant_args(rank: int) -> dict:
    return {"padding": _Padding(rank), "value": Number()}


@register
class ConstantPad1d(TorchPad):
    name = "nn.ConstantPad1d"
    saves = ("none",)
    rank = 1
    args, example = _constant_args(1), _pad_example(1, {"value": 0.0})
    summary = _pad_summary(1, "the constant value")


@register
class ConstantPad2d(TorchPad):
    name = "nn.ConstantPad2d"
    saves = ("none",)
    rank = 2
    args, example = _constant_args(2), _pad_example(2, {"value": 0.0})
    summary = _pad_summary(2, "the constant value")


@register
class ConstantPad3d(TorchPad):
    name = "nn.ConstantPad3d"
    saves = ("none",)
    rank = 3
    args, example = _constant_args(3), _pad_example(3, {"value": 0.0})
    summary = _pad_summary(3, "the constant value")


@register
class ReflectionPad1d(TorchPad):
    name = "nn.ReflectionPad1d"
    saves = ("input",)
    rank, mode = 1, "reflect"
    args, example = {"padding": _Padding(1)}, _pad_example(1)
    summary = _pad_summary(1, "the input's reflection (each padding less than the axis length)")


@register
class ReflectionPad2d(TorchPad):
    name = "nn.ReflectionPad2d"
    saves = ("input",)
    rank, mode = 2, "reflect"
    args, example = {"padding": _Padding(2)}, _pad_example(2)
    summary = _pad_summary(2, "the input's reflection (each padding less than the axis length)")


@register
class ReflectionPad3d(TorchPad):
    name = "nn.ReflectionPad3d"
    saves = ("input",)
    rank, mode = 3, "reflect"
    args, example = {"padding": _Padding(3)}, _pad_example(3)
    summary = _pad_summary(3, "the input's reflection (each padding less than the axis length)")


@register
class ReplicationPad1d(TorchPad):
    name = "nn.ReplicationPad1d"
    saves = ("input",)
    rank, mode = 1, "replicate"
    args, example = {"padding": _Padding(1)}, _pad_example(1)
    summary = _pad_summary(1, "copies of the edge values")


@register
class ReplicationPad2d(TorchPad):
    name = "nn.ReplicationPad2d"
    saves = ("input",)
    rank, mode = 2, "replicate"
    args, example = {"padding": _Padding(2)}, _pad_example(2)
    summary = _pad_summary(2, "copies of the edge values")


@register
class ReplicationPad3d(TorchPad):
    name = "nn.ReplicationPad3d"
    saves = ("input",)
    rank, mode = 3, "replicate"
    args, example = {"padding": _Padding(3)}, _pad_example(3)
    summary = _pad_summary(3, "copies of the edge values")


@register
class CircularPad1d(TorchPad):
    name = "nn.CircularPad1d"
    saves = ("none",)
    rank, mode = 1, "circular"
    args, example = {"padding": _Padding(1)}, _pad_example(1)
    summary = _pad_summary(1, "the values from the other end (each padding at most the axis length)")


@register
class CircularPad2d(TorchPad):
    name = "nn.CircularPad2d"
    saves = ("none",)
    rank, mode = 2, "circular"
    args, example = {"padding": _Padding(2)}, _pad_example(2)
    summary = _pad_summary(2, "the values from the other end (each padding at most the axis length)")


@register
class CircularPad3d(TorchPad):
    name = "nn.CircularPad3d"
    saves = ("none",)
    rank, mode = 3, "circular"
    args, example = {"padding": _Padding(3)}, _pad_example(3)
    summary = _pad_summary(3, "the values from the other end (each padding at most the axis length)")


# ---------------------------------------------------------------------------------------------------------------
# LocalResponseNorm, Bilinear
# ---------------------------------------------------------------------------------------------------------------

@register
class LocalResponseNorm(LayerKind):
    name = "nn.LocalResponseNorm"
    saves = ("input", "internal")

    @classmethod
    def saved_inside(cls, a, inputs, output):
        """torch's composite: the squares padded to C + size - 1 channels (the average pooling's input), the base
        k + alpha·mean and its power beta (two more input-sized tensors)."""
        (x,) = inputs
        per_channel = sympy.Mul(*x[1:])
        return 2 * x[0] * per_channel + (x[0] + a.size - 1) * per_channel
    convention = "torch"
    example = ({"size": 5}, ["C", "H", "W"], _values(2))
    summary = "divides each value by a power of the sum of squares over `size` neighbouring channels (AlexNet)"
    no_params = "alpha, beta and k are fixed numbers, not learned"
    args = {"size": Size(), "alpha": Number(1e-4), "beta": Number(0.75), "k": Number(1.0)}

    def build(self, a, inputs, b):
        (x,) = inputs
        if len(x) < 2:
            raise SymparamError(f"{self.name} expects an input (C, ...) with at least 2 axes besides the batch. "
                                f"Received input shape {format_shape(x)}.")
        b.cost("normalization", times(2 * a.size + 3, size(x)),
               words="per value: square and add over size channels, scale, add k, the power, divide")
        return x


@register
class Bilinear(LayerKind):
    no_twin = "Keras has no bilinear layer"
    name = "nn.Bilinear"
    saves = ("input",)
    convention = "torch"
    example = ({"out_features": "out", "inputs": ["x1", "x2"]}, {"x1": ["in1"], "x2": ["in2"]},
               {"out": 10, "in1": 32, "in2": 16})
    summary = ("the bilinear form x1^T W x2 + b on the last axes of two inputs (..., in1) and (..., in2): "
               "out x in1 x in2 weights plus out biases")
    n_inputs = 2
    args = {"in1_features": Size(None), "in2_features": Size(None), "out_features": Size(), "bias": Flag(True),
            **DEVICE}

    def build(self, a, inputs, b):
        x1, x2 = inputs
        if not x1 or len(x1) != len(x2):
            raise SymparamError(f"{self.name} needs two inputs with the same number of axes, at least one besides "
                                f"the batch. Received input shapes {format_shape(x1)} and {format_shape(x2)}.")
        for n1, n2 in zip(x1[:-1], x2[:-1]):
            if n1 is not None and n2 is not None:
                b.require(sympy.Eq(n1, n2), "inputs", "the two inputs must agree on every axis but the last",
                          f"input shapes {format_shape(x1)} and {format_shape(x2)}")
        n1 = given_or_inferred(b, a.in1_features, x1[-1], "in1_features", "first input's last axis", x1)
        n2 = given_or_inferred(b, a.in2_features, x2[-1], "in2_features", "second input's last axis", x2)
        b.weight("weight", (a.out_features, n1, n2), role="weights", labels=("out", "in1", "in2"),
                 category="weight")
        if a.bias:
            b.weight("bias", (a.out_features,), role="biases", labels=("out",), category="bias")
        lead = tuple(p if p is not None else q for p, q in zip(x1[:-1], x2[:-1]))
        b.cost("matmul", times(size(lead), a.out_features, n2, n1 + 1),
               words="rows x out x in2 x (in1 + 1): x1^T W_k (in1 x in2), then times x2 (in2)")
        if a.bias:
            b.cost("bias", times(size(lead), a.out_features), words="one add per output value")
        return (*lead, a.out_features)


# ---------------------------------------------------------------------------------------------------------------
# Fold, Unfold
# ---------------------------------------------------------------------------------------------------------------

_WINDOW = {"dilation": PerAxis(2, 1), "padding": PerAxis(2, 0, minimum=0), "stride": PerAxis(2, 1)}


def _blocks(a, b, spatial, shape) -> list:
    """The number of sliding blocks along each of the two axes `spatial` (torch's im2col), each at least one."""
    counts = []
    for axis, n in enumerate(spatial):
        k, d, p, s = a.kernel_size[axis], a.dilation[axis], a.padding[axis], a.stride[axis]
        length, condition = conv_length(n, k, s, p, d)
        if condition is not None:
            b.require(condition, "kernel_size", f"the padded axis {axis + 1} of the sliding blocks' area must be "
                      f"at least as long as the dilated kernel, {d * (k - 1) + 1}",
                      f"length {n}, padding = {p}, input shape {format_shape(shape)}")
        counts.append(length)
    return counts


@register
class Unfold(LayerKind):
    name = "nn.Unfold"
    saves = ("none",)
    convention = "torch"
    example = ({"kernel_size": ["k_h", "k_w"]}, ["C", "H", "W"], {"C": 3, "H": 32, "W": 32, "k_h": 3, "k_w": 3})
    summary = "extracts sliding blocks from (C, H, W) as columns: (C * k_h * k_w, L), L the number of blocks"
    no_params = "unfolding only copies the values it receives into columns"
    args = {"kernel_size": PerAxis(2), **_WINDOW}

    def build(self, a, inputs, b):
        moves(b)
        (x,) = inputs
        if len(x) != 3:
            raise SymparamError(f"{self.name} expects an input (C, H, W): 3 axes besides the batch. Received input "
                                f"shape {format_shape(x)}.")
        counts = _blocks(a, b, x[1:], x)
        c = x[0]
        return (None if c is None else c * product(a.kernel_size), product(counts))


@register
class Fold(LayerKind):
    name = "nn.Fold"
    saves = ("none",)
    convention = "torch"
    example = ({"output_size": ["H", "W"], "kernel_size": ["k_h", "k_w"]}, ["n", "L"],
               {"n": 27, "L": 900, "H": 32, "W": 32, "k_h": 3, "k_w": 3})
    summary = ("sums columns (C * k_h * k_w, L) of sliding blocks back into an image (C, H, W), H, W = "
               "output_size")
    no_params = "folding only adds up the values it receives"
    args = {"output_size": PerAxis(2), "kernel_size": PerAxis(2), **_WINDOW}

    def build(self, a, inputs, b):
        (x,) = inputs
        b.cost("elementwise", size(x), words="one add per input value (overlapping blocks summed)")
        if len(x) != 2:
            raise SymparamError(f"{self.name} expects an input (C * k_h * k_w, L): 2 axes besides the batch. "
                                f"Received input shape {format_shape(x)}.")
        columns, length = x
        window = product(a.kernel_size)
        received = f"kernel_size = {format_shape(a.kernel_size)}, output_size = {format_shape(a.output_size)}, " \
                   f"input shape {format_shape(x)}"
        if columns is not None:
            b.require(sympy.Eq(sympy.Mod(columns, window), 0), "kernel_size", "the input's first axis must be "
                      "divisible by the kernel's size, k_h * k_w", received)
        blocks = product(_blocks(a, b, a.output_size, x))
        if length is not None:
            b.require(sympy.Eq(length, blocks), "output_size", "the input's last axis must be the number of sliding "
                      "blocks in output_size", received)
        return (None if columns is None else columns / window, *a.output_size)
