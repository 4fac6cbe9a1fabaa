"""symparam/layers/augmentation.py against real Keras: AugMix, CutMix, MixUp, RandAugment, RandomColorJitter,
RandomElasticTransform, RandomErasing, RandomGaussianBlur, RandomPerspective, RandomPosterization and
ContrastLimitedAdaptiveHistogramEqualization, with generated arguments (sometimes out of Keras's ranges) on images
and on inputs of other ranks, each case also called on zeros (Keras checks the input's rank and channels then).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import DATA_FORMATS, maybe

from .test_preprocessing import factors, image_input, numbers, value_ranges


def augmentation(type_name: str, kwargs: dict[str, Any], input_shape: tuple) -> Case:
    return Case(type_name, kwargs, input_shape, called=True)


interpolations = st.sampled_from(["nearest", "bilinear", "bicubic"])


@st.composite
def cases(draw, type_name: str, least: int = 1, colour: bool = False, **arguments):
    """Each of `arguments` (key -> strategy) given or left to Keras's default; data_format and seed too. `least`:
    the shortest side drawn (Keras's torch call of some warps fails on tinier images, whose shapes it declares all
    the same: augmentation.py's docstring). `colour`: images of 1 or 3 channels (an operation drawn at random may
    need them, so Keras's call fails on others only now and then: no test can pin that)."""
    kwargs: dict[str, Any] = {}
    for key, strategy in arguments.items():
        maybe(draw, kwargs, key, strategy)
    maybe(draw, kwargs, "data_format", st.sampled_from(DATA_FORMATS))
    if type_name != "ContrastLimitedAdaptiveHistogramEqualization":
        maybe(draw, kwargs, "seed", st.integers(0, 9))
    shape = image_input(draw)
    if colour:   # images of rank 3 (on 2 axes the batch axis may be read as the channels)
        sides, channels = tuple(draw(st.lists(st.integers(1, 6), min_size=2, max_size=2))), draw(st.sampled_from([1, 3]))
        shape = (channels, *sides) if kwargs.get("data_format") == "channels_first" else (*sides, channels)
    if least > 1:   # images of rank 3 whose sides are at least `least`
        sides = tuple(draw(st.lists(st.integers(least, least + 4), min_size=2, max_size=2)))
        channels = draw(st.integers(1, 4))
        shape = (channels, *sides) if kwargs.get("data_format") == "channels_first" else (*sides, channels)
    return augmentation(type_name, kwargs, shape)


# pairs of one size: the torch backend's blur fails on a kernel that is not square (declared shapes: EXAMPLES)
odd_sizes = st.one_of(st.sampled_from([1, 3, 5, 2, [3, 3], [5, 5], [4, 4], [3], [3, 3, 3]]))
# CutMix draws a concentration from its factor's range: a list that spans 0 fails now and then, so none is drawn
mix_factors = st.one_of(numbers, st.lists(numbers, min_size=1, max_size=3).filter(lambda f: min(f) >= 0 or max(f) < 0))
bits = st.one_of(st.integers(0, 9), st.lists(st.integers(0, 9), min_size=2, max_size=2))

GENERATED = {
    "AugMix": Generated(cases("AugMix", colour=True, value_range=value_ranges, num_chains=st.integers(1, 3),
                              chain_depth=st.integers(1, 3), factor=factors, alpha=st.sampled_from([0.5, 1.0]),
                              all_ops=st.booleans(), interpolation=interpolations), 25),
    "CutMix": Generated(cases("CutMix", factor=mix_factors), 25),
    "MixUp": Generated(cases("MixUp", alpha=st.sampled_from([0.1, 0.2, 1.0])), 20),
    "RandAugment": Generated(cases("RandAugment", colour=True, value_range=value_ranges, num_ops=st.integers(1, 3),
                                   factor=factors, interpolation=interpolations), 25),
    "RandomColorJitter": Generated(cases("RandomColorJitter", value_range=value_ranges, brightness_factor=factors,
                                         contrast_factor=factors, saturation_factor=factors, hue_factor=factors), 30),
    "RandomElasticTransform": Generated(cases("RandomElasticTransform", least=2, factor=factors, scale=factors,
                                              interpolation=interpolations,
                                              fill_mode=st.sampled_from(["constant", "nearest", "wrap", "mirror",
                                                                         "reflect", "Reflect"]),
                                              fill_value=st.sampled_from([0.0, 1.0])), 25),
    "RandomErasing": Generated(cases("RandomErasing", factor=factors, scale=factors,
                                     fill_value=st.sampled_from([None, 0.0, 3.0])), 25),
    "RandomGaussianBlur": Generated(cases("RandomGaussianBlur", factor=factors, kernel_size=odd_sizes,
                                          sigma=factors), 25),
    "RandomPerspective": Generated(cases("RandomPerspective", least=2, factor=factors, scale=numbers,
                                         interpolation=interpolations), 25),
    "RandomPosterization": Generated(cases("RandomPosterization", factor=bits, value_range=value_ranges), 25),
    "ContrastLimitedAdaptiveHistogramEqualization": Generated(
        cases("ContrastLimitedAdaptiveHistogramEqualization", clip_limit=st.sampled_from([2.0, 4.0]),
              tile_grid_size=st.sampled_from([[2, 2], [8, 8]])), 15),
}

EXAMPLES = [
    augmentation("AugMix", {}, (8, 8, 3)),
    augmentation("AugMix", {}, (8, 8, 1)),                                  # at inference any channels
    augmentation("CutMix", {"factor": [-1, 0.0]}, (4, 4, 3)),              # refused: a negative concentration
    augmentation("CutMix", {"factor": [0.5, 1.5]}, (4, 4, 3)),              # Keras checks a list for overlap only
    augmentation("RandAugment", {"factor": 0.3}, (3, 8, 8)),
    augmentation("RandomColorJitter", {"hue_factor": 0.2}, (8, 8, 3)),
    augmentation("RandomGaussianBlur", {"kernel_size": 4}, (8, 8, 3)),      # refused: even
    Case("RandomGaussianBlur", {"kernel_size": [3, 5]}, (8, 8, 3)),         # declared: torch's call fails
    augmentation("RandomColorJitter", {"value_range": [1]}, (8, 8, 3)),     # no inner layer reads it
    augmentation("RandomColorJitter", {"value_range": [1], "contrast_factor": 0.2}, (8, 8, 3)),   # refused
    augmentation("RandomColorJitter", {"value_range": [0, 1, 2], "hue_factor": 0.2}, (8, 8, 3)),
    augmentation("RandomPosterization", {"factor": 4}, (8, 8, 3)),
    augmentation("ContrastLimitedAdaptiveHistogramEqualization", {}, (16, 16, 3)),
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
