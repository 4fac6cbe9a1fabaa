"""Reshaping kinds without parameters: ZeroPadding1D-3D, Cropping1D-3D, UpSampling1D-3D, RepeatVector, Permute, and
the two that keep the shape as it is: Identity and Masking.

Each changes only lengths (or their order); the rules are Keras 3's compute_output_shape, and the argument forms
Keras accepts (an int for every side, a pair per axis, or a (before, after) pair per axis).
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError, show
from ..model import Dim
from ..shapes import join_channels, split_channels
from . import register
from .base import Arg, Choice, LayerKind, Opaque, Size, Sizes
from .core import format_shape
from .costs import INTERPOLATION_OPS, identity, moves, size, times

_FORMAT = Choice("channels_last", "channels_first", default="channels_last")
_SPATIAL = {1: ["L"], 2: ["H", "W"], 3: ["D", "H", "W"]}


def need_rank(shape, rank: int, kind: str, layout: str) -> None:
    """Keras's InputSpec(ndim=rank + 1): exactly `rank` axes besides the batch."""
    if len(shape) != rank:
        raise SymparamError(f"{kind} expects an input with {rank} axes {layout} besides the batch. "
                            f"Received input shape {format_shape(shape)}.")


class Sides(Arg):
    """Amounts before and after, per axis (padding, cropping), as Keras reads them.

    rank 1 (ZeroPadding1D, Cropping1D): an int for both sides or a (before, after) pair.
    rank 2 and 3: an int for every side, or a list of `rank` entries, each an int or a (before, after) pair.
    `negative_int`: Keras does not check the sign of a single int for ZeroPadding2D/3D (a negative one crops).
    """

    def __init__(self, rank: int, default, negative_int: bool = False) -> None:
        super().__init__(default)
        self.rank, self.negative_int = rank, negative_int
        single = "an integer (a negative one crops)" if negative_int else "an integer >= 0"
        if rank == 1:
            self.expected = "an integer >= 0 or a list [before, after] of integers >= 0"
        else:
            self.expected = f"{single}, or a list of {rank} entries, each an integer >= 0 or a list [before, after]"

    def _amount(self, value, key, ctx, negative: bool = False):
        if type(value) is int and negative:
            return sympy.Integer(value)
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise self.refuse(value, key)
        return ctx.size(value, key, minimum=0)

    def _pair(self, value, key, ctx):
        if isinstance(value, list):
            if len(value) != 2:
                raise self.refuse(value, key)
            return tuple(self._amount(v, key, ctx) for v in value)
        amount = self._amount(value, key, ctx)
        return amount, amount

    def parse(self, value, key, ctx):
        if self.rank == 1:
            return (self._pair(value, key, ctx),)
        if isinstance(value, list):
            if len(value) != self.rank:
                raise self.refuse(value, key)
            return tuple(self._pair(v, key, ctx) for v in value)
        amount = self._amount(value, key, ctx, negative=self.negative_int)
        return ((amount, amount),) * self.rank


def _padded(b, n: Dim, before, after, axis: int) -> Dim:
    if n is None:
        return None
    length = n + before + after
    b.require(sympy.Ge(length, 1), "padding",
              f"padding: output axis {axis + 1} would have length {length}; symparam needs every length >= 1",
              f"input length {n}")
    return length


def _cropped(b, n: Dim, before, after, axis: int) -> Dim:
    if n is None:
        return None
    length = n - before - after
    b.require(sympy.Ge(length, 1), "cropping",
              f"cropping must leave at least one position on axis {axis + 1} (Keras refuses to crop it away)",
              f"input length {n}, cropping ({before}, {after})")
    return length


def _layout(rank: int, data_format: str) -> str:
    spatial = ", ".join(_SPATIAL[rank])
    return f"(channels, {spatial})" if data_format == "channels_first" else f"({spatial}, channels)"


class SpatialEdit(LayerKind):
    """ZeroPadding / Cropping / UpSampling of rank 1-3: a per-axis rule on the spatial axes."""
    rank = 0
    has_format = True

    def new_length(self, a, b, n, axis):
        raise NotImplementedError

    def build(self, a, inputs, b):
        (x,) = inputs
        data_format = a.data_format if self.has_format else "channels_last"
        need_rank(x, self.rank + 1, self.name, _layout(self.rank, data_format))
        channels, spatial = split_channels(x, data_format)
        out = [self.new_length(a, b, n, axis) for axis, n in enumerate(spatial)]
        shape = join_channels(channels, out, data_format)
        interpolation = getattr(a, "interpolation", "nearest")
        if interpolation == "nearest":
            moves(b)
        else:
            b.cost("elementwise", times(INTERPOLATION_OPS.get(interpolation, INTERPOLATION_OPS["bilinear"]),
                                        size(shape)), words=f"{interpolation} interpolation: operations per output value")
        return shape


class ZeroPadding(SpatialEdit):
    no_params = "padding only adds zeros around the values it receives"

    def new_length(self, a, b, n, axis):
        return _padded(b, n, *a.padding[axis], axis)


class Cropping(SpatialEdit):
    no_params = "cropping only drops some of the values it receives"

    def new_length(self, a, b, n, axis):
        return _cropped(b, n, *a.cropping[axis], axis)


class UpSampling(SpatialEdit):
    no_params = "upsampling only repeats the values it receives"

    def new_length(self, a, b, n, axis):
        size = a.size if self.rank == 1 else a.size[axis]
        return None if n is None else n * size


def _example(rank: int) -> tuple[dict, list, dict]:
    return {}, [*_SPATIAL[rank], "C"], {**{s: 16 for s in _SPATIAL[rank]}, "C": 8}


@register
class ZeroPadding1D(ZeroPadding):
    name = "ZeroPadding1D"
    saves = ("none",)
    rank = 1
    args, example = {"padding": Sides(1, 1), "data_format": _FORMAT}, _example(1)
    summary = "adds rows of zeros around the steps (axis 1)"


@register
class ZeroPadding2D(ZeroPadding):
    name = "ZeroPadding2D"
    saves = ("none",)
    rank = 2
    args, example = {"padding": Sides(2, 1, negative_int=True), "data_format": _FORMAT}, _example(2)
    summary = "adds rows of zeros around the rows and columns"


@register
class ZeroPadding3D(ZeroPadding):
    name = "ZeroPadding3D"
    saves = ("none",)
    rank = 3
    args, example = {"padding": Sides(3, 1, negative_int=True), "data_format": _FORMAT}, _example(3)
    summary = "adds rows of zeros around the three spatial axes"


@register
class Cropping1D(Cropping):
    name = "Cropping1D"
    saves = ("none",)
    rank = 1
    has_format = False
    args, example = {"cropping": Sides(1, [1, 1])}, _example(1)
    summary = "removes positions at the edges of the steps (axis 1)"


@register
class Cropping2D(Cropping):
    name = "Cropping2D"
    saves = ("none",)
    rank = 2
    args, example = {"cropping": Sides(2, 0), "data_format": _FORMAT}, _example(2)
    summary = "removes positions at the edges of the rows and columns"


@register
class Cropping3D(Cropping):
    name = "Cropping3D"
    saves = ("none",)
    rank = 3
    args, example = {"cropping": Sides(3, 1), "data_format": _FORMAT}, _example(3)
    summary = "removes positions at the edges of the three spatial axes"


@register
class UpSampling1D(UpSampling):
    name = "UpSampling1D"
    saves = ("none",)
    rank = 1
    has_format = False
    args, example = {"size": Size(2)}, _example(1)
    summary = "repeats each position size times along the steps (axis 1)"


@register
class UpSampling2D(UpSampling):
    name = "UpSampling2D"
    saves = ("none",)
    rank = 2
    args = {
        "size": Sizes(2, 2), "data_format": _FORMAT,
        # ops.image.resize's methods; the torch backend lacks the Lanczos ones
        "interpolation": Choice("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", default="nearest"),
    }
    example = _example(2)
    summary = "repeats each position size times along the rows and columns"


@register
class UpSampling3D(UpSampling):
    name = "UpSampling3D"
    saves = ("none",)
    rank = 3
    args, example = {"size": Sizes(3, 2), "data_format": _FORMAT}, _example(3)
    summary = "repeats each position size times along the three spatial axes"


@register
class RepeatVector(LayerKind):
    name = "RepeatVector"
    saves = ("none",)
    example = ({"n": "n"}, ["features"], {"n": 10, "features": 64})
    summary = "repeats a vector n times: (features,) becomes (n, features)"
    no_params = "repeating only copies the values it receives"
    args = {"n": Size()}

    def build(self, a, inputs, b):
        (x,) = inputs
        moves(b)
        need_rank(x, 1, self.name, "(features,)")
        return (a.n, x[0])


class Dims(Arg):
    """Permute's dims: a permutation of 1..n (axes counted from 1, the batch axis excluded)."""
    expected = "a list of the axis numbers 1..n in a new order, e.g. [2, 1]"

    def parse(self, value, key, ctx):
        if not isinstance(value, list) or len(value) > 16 or any(type(v) is not int for v in value):
            raise self.refuse(value, key)
        if sorted(value) != list(range(1, len(value) + 1)):
            raise SymparamError(f"{key} must be a permutation of 1..{len(value)} (the batch axis is not counted). "
                                f"Received: {key} = {show(value)}.")
        return tuple(value)


@register
class Permute(LayerKind):
    name = "Permute"
    saves = ("none",)
    example = ({"dims": [2, 1]}, ["steps", "features"], {"steps": 10, "features": 64})
    summary = "reorders the axes (dims counts them from 1, the batch axis excluded)"
    no_params = "permuting only reorders the axes of the values it receives"
    args = {"dims": Dims()}

    def build(self, a, inputs, b):
        (x,) = inputs
        moves(b)
        need_rank(x, len(a.dims), self.name, f"(as many as dims = {list(a.dims)})")
        return tuple(x[d - 1] for d in a.dims)


@register
class Identity(LayerKind):
    name = "Identity"
    saves = ("none",)
    example = ({}, ["n"], {"n": 128})
    summary = "returns its input unchanged (a placeholder)"
    no_params = "the layer returns what it receives"

    def build(self, a, inputs, b):
        identity(b)
        return inputs[0]


@register
class Masking(LayerKind):
    name = "Masking"
    saves = ("mask",)

    @classmethod
    def mask_values(cls, a, inputs, output):
        return sympy.Mul(*inputs[0][:-1])   # one flag per step (all its features equal mask_value or not)
    example = ({}, ["steps", "features"], {"steps": 10, "features": 64})
    summary = "masks the timesteps whose features all equal mask_value (they become 0 and are skipped downstream)"
    no_params = "masking only compares the values it receives with mask_value"
    args = {"mask_value": Opaque(0.0)}

    def build(self, a, inputs, b):
        b.cost("elementwise", times(2, size(inputs[0])), words="per value: compare with mask_value, then zero or keep")
        return inputs[0]
