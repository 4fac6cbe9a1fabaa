"""Keras 3's composite and newer image augmentations, none with weights: AugMix, CutMix, MixUp, RandAugment,
RandomColorJitter, RandomElasticTransform, RandomErasing, RandomGaussianBlur, RandomPerspective, RandomPosterization
and ContrastLimitedAdaptiveHistogramEqualization.

Each keeps its input's shape (symparam.layers.preprocessing.Augmentation: images (height, width, channels), or a
2-axis input that Keras reads with the batch axis as the image's first); the arguments are checked as Keras checks
them when it builds the layer, and those that need colour images (the HSV and grayscale conversions inside) need 3
channels. All but the histogram equalization are the identity at inference.

Keras declares every output shape equal to the input's; its torch backend's call of RandomElasticTransform and
RandomPerspective fails on images 1 pixel high or wide, and RandomGaussianBlur's with a kernel that is not square.
symparam reports the declared shape there, as it does where a backend lacks an operation. AugMix and RandAugment
draw their operations at random, and some need 1 or 3 channels: symparam asks for 1 or 3 channels always.
"""

from __future__ import annotations

from . import register
from .base import Arg, Choice, Flag, Opaque, Real
from .preprocessing import _IMAGE_FORMAT, Augmentation, Factor, ValueRange

_INTERPOLATION = Choice("nearest", "bilinear", default="bilinear", any_case=False)
_RANGE = ValueRange([0, 255])
_RANDOM = "the augmentation is drawn afresh for each image, not learned"


class MixFactor(Factor):
    """CutMix's factor: as Keras's base checks it, and no negative number in a list (it becomes a Dirichlet
    concentration, and Keras's call fails whenever a negative one is drawn)."""

    def parse(self, value, key, ctx):
        value = super().parse(value, key, ctx)
        if isinstance(value, list) and min(value) < 0:
            raise self.refuse(value, key)
        return value


class OddSize(Arg):
    """RandomGaussianBlur's kernel_size: an odd number, or a list of two odd numbers."""
    expected = "an odd number or a list of two odd numbers"

    def parse(self, value, key, ctx):
        items = value if isinstance(value, list) else [value]
        if (len(items) not in ((2,) if isinstance(value, list) else (1,))
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v % 2 != 0 for v in items)):
            raise self.refuse(value, key)
        return value


@register
class AugMix(Augmentation):
    name = "AugMix"
    saves = ("none",)
    channels = (1, 3)
    summary = "mixes num_chains chains of random augmentations of each image with it while training (AugMix)"
    no_params = _RANDOM
    args = {"value_range": _RANGE, "num_chains": Opaque(3), "chain_depth": Opaque(3), "factor": Factor(0, 1, each=True, default=0.3),
            "alpha": Opaque(1.0), "all_ops": Flag(True), "interpolation": _INTERPOLATION, "seed": Opaque(),
            "data_format": _IMAGE_FORMAT}


@register
class CutMix(Augmentation):
    name = "CutMix"
    saves = ("none",)
    summary = "pastes a random patch of another image of the batch into each image while training (CutMix)"
    no_params = _RANDOM
    args = {"factor": MixFactor(0, 1, default=1.0), "seed": Opaque(), "data_format": _IMAGE_FORMAT}


@register
class MixUp(Augmentation):
    name = "MixUp"
    saves = ("none",)
    summary = "blends each image with another image of the batch by a random weight while training (MixUp)"
    no_params = _RANDOM
    args = {"alpha": Opaque(0.2), "seed": Opaque(), "data_format": _IMAGE_FORMAT}


@register
class RandAugment(Augmentation):
    name = "RandAugment"
    saves = ("none",)
    channels = (1, 3)
    summary = "applies num_ops augmentations drawn at random from a fixed list to each image while training"
    no_params = _RANDOM
    args = {"value_range": _RANGE, "num_ops": Opaque(2), "factor": Factor(0, 1, each=True, default=0.5),
            "interpolation": _INTERPOLATION, "seed": Opaque(), "data_format": _IMAGE_FORMAT}


@register
class RandomColorJitter(Augmentation):
    name = "RandomColorJitter"
    saves = ("none",)
    summary = "changes each image's brightness, contrast, saturation and hue by random amounts while training"
    no_params = _RANDOM
    args = {"value_range": Opaque([0, 255]), "brightness_factor": Factor(-1, 1, default=None),
            "contrast_factor": Factor(0, 1, default=None), "saturation_factor": Factor(-1, 1, default=None),
            "hue_factor": Factor(0, 1, default=None), "seed": Opaque(), "data_format": _IMAGE_FORMAT}

    def build(self, a, inputs, b):
        out = super().build(a, inputs, b)
        # value_range is read only by the inner layers that are made: brightness and saturation check a pair,
        # contrast and hue read its first two numbers
        strict = a.brightness_factor is not None or a.saturation_factor is not None
        if strict or a.contrast_factor is not None or a.hue_factor is not None:
            ValueRange(None, loose=not strict).parse(a.value_range, "value_range", None)
        if a.saturation_factor is not None or a.hue_factor is not None:   # through HSV: colour images only
            # Keras builds its inner saturation and hue layers channels_last, whatever data_format says
            self._check_channels(inputs[0], "channels_last", b, (3,))
        return out


@register
class RandomElasticTransform(Augmentation):
    name = "RandomElasticTransform"
    saves = ("none",)
    summary = "displaces each image's pixels along a random smooth field while training"
    no_params = "the displacement field is drawn afresh, not learned"
    args = {"factor": Factor(0, 1, default=1.0), "scale": Factor(0, 1, default=1.0), "interpolation": _INTERPOLATION,
            "fill_mode": Choice("constant", "nearest", "wrap", "mirror", "reflect", default="reflect",
                                any_case=False),
            "fill_value": Opaque(0.0), "value_range": Opaque([0, 255]), "seed": Opaque(),
            "data_format": _IMAGE_FORMAT}


@register
class RandomErasing(Augmentation):
    name = "RandomErasing"
    saves = ("none",)
    summary = "fills a random rectangle of each image with noise or fill_value while training"
    no_params = _RANDOM
    args = {"factor": Factor(0, 1, default=1.0), "scale": Factor(0, 1, default=[0.02, 0.33]),
            "fill_value": Opaque(), "value_range": Opaque([0, 255]), "seed": Opaque(), "data_format": _IMAGE_FORMAT}


@register
class RandomGaussianBlur(Augmentation):
    name = "RandomGaussianBlur"
    saves = ("none",)
    summary = "blurs each image with a Gaussian of random width (within sigma) while training"
    no_params = "the blur's width is drawn afresh, not learned"
    args = {"factor": Factor(0, 1, default=1.0), "kernel_size": OddSize(3), "sigma": Factor(0, 1, default=1.0),
            "value_range": Opaque([0, 255]), "data_format": _IMAGE_FORMAT, "seed": Opaque()}


@register
class RandomPerspective(Augmentation):
    name = "RandomPerspective"
    saves = ("none",)
    summary = "moves each image's corners by random amounts (within scale) and warps it to match while training"
    no_params = "the warp is drawn afresh, not learned"
    args = {"factor": Factor(0, 1, default=1.0), "scale": Real(1.0, 0.0, 1.0), "interpolation": _INTERPOLATION,
            "fill_value": Opaque(0.0), "seed": Opaque(), "data_format": _IMAGE_FORMAT}


@register
class RandomPosterization(Augmentation):
    name = "RandomPosterization"
    saves = ("none",)
    example = ({"factor": 4}, ["H", "W", "C"], {"H": 32, "W": 32, "C": 3})
    summary = "keeps a random number of bits (1 to 8, within factor) of each channel value while training"
    no_params = _RANDOM
    args = {"factor": Factor(1, 8), "value_range": _RANGE, "data_format": _IMAGE_FORMAT, "seed": Opaque()}


@register
class ContrastLimitedAdaptiveHistogramEqualization(Augmentation):
    name = "ContrastLimitedAdaptiveHistogramEqualization"
    saves = ("none",)
    summary = "equalizes each tile's histogram (tile_grid_size tiles, clipped at clip_limit) and blends the tiles"
    no_params = "the equalization follows from the values each image holds"
    ops, ops_words = 4, "per value: into its tile's histogram, looked up in two tiles' tables and blended"
    args = {"value_range": Opaque([0, 255]), "clip_limit": Opaque(4.0), "tile_grid_size": Opaque([8, 8]),
            "data_format": _IMAGE_FORMAT}
