"""Preprocessing layers: Normalization (the adapt-able one), Rescaling, Resizing, CategoryEncoding, CenterCrop,
RandomCrop, and Keras's image augmentations without weights (geometric: RandomFlip, RandomRotation, RandomZoom,
RandomTranslation, RandomShear; colour: RandomContrast, RandomBrightness, RandomHue, RandomSaturation,
RandomColorDegeneration, RandomGrayscale, RandomInvert, RandomSharpness, Solarization, AutoContrast, Equalization).
Each augmentation keeps the shape; its arguments are checked as Keras checks them, and the colour ones that convert
to HSV or grayscale need 3 (or 1) channels.

Normalization built without mean and variance keeps non-trainable `mean`, `variance` (the shape of the kept axes)
and a scalar `count`; given mean and variance it has no variables, and they must broadcast to the kept axes the way
Keras reshapes them. Rescaling's scale and offset must broadcast to the input without changing its shape.
"""

from __future__ import annotations

import math
from typing import Any

import sympy

from ..errors import SymparamError, show
from ..model import Dim
from . import register
from .base import REQUIRED, Arg, Choice, Flag, LayerKind, Opaque, Real, Size
from .core import format_shape
from .normalization_extra import Axes, batched_axis, known_length
from .costs import INTERPOLATION_OPS, identity, moves, size as values_of, times


class Array(tuple):
    """An array argument as its shape (all the count reads), keeping the numbers the spec gave (`values`: what an
    exported file writes)."""

    def __new__(cls, shape=(), values=None):
        made = super().__new__(cls, shape)
        made.values = values
        return made


class ArrayLike(Arg):
    """A number or a rectangular nested list of numbers; parsed to its shape (the values do not matter)."""
    expected = "a number or a (nested) list of numbers of rectangular shape"

    def parse(self, value, key, ctx):
        shape = _array_shape(value, 0)
        if shape is None:
            raise self.refuse(value, key)
        return Array(shape, value)


def _array_shape(value, depth: int) -> tuple[int, ...] | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return ()
    if not isinstance(value, list) or depth > 16 or len(value) > 100_000:
        return None
    shapes = [_array_shape(v, depth + 1) for v in value]
    if any(s is None for s in shapes) or len(set(shapes)) > 1:
        return None
    return (len(value), *(shapes[0] if shapes else ()))


def _require_same(b, length: Dim, size: int, key: str, why: str) -> None:
    """`size` must equal `length` (a known or symbolic length); 1 always broadcasts."""
    if size == 1:
        return
    if length is None:
        raise SymparamError(f"{key}: {why} needs that axis to have a known length. Received a {key} axis of {size}.")
    b.require(sympy.Eq(length, size), key, f"{key}: {why}", f"{key} axis of {size}, input axis of {length}")


@register
class Normalization(LayerKind):
    no_twin = "PyTorch has no preprocessing normalization layer (torchvision transforms hold no weights)"
    name = "Normalization"
    saves = ("none",)
    example = ({}, ["H", "W", "C"], {"H": 32, "W": 32, "C": 3})
    summary = "standardizes with a mean and variance per kept axis: non-trainable mean, variance and count"
    args = {"axis": Axes(-1, none_ok=True), "mean": ArrayLike(None), "variance": ArrayLike(None),
            "invert": Opaque(False)}

    def build(self, a, inputs, b):
        (x,) = inputs
        b.cost("normalization", times(2, values_of(x)), words="subtract the mean, divide by the deviation, per value")
        if (a.mean is None) != (a.variance is None):
            raise SymparamError("give both mean and variance, or neither. Received: "
                                f"{'mean' if a.variance is None else 'variance'} only.")
        axes = () if a.axis is None else (a.axis,) if isinstance(a.axis, int) else a.axis
        ndim = len(x) + 1
        keep = sorted(batched_axis(x, d) for d in axes)   # Keras keeps duplicates
        lengths = {d: known_length(x, d, "axis", "the kept axes need a known length") for d in keep}
        broadcast = [lengths[d] if d in lengths else sympy.Integer(1) for d in range(ndim)]
        if a.mean is not None:
            self._given(a, b, keep, broadcast, len(axes))
            return x
        shape = tuple(lengths[d] for d in keep)
        if len(set(keep)) != len(keep):
            b.require(sympy.Eq(sympy.Mul(*shape), sympy.Mul(*lengths.values())), "axis",
                      "axis names an axis twice, so the mean must hold one value per kept position: the repeated "
                      "axes must have length 1", f"axis = {show(list(axes))}, input shape {format_shape(x)}")
        labels = tuple(f"C{i + 1}" for i in range(len(shape))) if len(shape) > 1 else ("C",) * len(shape)
        b.weight("mean", shape, role="means", labels=labels, trainable=False, category="statistic")
        b.weight("variance", shape, role="variances", labels=labels, trainable=False, category="statistic")
        b.weight("count", (), role="count of samples seen", labels=(), trainable=False, category="statistic")
        return x

    @staticmethod
    def _given(a, b, keep, broadcast, n_axes) -> None:
        """Keras's build with mean and variance given: reshape them onto the kept axes, then broadcast."""
        if a.mean != a.variance:
            raise SymparamError(f"mean and variance must have the same shape. Received: mean of shape {a.mean}, "
                                f"variance of shape {a.variance}.")
        mean = a.mean
        if len(mean) > n_axes:
            raise SymparamError(f"mean may have at most as many axes as axis names ({n_axes}). Received: mean of "
                                f"shape {mean}.")
        if not mean:
            return
        expanded = [1] * len(broadcast)
        for i in range(1, len(mean) + 1):
            expanded[keep[-i]] = mean[-i]
        if math.prod(expanded) != math.prod(mean):
            raise SymparamError(f"mean of shape {mean} cannot be laid onto the kept axes {keep} (axis names one "
                                "axis twice).")
        for size, length in zip(expanded, broadcast):
            _require_same(b, length, size, "mean", "each mean axis must be 1 or the length of its kept axis")


@register
class Rescaling(LayerKind):
    name = "Rescaling"
    saves = ("none",)
    example = ({"scale": 0.00392156862745098}, ["H", "W", "C"], {"H": 32, "W": 32, "C": 3})
    summary = "multiplies by scale and adds offset (numbers, or arrays broadcast over the input)"
    no_params = "scale and offset are constants, not learned"
    args = {"scale": ArrayLike(REQUIRED), "offset": ArrayLike(0.0)}

    def build(self, a, inputs, b):
        (x,) = inputs
        b.cost("elementwise", times(2, values_of(x)), words="a multiply and an add per value")
        batched = (None, *x)
        for key, shape in (("scale", a.scale), ("offset", a.offset)):
            if len(shape) > len(batched):
                raise SymparamError(f"{key} has more axes ({len(shape)}) than the input with its batch axis "
                                    f"({len(batched)}); it would change the output's shape.")
            for back, size in enumerate(reversed(shape), start=1):
                length = batched[-back]
                if back == len(batched):   # lines up with the batch axis
                    if size != 1:
                        raise SymparamError(f"{key}: an axis that lines up with the batch axis must have length 1. "
                                            f"Received: {key} of shape {shape}.")
                    continue
                _require_same(b, length, size, key, "each axis must be 1 or the length of the input axis it "
                                                   "lines up with")
        return x


_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")


@register
class Resizing(LayerKind):
    name = "Resizing"
    saves = ("none",)
    example = ({"height": "h", "width": "w"}, ["H", "W", "C"], {"h": 224, "w": 224, "H": 256, "W": 256, "C": 3})
    summary = "resizes images to height x width (the channels stay)"
    no_params = "resizing interpolates the values it receives"
    args = {
        "height": Size(), "width": Size(),
        # ops.image.resize's methods, compared as given; the torch backend lacks the Lanczos ones
        "interpolation": Choice(*_INTERPOLATIONS, default="bilinear", any_case=False),
        "crop_to_aspect_ratio": Flag(False), "pad_to_aspect_ratio": Flag(False),
        "fill_mode": Choice("constant", default="constant", any_case=False), "fill_value": Opaque(0.0),
        "antialias": Opaque(False), "data_format": Choice("channels_last", "channels_first", default="channels_last"),
    }

    def build(self, a, inputs, b):
        if a.crop_to_aspect_ratio and a.pad_to_aspect_ratio:
            raise SymparamError("only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be true.")
        out = resized(inputs[0], a, self.name)
        b.cost("elementwise", times(INTERPOLATION_OPS.get(a.interpolation, INTERPOLATION_OPS["bilinear"]), values_of(out)),
               words=f"{a.interpolation} interpolation: operations per output value")
        return out


def resized(x, a, kind: str):
    """An image of a.height x a.width with x's channels (Resizing, CenterCrop, RandomCrop: Keras's rules)."""
    if len(x) == 2 and a.data_format == "channels_first":
        # Keras calls it as one image whose channels are the batch axis: (height, width) per example
        return (a.height, a.width)
    if len(x) != 3:
        # channels_last: Keras would read the batch axis as the height and resize it
        layout = "(channels, height, width)" if a.data_format == "channels_first" else "(height, width, channels)"
        raise SymparamError(f"{kind} expects images {layout} besides the batch axis. Received input shape "
                            f"{format_shape(x)}.")
    if a.data_format == "channels_first":
        return (x[0], a.height, a.width)
    return (a.height, a.width, x[2])

@register
class CategoryEncoding(LayerKind):
    name = "CategoryEncoding"
    saves = ("none",)
    example = ({"num_tokens": "tokens"}, ["k"], {"tokens": 100, "k": 8})
    summary = "encodes integer token ids as num_tokens-long one-hot, multi-hot or count vectors"
    no_params = "the encoding only counts the token ids it receives"
    args = {"num_tokens": Size(None),
            # "binary" is Keras's old name of "multi_hot"
            "output_mode": Choice("multi_hot", "one_hot", "count", "binary", default="multi_hot", any_case=False),
            "sparse": Flag(False)}

    def build(self, a, inputs, b):
        (x,) = inputs
        b.cost("elementwise", values_of(x), words="one count (or set) per token id")
        if a.num_tokens is None:
            raise SymparamError("num_tokens must be set (the number of token ids, 0 to num_tokens - 1).")
        return encoded(b, a.output_mode, x, a.num_tokens, "num_tokens")


def encoded(b, mode: str, x, depth, key: str):
    """The shape of ids encoded as `depth`-long vectors ("one_hot", "multi_hot", "count", "tf_idf"), as Keras's
    categorical layers (CategoryEncoding, the lookups, Hashing, TextVectorization) declare it and call it."""
    if mode != "one_hot":
        # multi_hot and count turn each example's list of ids (the last axis) into one vector. For more axes
        # Keras declares the last one replaced, but every backend reduces axis 1: the two agree only when all
        # the axes have one length
        if not x:
            raise SymparamError(f"{mode} encodes a list of ids per example: the input needs an axis besides the "
                                "batch.")
        if len(x) > 1:
            if any(d is None for d in x):
                raise SymparamError(f"{mode} on more than one axis needs their lengths known. Received "
                                    f"input shape {format_shape(x)}.")
            for d in x[1:]:
                b.require(sympy.Eq(d, x[0]), "output_mode",
                          f"{mode} on more than one axis reduces axis 1 where Keras declares the last "
                          "one replaced: the two agree only when every axis has the same length",
                          f"input shape {format_shape(x)}")
        return (*x[:-1], depth)
    # one_hot: an id per position, a vector each; a last axis of length 1 is replaced
    if x and x[-1] is not None and not x[-1].is_number:
        b.require(sympy.Ne(x[-1], 1), key, "one_hot replaces a last input axis of length 1 and "
                  "appends to any other: symparam needs to know which, so that axis must not be 1")
        return (*x, depth)
    if x and x[-1] == 1:
        return (*x[:-1], depth)
    return (*x, depth)


_IMAGE_FORMAT = Choice("channels_last", "channels_first", default="channels_last")


@register
class CenterCrop(LayerKind):
    name = "CenterCrop"
    saves = ("none",)
    example = ({"height": "h", "width": "w"}, ["H", "W", "C"], {"h": 224, "w": 224, "H": 256, "W": 256, "C": 3})
    summary = "crops the centre height x width of each image (resizes an image smaller than that)"
    no_params = "cropping only keeps some of the values it receives"
    args = {"height": Size(), "width": Size(), "data_format": _IMAGE_FORMAT}

    def build(self, a, inputs, b):
        moves(b)
        return resized(inputs[0], a, self.name)


@register
class RandomCrop(LayerKind):
    name = "RandomCrop"
    saves = ("none",)
    example = ({"height": "h", "width": "w"}, ["H", "W", "C"], {"h": 224, "w": 224, "H": 256, "W": 256, "C": 3})
    summary = "crops a random height x width window of each image while training (resizes otherwise)"
    no_params = "cropping only keeps some of the values it receives"
    args = {"height": Size(), "width": Size(), "seed": Opaque(), "data_format": _IMAGE_FORMAT}

    def build(self, a, inputs, b):
        moves(b)
        return resized(inputs[0], a, self.name)


class Factor(Arg):
    """An augmentation's strength: a number, or a list [lower, upper], checked as Keras checks it.

    `each`: Keras's RandomZoom and RandomTranslation check each number of a list against the range ((-1, 1] and
    [-1, 1]: `low_open` for the first); the base image layer (RandomRotation, RandomContrast) checks a number
    against [low, high] but a list only for overlapping it.
    """

    def __init__(self, low: float, high: float, each: bool = False, low_open: bool = False,
                 default: Any = REQUIRED) -> None:
        super().__init__(default)
        self.low, self.high, self.each, self.low_open = low, high, each, low_open
        bounds = f"{'(' if low_open else '['}{low}, {high}]"
        self.expected = f"a number or a list of two numbers in the range {bounds}"

    def _number(self, value) -> bool:
        return not isinstance(value, bool) and isinstance(value, (int, float)) and value == value

    def _within(self, value) -> bool:
        return (self.low < value if self.low_open else self.low <= value) and value <= self.high

    def parse(self, value, key, ctx):
        if isinstance(value, list):
            if len(value) != 2 or not all(self._number(v) for v in value):
                raise self.refuse(value, key)
            ok = all(self._within(v) for v in value) if self.each else value[0] <= self.high and value[1] >= self.low
        else:
            ok = self._number(value) and self._within(value)
        if not ok:
            raise self.refuse(value, key)
        return value


_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_AUGMENT_INTERPOLATIONS = ("nearest", "bilinear")


def _fill() -> dict:
    """The arguments of Keras's geometric augmentations, compared as given."""
    return {"fill_mode": Choice(*_FILL_MODES, default="reflect", any_case=False),
            "interpolation": Choice(*_AUGMENT_INTERPOLATIONS, default="bilinear", any_case=False),
            "seed": Opaque(), "fill_value": Opaque(0.0), "data_format": _IMAGE_FORMAT}


class Augmentation(LayerKind):
    """An image augmentation: the same shape out, on images (height, width, channels) or, as Keras also runs it, a
    2-axis input read with the batch axis as the image's first one."""
    example = ({}, ["H", "W", "C"], {"H": 32, "W": 32, "C": 3})
    channels: tuple[int, ...] = ()   # the channel counts a colour augmentation works on (any if empty)
    # Random augmentations are the identity at inference (0); the deterministic ones declare operations per value.
    ops = 0
    ops_words = ""

    def build(self, a, inputs, b):
        (x,) = inputs
        if self.ops:
            b.cost("elementwise", times(self.ops, values_of(x)), words=self.ops_words)
        else:
            identity(b)
        if len(x) not in (2, 3):
            raise SymparamError(f"{self.name} expects images (height, width, channels) besides the batch axis. "
                                f"Received input shape {format_shape(x)}.")
        if self.channels:
            self._check_channels(x, getattr(a, "data_format", "channels_last"), b)
        return x

    def _check_channels(self, x, data_format: str, b, channels: tuple[int, ...] = ()) -> None:
        channels = channels or self.channels
        counts = " or ".join(str(c) for c in channels)
        if data_format == "channels_first" and len(x) == 2:
            raise SymparamError(f"{self.name} with channels_first needs images (channels, height, width): on 2 axes "
                                f"Keras reads the batch axis as the channels. Received input shape {format_shape(x)}.")
        c = x[0] if data_format == "channels_first" else x[-1]
        if c is None:
            raise SymparamError(f"{self.name} needs the number of channels known ({counts}). Received input shape "
                                f"{format_shape(x)}.")
        b.require(sympy.Or(*(sympy.Eq(c, n) for n in channels)), "data_format",
                  f"{self.name} works on images of {counts} channels", f"{c} channels")


@register
class RandomFlip(Augmentation):
    name = "RandomFlip"
    saves = ("none",)
    summary = "flips images horizontally and/or vertically at random while training"
    no_params = "flipping only reorders the values it receives"
    # Keras keeps any mode ("horizontal", "vertical", "horizontal_and_vertical"); another one flips nothing
    args = {"mode": Opaque("horizontal_and_vertical"), "seed": Opaque(), "data_format": _IMAGE_FORMAT}


@register
class RandomRotation(Augmentation):
    name = "RandomRotation"
    saves = ("none",)
    example = ({"factor": 0.1}, ["H", "W", "C"], {"H": 32, "W": 32, "C": 3})
    summary = "rotates images by a random fraction of a full turn (within factor) while training"
    no_params = "rotating only moves the values it receives"
    args = {"factor": Factor(-1, 1), **_fill()}


@register
class RandomZoom(Augmentation):
    name = "RandomZoom"
    saves = ("none",)
    example = ({"height_factor": 0.2}, ["H", "W", "C"], {"H": 32, "W": 32, "C": 3})
    summary = "zooms images in or out by a random fraction (within height_factor, width_factor) while training"
    no_params = "zooming only interpolates the values it receives"
    args = {"height_factor": Factor(-1, 1, each=True, low_open=True),
            "width_factor": Factor(-1, 1, each=True, low_open=True, default=None),
            **_fill()}


@register
class RandomTranslation(Augmentation):
    name = "RandomTranslation"
    saves = ("none",)
    example = ({"height_factor": 0.1, "width_factor": 0.1}, ["H", "W", "C"], {"H": 32, "W": 32, "C": 3})
    summary = "shifts images by a random fraction of their height and width while training"
    no_params = "shifting only moves the values it receives"
    args = {"height_factor": Factor(-1, 1, each=True), "width_factor": Factor(-1, 1, each=True), **_fill()}


@register
class RandomContrast(Augmentation):
    name = "RandomContrast"
    saves = ("none",)
    example = ({"factor": 0.2}, ["H", "W", "C"], {"H": 32, "W": 32, "C": 3})
    summary = "scales each image's contrast by a random factor in [1 - factor, 1 + factor] while training"
    no_params = "the contrast factor is drawn afresh, not learned"
    args = {"factor": Factor(0, 1), "value_range": Opaque([0, 255]), "seed": Opaque()}


class ValueRange(Arg):
    """The range of the image's values, [low, high]. `loose`: Keras does not check it and reads its first two
    numbers (RandomHue, RandomInvert)."""

    def __init__(self, default, loose: bool = False) -> None:
        super().__init__(default)
        self.loose = loose
        self.expected = ("a list [low, high, ...] of at least two numbers" if loose
                         else "a list of two numbers [low, high]")

    def parse(self, value, key, ctx):
        if (not isinstance(value, list) or not (len(value) >= 2 if self.loose else len(value) == 2)
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value[:2])):
            raise self.refuse(value, key)
        return value


_COLOUR = "the change is drawn afresh for each image, not learned"


@register
class RandomBrightness(Augmentation):
    name = "RandomBrightness"
    saves = ("none",)
    example = ({"factor": 0.2}, ["H", "W", "C"], {"H": 32, "W": 32, "C": 3})
    summary = "adds a random brightness (a fraction of value_range, within factor) to each image while training"
    no_params = _COLOUR
    args = {"factor": Factor(-1, 1), "value_range": ValueRange([0, 255]), "seed": Opaque()}


@register
class RandomHue(Augmentation):
    name = "RandomHue"
    saves = ("none",)
    channels = (3,)
    example = ({"factor": 0.2}, ["H", "W", "C"], {"H": 32, "W": 32, "C": 3})
    summary = "shifts each image's hue by a random amount within factor while training"
    no_params = _COLOUR
    args = {"factor": Factor(0, 1), "value_range": ValueRange([0, 255], loose=True), "data_format": _IMAGE_FORMAT,
            "seed": Opaque()}


@register
class RandomSaturation(Augmentation):
    name = "RandomSaturation"
    saves = ("none",)
    channels = (3,)
    example = ({"factor": 0.2}, ["H", "W", "C"], {"H": 32, "W": 32, "C": 3})
    summary = "scales each image's saturation by a random amount within factor while training"
    no_params = _COLOUR
    args = {"factor": Factor(-1, 1), "value_range": ValueRange([0, 255]), "data_format": _IMAGE_FORMAT,
            "seed": Opaque()}


@register
class RandomColorDegeneration(Augmentation):
    name = "RandomColorDegeneration"
    saves = ("none",)
    channels = (3,)
    example = ({"factor": 0.2}, ["H", "W", "C"], {"H": 32, "W": 32, "C": 3})
    summary = "blends each image with its grayscale version by a random amount within factor while training"
    no_params = _COLOUR
    args = {"factor": Factor(-1, 1), "value_range": ValueRange([0, 255]), "data_format": _IMAGE_FORMAT,
            "seed": Opaque()}


@register
class RandomGrayscale(Augmentation):
    name = "RandomGrayscale"
    saves = ("none",)
    channels = (1, 3)
    summary = "turns each image to grayscale (its channels kept) with probability factor while training"
    no_params = _COLOUR
    args = {"factor": Real(0.5, 0.0, 1.0), "data_format": _IMAGE_FORMAT, "seed": Opaque()}


@register
class RandomInvert(Augmentation):
    name = "RandomInvert"
    saves = ("none",)
    summary = "inverts each image's values within value_range with probability factor while training"
    no_params = _COLOUR
    args = {"factor": Factor(0, 1, default=1.0), "value_range": ValueRange([0, 255], loose=True), "seed": Opaque(),
            "data_format": _IMAGE_FORMAT}


@register
class AutoContrast(Augmentation):
    name = "AutoContrast"
    saves = ("none",)
    summary = "stretches each image's values to fill value_range"
    no_params = "the stretch follows from the values each image holds"
    ops, ops_words = 4, "per value: into the image's min and max (2), subtract and scale (2)"
    args = {"value_range": ValueRange([0, 255])}


@register
class RandomSharpness(Augmentation):
    name = "RandomSharpness"
    saves = ("none",)
    example = ({"factor": 0.2}, ["H", "W", "C"], {"H": 32, "W": 32, "C": 3})
    summary = "sharpens or blurs each image by a random amount within factor while training"
    no_params = _COLOUR
    args = {"factor": Factor(0, 1), "value_range": ValueRange([0, 255]), "data_format": _IMAGE_FORMAT,
            "seed": Opaque()}


@register
class Solarization(Augmentation):
    name = "Solarization"
    saves = ("none",)
    summary = "inverts the values above a random threshold and adds a random amount while training"
    ops, ops_words = 2, "per value: compare with the threshold, invert or keep (applied at inference too)"
    no_params = _COLOUR
    args = {"addition_factor": Factor(0, 1, each=True, default=0.0),
            "threshold_factor": Factor(0, 1, each=True, default=0.0), "value_range": ValueRange([0, 255]),
            "seed": Opaque()}


@register
class RandomShear(Augmentation):
    name = "RandomShear"
    saves = ("none",)
    example = ({"x_factor": 0.2}, ["H", "W", "C"], {"H": 32, "W": 32, "C": 3})
    summary = "shears images along x and y by random amounts within x_factor and y_factor while training"
    no_params = "shearing only moves the values it receives"
    args = {"x_factor": Factor(0, 1, each=True, default=0.0), "y_factor": Factor(0, 1, each=True, default=0.0),
            **_fill()}


@register
class Equalization(Augmentation):
    name = "Equalization"
    saves = ("none",)
    summary = "equalizes each image's histogram of values (bins bins over value_range)"
    no_params = "the equalization follows from the values each image holds"
    ops, ops_words = 2, "per value: into the histogram, then looked up in its cumulative table"
    args = {"value_range": ValueRange([0, 255]), "bins": Size(256), "data_format": _IMAGE_FORMAT}

