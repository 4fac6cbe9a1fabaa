"""symparam/layers/preprocessing.py against real Keras: Normalization, Rescaling, Resizing, CategoryEncoding,
CenterCrop, RandomCrop, and the image augmentations (RandomFlip, RandomRotation, RandomZoom, RandomTranslation,
RandomContrast, RandomBrightness, RandomHue, RandomSaturation, RandomColorDegeneration, RandomGrayscale,
RandomInvert, AutoContrast, RandomSharpness, Solarization, RandomShear, Equalization).

These cases are also called on zeros (``called=True``): Keras checks Resizing's interpolation and Rescaling's
broadcast only then. Where Keras's torch backend cannot call what Keras supports (the Lanczos interpolations),
Keras's declared facts stand. See tests/oracle/cases.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

from oracle.cases import (CALL_BATCH, Case, Generated, Refused, assert_matches, framework_facts, framework_tests,
                          symparam_facts)
from oracle.strategies import DATA_FORMATS, axis_values, maybe, some_shape


def preprocessing(type_name: str, kwargs: dict[str, Any], input_shape: tuple) -> Case:
    return Case(type_name, kwargs, input_shape, called=True)


def array_of(shape):
    values = np.arange(1, math.prod(shape) + 1, dtype=float).reshape(shape) if shape else 2.0
    return values.tolist() if shape else values


@st.composite
def normalization_cases(draw):
    input_shape = some_shape(draw)
    n = len(input_shape)
    kwargs: dict[str, Any] = {}
    axis = draw(st.one_of(st.just(-1), st.none(), axis_values(n), st.lists(axis_values(n), min_size=0, max_size=3)))
    if axis != -1 or draw(st.booleans()):
        kwargs["axis"] = axis
    if draw(st.booleans()):  # mean and variance given: a shape built from the kept axes, sometimes wrong
        axes = [] if axis is None else [axis] if isinstance(axis, int) else axis
        kept = [input_shape[(a % (n + 1)) - 1] for a in axes if -n - 1 <= a <= n and a % (n + 1) != 0]
        k = draw(st.integers(0, len(kept)))
        shape = [draw(st.sampled_from([d, d, 1, d + 1])) for d in kept[len(kept) - k:]]
        if draw(st.integers(0, 6)) == 0:
            shape = [1, *shape]  # one axis too many (sometimes)
        kwargs["mean"] = array_of(shape)
        kwargs["variance"] = array_of(shape if draw(st.integers(0, 8)) else shape[1:])
    return preprocessing("Normalization", kwargs, input_shape)


@st.composite
def rescaling_cases(draw):
    input_shape = some_shape(draw)
    batched = (CALL_BATCH, *input_shape)   # a scale may broadcast against the batch
    kwargs: dict[str, Any] = {"scale": 0.5}
    for key in ("scale", "offset"):
        if draw(st.booleans()):
            rank = draw(st.integers(0, len(batched)))
            shape = [draw(st.sampled_from([d, 1, 2] if i > 0 or rank < len(batched) else [1, 2]))
                     for i, d in enumerate(batched[len(batched) - rank:])]
            kwargs[key] = array_of(shape)
        elif key == "scale":
            kwargs[key] = draw(st.sampled_from([0.5, 2, 1 / 255]))
    return preprocessing("Rescaling", kwargs, input_shape)


@st.composite
def resizing_cases(draw):
    data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
    kwargs: dict[str, Any] = {"height": draw(st.integers(1, 9)), "width": draw(st.integers(1, 9))}
    maybe(draw, kwargs, "interpolation", st.sampled_from(["bilinear", "nearest", "bicubic", "Bilinear", "area"]))
    maybe(draw, kwargs, "crop_to_aspect_ratio", st.booleans())
    maybe(draw, kwargs, "pad_to_aspect_ratio", st.booleans())
    maybe(draw, kwargs, "fill_mode", st.sampled_from(["constant", "reflect"]))
    if data_format:
        kwargs["data_format"] = data_format
    rank = draw(st.sampled_from([3, 3, 3, 3, 1, 2, 4]))  # images; sometimes a rank Keras cannot call
    return preprocessing("Resizing", kwargs, tuple(draw(st.lists(st.integers(1, 6), min_size=rank, max_size=rank))))


@st.composite
def category_encoding_cases(draw):
    kwargs: dict[str, Any] = {}
    if draw(st.integers(0, 8)):   # sometimes no num_tokens: Keras requires it
        kwargs["num_tokens"] = draw(st.integers(-1, 8))
    maybe(draw, kwargs, "output_mode", st.sampled_from(["multi_hot", "one_hot", "count", "binary", "int", "One_hot"]))
    # one_hot replaces a last axis of length 1: draw it often
    shape = tuple(draw(st.lists(st.sampled_from([1, 1, 2, 3]), min_size=0, max_size=3)))
    return preprocessing("CategoryEncoding", kwargs, shape)


def image_input(draw) -> tuple:
    """Images, and now and then a rank Keras cannot call (or calls with the batch axis as the height)."""
    rank = draw(st.sampled_from([3, 3, 3, 3, 2, 2, 1, 4]))
    return tuple(draw(st.lists(st.integers(1, 6), min_size=rank, max_size=rank)))


@st.composite
def crop_cases(draw, type_name: str):
    kwargs: dict[str, Any] = {"height": draw(st.integers(0, 8)), "width": draw(st.integers(1, 8))}
    maybe(draw, kwargs, "data_format", st.sampled_from(DATA_FORMATS))
    if type_name == "RandomCrop":
        maybe(draw, kwargs, "seed", st.integers(0, 9))
    return preprocessing(type_name, kwargs, image_input(draw))


numbers = st.one_of(st.floats(-1.5, 1.5, allow_nan=False), st.sampled_from([-1, 0, 1, 2, -1.0, 1.0]))
factors = st.one_of(numbers, st.lists(numbers, min_size=2, max_size=2), st.lists(numbers, min_size=1, max_size=3))
geometry = {"fill_mode": st.sampled_from(["reflect", "wrap", "constant", "nearest", "Reflect", "mirror"]),
            "interpolation": st.sampled_from(["nearest", "bilinear", "bicubic"]),
            "fill_value": st.sampled_from([0.0, 1, -2.5]), "data_format": st.sampled_from(DATA_FORMATS)}


@st.composite
def augmentation_cases(draw, type_name: str, required: tuple[str, ...], optional: tuple[str, ...] = ()):
    kwargs: dict[str, Any] = {key: draw(factors) for key in required}
    for key in optional:
        maybe(draw, kwargs, key, factors)
    if type_name == "RandomFlip":
        maybe(draw, kwargs, "mode", st.sampled_from(["horizontal", "vertical", "horizontal_and_vertical", "flip"]))
        maybe(draw, kwargs, "data_format", st.sampled_from(DATA_FORMATS))
    elif type_name == "RandomContrast":
        maybe(draw, kwargs, "value_range", st.sampled_from([[0, 1], [0, 255]]))
    else:
        for key, strategy in geometry.items():
            maybe(draw, kwargs, key, strategy)
    maybe(draw, kwargs, "seed", st.integers(0, 9))
    return preprocessing(type_name, kwargs, image_input(draw))


value_ranges = st.sampled_from([[0, 1], [0, 255], [255, 0], [-1, 1.5], [1], [0, 1, 2], 5])


@st.composite
def colour_cases(draw, type_name: str, factor: str, data_format: bool = True):
    """factor: "required", "optional" or "none"; value_range sometimes not a pair (Keras checks some)."""
    kwargs: dict[str, Any] = {}
    if factor == "required" or (factor == "optional" and draw(st.booleans())):
        kwargs["factor"] = draw(numbers if type_name == "RandomGrayscale" else factors)
    maybe(draw, kwargs, "value_range", value_ranges)
    if data_format:
        maybe(draw, kwargs, "data_format", st.sampled_from(DATA_FORMATS))
    if factor != "none":
        maybe(draw, kwargs, "seed", st.integers(0, 9))
    return preprocessing(type_name, kwargs, image_input(draw))


@st.composite
def solarization_cases(draw):
    kwargs: dict[str, Any] = {}
    for key in ("addition_factor", "threshold_factor"):
        maybe(draw, kwargs, key, factors)
    maybe(draw, kwargs, "value_range", value_ranges)
    return preprocessing("Solarization", kwargs, image_input(draw))


@st.composite
def equalization_cases(draw):
    """Only pairs for value_range: Keras 3.15's Equalization raises AttributeError for any other (its message
    constant is missing), which is no refusal the oracle reads."""
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "value_range", st.sampled_from([[0, 1], [0, 255], [255, 0], [-1, 1.5]]))
    maybe(draw, kwargs, "bins", st.sampled_from([-1, 0, 1, 2, 16, 256]))
    maybe(draw, kwargs, "data_format", st.sampled_from(DATA_FORMATS))
    return preprocessing("Equalization", kwargs, image_input(draw))


GENERATED = {
    "Normalization": Generated(normalization_cases(), 70),
    "Rescaling": Generated(rescaling_cases(), 50),
    "Resizing": Generated(resizing_cases(), 50),
    "CategoryEncoding": Generated(category_encoding_cases(), 60),
    "CenterCrop": Generated(crop_cases("CenterCrop"), 40),
    "RandomCrop": Generated(crop_cases("RandomCrop"), 40),
    "RandomFlip": Generated(augmentation_cases("RandomFlip", ()), 25),
    "RandomRotation": Generated(augmentation_cases("RandomRotation", ("factor",)), 40),
    "RandomZoom": Generated(augmentation_cases("RandomZoom", ("height_factor",), ("width_factor",)), 40),
    "RandomTranslation": Generated(augmentation_cases("RandomTranslation", ("height_factor", "width_factor")), 40),
    "RandomContrast": Generated(augmentation_cases("RandomContrast", ("factor",)), 40),
    "RandomBrightness": Generated(colour_cases("RandomBrightness", "required", data_format=False), 40),
    "RandomHue": Generated(colour_cases("RandomHue", "required"), 40),
    "RandomSaturation": Generated(colour_cases("RandomSaturation", "required"), 40),
    "RandomColorDegeneration": Generated(colour_cases("RandomColorDegeneration", "required"), 40),
    "RandomGrayscale": Generated(colour_cases("RandomGrayscale", "optional"), 30),
    "RandomInvert": Generated(colour_cases("RandomInvert", "optional"), 30),
    "AutoContrast": Generated(colour_cases("AutoContrast", "none", data_format=False), 25),
    "RandomSharpness": Generated(colour_cases("RandomSharpness", "required"), 30),
    "Solarization": Generated(solarization_cases(), 30),
    "RandomShear": Generated(augmentation_cases("RandomShear", (), ("x_factor", "y_factor")), 30),
    "Equalization": Generated(equalization_cases(), 30),
}

EXAMPLES = [
    preprocessing("Normalization", {}, (4, 3)),                                          # mean, variance (3,), count
    preprocessing("Normalization", {"axis": None}, (4, 3)),                              # three scalars
    preprocessing("Normalization", {"axis": [1, 2]}, (4, 3)),
    preprocessing("Normalization", {"axis": [2, -1]}, (4, 1)),                   # an axis twice, of length 1
    preprocessing("Normalization", {"axis": [2, -1]}, (4, 3)),                   # refused: RuntimeError in build
    preprocessing("Normalization", {"mean": [0.5, 1, 2], "variance": [1, 2, 3]}, (4, 3)),
    preprocessing("Normalization", {"mean": [0.5, 1], "variance": [1, 2]}, (4, 3)),      # refused: no broadcast
    preprocessing("Normalization", {"mean": [[0.5]], "variance": [[1]]}, (4, 3)),        # refused: too many axes
    preprocessing("Normalization", {"mean": 1.0}, (4, 3)),                               # refused: no variance
    preprocessing("Normalization", {"mean": [1, 2, 3, 4], "variance": [1, 2, 3, 4], "axis": [2, 1]}, (4, 3)),
    preprocessing("Rescaling", {"scale": 1 / 255}, (32, 32, 3)),
    preprocessing("Rescaling", {"scale": [0.5, 1, 3]}, (4, 3, 2)),                       # refused: 3 against 2
    preprocessing("Rescaling", {"scale": 2, "offset": [[[[[0.5, 1]]]]]}, (4, 3, 2)),     # refused: adds an axis
    preprocessing("Resizing", {"height": 5, "width": 7}, (4, 3, 2)),
    preprocessing("Resizing", {"height": 5, "width": 7, "data_format": "channels_first"}, (4, 3, 2)),
    preprocessing("Resizing", {"height": 5, "width": 7, "crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True},
                  (4, 3, 2)),
    preprocessing("Resizing", {"height": 5, "width": 7, "interpolation": "lanczos5"}, (4, 3, 2)),  # backend gap
    preprocessing("CategoryEncoding", {"num_tokens": 6}, (4,)),                           # multi_hot: (6,)
    preprocessing("CategoryEncoding", {"num_tokens": 6, "output_mode": "one_hot"}, (4, 1)),  # the 1 is replaced
    preprocessing("CategoryEncoding", {"num_tokens": 6, "output_mode": "one_hot"}, (4, 3)),  # appended
    preprocessing("CategoryEncoding", {"num_tokens": 6, "output_mode": "count"}, (4, 3)),  # refused: axis 1 reduced
    preprocessing("CategoryEncoding", {"num_tokens": 6, "output_mode": "count"}, (3, 3)),  # ... to the same shape
    preprocessing("CategoryEncoding", {"num_tokens": 6}, ()),                 # refused: the batch would be encoded
    preprocessing("CenterCrop", {"height": 3, "width": 2}, (5, 4, 2)),
    preprocessing("CenterCrop", {"height": 7, "width": 2, "data_format": "channels_first"}, (2, 5, 4)),  # resized
    preprocessing("RandomCrop", {"height": 3, "width": 2}, (5, 4)),                      # refused: as Resizing
    preprocessing("RandomCrop", {"height": 3, "width": 2, "data_format": "channels_first"}, (5, 4)),
    preprocessing("RandomRotation", {"factor": [-2, 0.5]}, (5, 4, 3)),   # Keras checks a list only for overlap
    preprocessing("RandomRotation", {"factor": [1.5, 2]}, (5, 4, 3)),    # refused: no overlap with [-1, 1]
    preprocessing("RandomZoom", {"height_factor": [-0.5, 1.5]}, (5, 4, 3)),   # refused: each in (-1, 1]
    preprocessing("RandomZoom", {"height_factor": -1}, (5, 4, 3)),           # refused: -1 is out
    preprocessing("RandomTranslation", {"height_factor": 0.2, "width_factor": 1}, (5, 4)),
    preprocessing("RandomFlip", {"mode": "diagonal"}, (5, 4, 3)),        # Keras keeps any mode
    preprocessing("RandomContrast", {"factor": [0.5, 2]}, (5, 4, 3)),
    preprocessing("RandomContrast", {"factor": 0.2}, (2, 5, 4, 3)),      # refused: not images
    preprocessing("RandomHue", {"factor": 0.2, "data_format": "channels_first"}, (3, 4, 5)),
    preprocessing("RandomSaturation", {"factor": 0.2}, (4, 5, 4)),            # refused: RGB only
    preprocessing("RandomGrayscale", {"data_format": "channels_first"}, (3, 1)),  # refused: the batch as channels
    preprocessing("RandomGrayscale", {}, (4, 5, 1)),
    preprocessing("RandomInvert", {"value_range": [0, 1, 2]}, (4, 5, 2)),     # Keras reads the first two
    preprocessing("RandomBrightness", {"factor": 0.1, "value_range": [0, 1, 2]}, (4, 5, 2)),  # refused: not a pair
    # sparse=True: the torch backend cannot call it (no sparse tensors); the symbolic build is compared
    Case("CategoryEncoding", {"num_tokens": 6, "sparse": True}, (4,)),
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


def test_normalization_axis_none_is_spelled_none_in_a_spec(keras):
    """TOML has no null: a spec writes Keras's axis=None as "none"."""
    assert symparam_facts(preprocessing("Normalization", {"axis": "none"}, (4, 3))) == \
        framework_facts(preprocessing("Normalization", {"axis": None}, (4, 3)))


def test_resizing_a_two_axis_input(keras):
    """Keras calls a 2-axis input as one image whose first axis is the batch. channels_last: it declares (width,
    channels) but the call resizes the batch axis -- a refusal, and symparam refuses. channels_first: the batch
    axis plays the channels and each example is resized to (height, width), as declared."""
    with pytest.raises(Refused, match="not the declared") as refused:
        framework_facts(preprocessing("Resizing", {"height": 5, "width": 7}, (4, 3)))
    assert refused.value.facts.outputs == ((7, 3),)
    assert_matches(preprocessing("Resizing", {"height": 5, "width": 7}, (4, 3)))
    first = preprocessing("Resizing", {"height": 5, "width": 7, "data_format": "channels_first"}, (4, 3))
    assert_matches(first)
    assert symparam_facts(first).outputs == ((5, 7),)
