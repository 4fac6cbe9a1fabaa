"""Arguments and input checks the PyTorch dialect's kinds share: per-axis sizes (torch's int or tuple), a
convolution's padding ("same", "valid" or sizes), LayerNorm's normalized_shape, an adaptive pooling's output_size,
plain numbers; channels-first inputs, and in_channels-like arguments that are read from the input or checked
against it.
"""

from __future__ import annotations

import math

import sympy

from ..errors import SymparamError
from .base import REQUIRED, Arg, Opaque
from .core import format_shape

DEVICE = {"device": Opaque(), "dtype": Opaque()}


def _none(value) -> bool:
    return value is None or (isinstance(value, str) and value.lower() == "none")


class PerAxis(Arg):
    """A size for every spatial axis: one for all, or a list of `rank` (torch's int or tuple)."""

    def __init__(self, rank: int, default=REQUIRED, minimum: int = 1, optional: bool = False) -> None:
        super().__init__(default)
        self.rank, self.minimum, self.optional = rank, minimum, optional
        one, each = ("a positive size", "positive sizes") if minimum == 1 else (f"a size >= {minimum}",
                                                                                f"sizes >= {minimum}")
        self.expected = f"{one} or a list of {rank} {each}" + (' or "none"' if optional else "")

    def parse(self, value, key, ctx):
        if self.optional and _none(value):
            return None
        items = value if isinstance(value, list) else [value] * self.rank
        if len(items) != self.rank or any(isinstance(v, bool) or not isinstance(v, (int, str)) for v in items):
            raise self.refuse(value, key)
        return tuple(ctx.size(v, key, self.minimum) for v in items)


class ConvPadding(PerAxis):
    """A convolution's padding: sizes >= 0, or the strings "same" and "valid" (case as torch writes them)."""

    def __init__(self, rank: int) -> None:
        super().__init__(rank, 0, minimum=0)
        self.expected += ', "same" or "valid"'

    def parse(self, value, key, ctx):
        if value in ("same", "valid"):
            return value
        return super().parse(value, key, ctx)


class NormalizedShape(Arg):
    expected = "a positive size or a list of positive sizes (the trailing axes to normalize)"

    def parse(self, value, key, ctx):
        items = value if isinstance(value, list) else [value]
        if not 1 <= len(items) <= 16 or any(isinstance(v, bool) or not isinstance(v, (int, str)) for v in items):
            raise self.refuse(value, key)
        return tuple(ctx.size(v, key) for v in items)


class OutputSize(Arg):
    """An adaptive pooling's output_size: one size for all axes, or one per axis ("none": keep the input's)."""

    def __init__(self, rank: int) -> None:
        super().__init__(REQUIRED)
        self.rank = rank
        self.expected = f"a positive size or a list of {rank} positive sizes" + (
            ' (or "none": the input length)' if rank > 1 else "")

    def parse(self, value, key, ctx):
        items = value if isinstance(value, list) else [value] * self.rank
        if len(items) != self.rank or any(isinstance(v, bool) or not (v is None or isinstance(v, (int, str)))
                                          for v in items):
            raise self.refuse(value, key)
        if self.rank == 1 and _none(items[0]):
            raise self.refuse(value, key)
        return tuple(None if _none(v) else ctx.size(v, key) for v in items)


class Ratios(Arg):
    """A fraction per spatial axis, each strictly between 0 and 1: one for all, or a list of `rank`; or "none"
    (nn.FractionalMaxPool2d's output_ratio)."""

    def __init__(self, rank: int) -> None:
        super().__init__(None)
        self.rank = rank
        self.expected = f'a number between 0 and 1 (both excluded), a list of {rank} of them, or "none"'

    def parse(self, value, key, ctx):
        if _none(value):
            return None
        items = value if isinstance(value, list) else [value] * self.rank
        if len(items) != self.rank or any(isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < 1
                                          for v in items):
            raise self.refuse(value, key)
        return tuple(items)


class Number(Arg):
    """A real number the count does not depend on, which torch still compares (Hardtanh's bounds)."""
    expected = "a number"

    def __init__(self, default=REQUIRED, optional: bool = False) -> None:
        super().__init__(default)
        self.optional = optional

    def parse(self, value, key, ctx):
        if self.optional and _none(value):
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.refuse(value, key)
        return value


def channels_first(shape, ranks: tuple[int, ...], kind: str):
    """(channels, spatial axes) of a batch-less (C, spatial...) shape with one of `ranks` spatial axes."""
    if len(shape) - 1 not in ranks:
        axes = " or ".join(str(r + 1) for r in ranks)
        raise SymparamError(f"{kind} expects an input (C, ...) with {axes} axes besides the batch. Received input "
                            f"shape {format_shape(shape)}.")
    return shape[0], tuple(shape[1:])


def given_or_inferred(b, given, actual, key: str, what: str, shape):
    """An in_channels-like argument: read from the input when left out, else checked against it."""
    if given is None:
        if actual is None:
            raise SymparamError(f"{key} cannot be read from the input: its {what} has unknown length. Give {key}. "
                                f"Received input shape {format_shape(shape)}.")
        return actual
    if actual is not None:
        b.require(sympy.Eq(given, actual), key, f"{key} must equal the input's {what}",
                  f"{key} = {given}, input shape {format_shape(shape)}")
    return given
