"""More normalizations: LayerNormalization, GroupNormalization (gamma and beta per feature), UnitNormalization.

Keras counts axes on the shape *with* the batch axis (0 is the batch, -1 the last axis) and indexes it the Python
way; `batched_axis` does the same on symparam's batch-less shapes.
"""

from __future__ import annotations

from types import SimpleNamespace

import sympy

from ..errors import SymparamError, show
from . import register
from .base import Arg, Flag, LayerKind, NoTwin, Opaque, Real, Twin
from .core import format_shape
from .costs import normalization, statistics_ops


class Axes(Arg):
    """An axis (int) or a list of axes, counted with the batch axis at 0; "none" only where `none_ok`."""

    def __init__(self, default=-1, none_ok: bool = False) -> None:
        super().__init__(default)
        self.none_ok = none_ok
        self.expected = "an integer or a list of integers" + (' or "none"' if none_ok else "")

    def parse(self, value, key, ctx):
        if self.none_ok and (value is None or isinstance(value, str) and value.lower() == "none"):
            return None
        if type(value) is int:
            return value
        if isinstance(value, list) and len(value) <= 16 and all(type(v) is int for v in value):
            return tuple(value)
        raise self.refuse(value, key)


def batched_axis(shape, axis: int, key: str = "axis") -> int:
    """The index (0 = batch) of Keras axis `axis` on the batched form of `shape`; out of range is refused."""
    rank = len(shape) + 1
    if not -rank <= axis < rank:
        raise SymparamError(f"{key} {axis} is out of range for an input with {rank} axes counting the batch axis "
                            f"(from {-rank} to {rank - 1}). Received input shape {format_shape(shape)}.")
    return axis % rank


def distinct_axes(shape, axes, key: str = "axis") -> list[int]:
    """Batched indices of `axes`, each named once (Keras's ops refuse an axis twice)."""
    found = [batched_axis(shape, a, key) for a in axes]
    if len(set(found)) != len(found):
        raise SymparamError(f"{key} names the same axis twice. Received: {key} = {show(list(axes))} for input "
                            f"shape {format_shape(shape)}.")
    return found


def known_length(shape, index: int, key: str, what: str):
    """The length at batched index `index`, which must be a non-batch axis of known length."""
    length = None if index == 0 else shape[index - 1]
    if length is None:
        place = "the batch axis" if index == 0 else f"axis {index}, of unknown length"
        raise SymparamError(f"{key} must name axes of known length ({what}); it names {place}. "
                            f"Received input shape {format_shape(shape)}.")
    return length


_GAMMA_BETA = {"beta_initializer": Opaque(), "gamma_initializer": Opaque(), "beta_regularizer": Opaque(),
               "gamma_regularizer": Opaque(), "beta_constraint": Opaque(), "gamma_constraint": Opaque()}


def positions(x, axis) -> sympy.Expr:
    """How many groups a normalization over `axis` (Keras axes, the batch at 0) makes of one example."""
    axes = {batched_axis(x, d) for d in ((axis,) if isinstance(axis, int) else axis)}
    return sympy.Mul(*(d for i, d in enumerate(x, start=1) if i not in axes))


@register
class LayerNormalization(LayerKind):
    name = "LayerNormalization"
    saves = ("input", "statistics")

    @classmethod
    def saved_statistics(cls, a, inputs, output):
        return 2 * positions(inputs[0], a.axis)       # a mean and an inverse deviation per normalized group
    example = ({}, ["seq", "d_model"], {"seq": 128, "d_model": 512})
    summary = "normalizes each example over axis: gamma and beta with the shape of those axes"
    lesson = "layer normalization learns one scale and one offset for each of the $d$ features it normalizes over"
    legend = {"d": ("features", "input")}
    args = {"axis": Axes(-1), "epsilon": Real(1e-3), "center": Flag(True), "scale": Flag(True),
            "rms_scaling": Flag(False), **_GAMMA_BETA}

    def build(self, a, inputs, b):
        (x,) = inputs
        rms = a.rms_scaling
        if rms:   # Keras (deprecated): gamma whatever scale says, no beta whatever center says
            a = SimpleNamespace(**{**vars(a), "scale": True, "center": False})
        axes = (a.axis,) if isinstance(a.axis, int) else a.axis
        if not axes and not rms:   # (the RMS path runs over no axes: one scalar gamma)
            raise SymparamError("axis must name at least one axis (Keras cannot normalize over none). "
                                "Received: axis = [].")
        distinct_axes(x, axes)
        normalization(b, x, statistics_ops(a.scale, a.center), "per value: mean and variance, normalize, the affine parts")
        # Keras: the weights' shape follows sorted(axis), the raw values (negative ones first)
        if not (a.scale or a.center):
            return x
        shape = tuple(known_length(x, batched_axis(x, d), "axis", "gamma and beta take their shape")
                      for d in sorted(axes))
        labels = tuple(f"d{i + 1}" for i in range(len(shape))) if len(shape) > 1 else ("d",) * len(shape)
        if a.scale:
            b.weight("gamma", shape, role="scales", labels=labels, category="scale")
        if a.center:
            b.weight("beta", shape, role="offsets", labels=labels, category="offset")
        return x

    @classmethod
    def twin(cls, a, inputs, convention):
        (x,) = inputs
        if a.rms_scaling:
            raise NoTwin("PyTorch's nn.LayerNorm has no RMS scaling (nn.RMSNorm is RMSNormalization's twin)")
        axes = sorted(batched_axis(x, d) for d in ((a.axis,) if isinstance(a.axis, int) else a.axis))
        if axes != list(range(len(x) + 1 - len(axes), len(x) + 1)):
            raise NoTwin("PyTorch's nn.LayerNorm normalizes trailing axes only")
        if a.center and not a.scale:
            raise NoTwin("PyTorch's nn.LayerNorm has no bias without a weight")
        shape = tuple(x[d - 1] for d in axes)
        return Twin("nn.LayerNorm", {"normalized_shape": shape, "elementwise_affine": a.scale, "bias": a.center},
                    [x])


class Groups(Arg):
    """GroupNormalization's groups: a positive size, or -1 for one group per channel."""
    expected = "a positive integer, an expression over symbols, or -1 (one group per channel)"

    def parse(self, value, key, ctx):
        if type(value) is int and value == -1:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise self.refuse(value, key)
        return ctx.size(value, key)


@register
class GroupNormalization(LayerKind):
    @classmethod
    def twin(cls, a, inputs, convention):
        (x,) = inputs
        if not isinstance(a.axis, int):
            raise NoTwin("GroupNormalization takes one axis")
        if a.center and not a.scale:
            raise NoTwin("PyTorch's nn.GroupNorm has no bias without a weight")
        index = batched_axis(x, a.axis) - 1
        channels = x[index]
        moved = (channels, *x[:index], *x[index + 1:])
        return Twin("nn.GroupNorm", {"num_groups": channels if a.groups is None else a.groups,
                                     "num_channels": channels, "affine": a.scale, "bias": a.center}, [moved])

    name = "GroupNormalization"
    saves = ("input", "statistics")

    @classmethod
    def saved_statistics(cls, a, inputs, output):
        (x,) = inputs
        channels = x[batched_axis(x, a.axis) - 1]
        groups = a.groups if a.groups is not None else channels
        return 3 * groups + channels     # Keras's composite: mean, variance, rstd per group; gamma·rstd per channel
    example = ({"groups": "G"}, ["H", "W", "C"], {"G": 8, "H": 32, "W": 32, "C": 64})
    summary = "normalizes groups of channels: gamma and beta per channel (groups must divide the channels)"
    args = {"groups": Groups(32), "axis": Axes(-1), "epsilon": Real(1e-3), "center": Flag(True),
            "scale": Flag(True), **_GAMMA_BETA}

    def build(self, a, inputs, b):
        (x,) = inputs
        if not isinstance(a.axis, int):
            raise SymparamError(f"axis must be one integer for GroupNormalization. Received: axis = "
                                f"{show(list(a.axis))}.")
        channels = known_length(x, batched_axis(x, a.axis), "axis", "the channels to divide into groups")
        groups = channels if a.groups is None else a.groups
        b.require(sympy.Ge(channels, groups), "groups", "groups cannot be more than the channels on axis",
                  f"groups = {groups}, {channels} channels")
        b.require(sympy.Eq(sympy.Mod(channels, groups), 0), "groups", "groups must divide the channels on axis",
                  f"groups = {groups}, {channels} channels")
        if a.scale:
            b.weight("gamma", (channels,), role="scales", labels=("C",), category="scale")
        if a.center:
            b.weight("beta", (channels,), role="offsets", labels=("C",), category="offset")
        normalization(b, x, statistics_ops(a.scale, a.center), "per value: mean and variance, normalize, the affine parts")
        return x


@register
class UnitNormalization(LayerKind):
    name = "UnitNormalization"
    saves = ("input", "statistics")

    @classmethod
    def saved_statistics(cls, a, inputs, output):
        return 2 * positions(inputs[0], a.axis)      # the sum of squares and its inverse square root per group
    example = ({}, ["n"], {"n": 128})
    summary = "scales each example to unit L2 norm over axis"
    no_params = "dividing by the norm is a fixed function of the values it receives"
    args = {"axis": Axes(-1)}

    def build(self, a, inputs, b):
        (x,) = inputs
        distinct_axes(x, (a.axis,) if isinstance(a.axis, int) else a.axis)
        normalization(b, x, 3, "per value: square and add, then divide by the norm")
        return x


@register
class RMSNormalization(LayerKind):
    name = "RMSNormalization"
    saves = ("input", "statistics")

    @classmethod
    def saved_statistics(cls, a, inputs, output):
        return positions(inputs[0], a.axis)           # one inverse root mean square per normalized group
    example = ({}, ["seq", "d_model"], {"seq": 128, "d_model": 4096})
    summary = "divides each example by its root mean square over the trailing axis: one scale per feature"
    args = {"axis": Axes(-1), "epsilon": Real(1e-6)}

    def build(self, a, inputs, b):
        (x,) = inputs
        axes = [a.axis] if isinstance(a.axis, int) else sorted(a.axis)
        if not axes:
            raise SymparamError("axis must name at least one axis (Keras cannot normalize over none). "
                                "Received: axis = [].")
        found = distinct_axes(x, axes)
        # Keras multiplies by a scale of the named axes' lengths broadcast against the trailing axes, so only the
        # trailing axes (in order) normalize as documented; symparam accepts no other.
        if found != list(range(len(x) + 1 - len(axes), len(x) + 1)):
            raise SymparamError(f"axis must name the input's trailing axes (Keras's scale multiplies the trailing "
                                f"axes). Received: axis = {show(a.axis)} for input shape {format_shape(x)}.")
        shape = tuple(known_length(x, i, "axis", "the scale takes their shape") for i in found)
        labels = tuple(f"d{i + 1}" for i in range(len(shape))) if len(shape) > 1 else ("d",) * len(shape)
        b.weight("scale", shape, role="scales", labels=labels, category="scale")
        normalization(b, x, 4, "per value: square and add, multiply by 1/rms, scale")
        return x

    @classmethod
    def twin(cls, a, inputs, convention):
        (x,) = inputs
        n = 1 if isinstance(a.axis, int) else len(a.axis)
        return Twin("nn.RMSNorm", {"normalized_shape": tuple(x[len(x) - n:])}, [x])
