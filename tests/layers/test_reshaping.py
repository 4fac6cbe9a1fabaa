"""symparam/layers/reshaping.py against real Keras: ZeroPadding, Cropping and UpSampling in 1, 2 and 3
dimensions, RepeatVector, Permute, Identity, Masking.

These cases are also called on zeros (``called=True``): Keras checks some arguments only then. An output axis of
length 0 (a negative single padding) Keras builds; symparam refuses it. See tests/oracle/cases.py.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import DATA_FORMATS, image, maybe, per_axis


def reshaping(type_name: str, kwargs: dict[str, Any], input_shape: tuple) -> Case:
    return Case(type_name, kwargs, input_shape, called=True)


def sides(rank: int, low: int, high: int):
    """Keras's padding/cropping forms: an int, a (before, after) pair (rank 1), or per-axis ints or pairs."""
    pair = st.lists(st.integers(0, high), min_size=2, max_size=2)
    if rank == 1:
        return st.one_of(st.integers(0, high), pair)
    return st.one_of(st.integers(low, high), st.lists(st.one_of(st.integers(0, high), pair), min_size=rank,
                                                      max_size=rank))


def spatial_input(draw, rank: int, data_format: str | None, low: int = 1, high: int = 6):
    """Mostly the expected rank, sometimes one axis more or fewer (Keras refuses)."""
    n = rank + draw(st.sampled_from([0, 0, 0, 0, 0, 1, -1]))
    dims = draw(st.lists(st.integers(low, high), min_size=max(n, 0), max_size=max(n, 0)))
    if n == rank:
        return image(dims, draw(st.integers(1, 4)), data_format)
    return (*dims, draw(st.integers(1, 4)))


@st.composite
def padding_cases(draw, family: str, rank: int):
    kwargs: dict[str, Any] = {}
    data_format = None
    if rank > 1 or family == "ZeroPadding":  # Cropping1D and UpSampling1D take no data_format
        data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
        if data_format:
            kwargs["data_format"] = data_format
    low, high = (2, 10) if family == "Cropping" else (1, 6)
    if family == "ZeroPadding":
        maybe(draw, kwargs, "padding", sides(rank, -2 if rank > 1 else 0, 3))
    elif family == "Cropping":
        maybe(draw, kwargs, "cropping", sides(rank, 0, 3))
    else:
        maybe(draw, kwargs, "size", st.integers(1, 3) if rank == 1 else per_axis(rank, 1, 3))
        if rank == 2:
            maybe(draw, kwargs, "interpolation", st.sampled_from(["nearest", "bilinear", "bicubic", "BILINEAR",
                                                                 "area"]))
    return reshaping(f"{family}{rank}D", kwargs, spatial_input(draw, rank, data_format, low, high))


repeat_vector_cases = st.builds(lambda n, shape: reshaping("RepeatVector", {"n": n}, shape),
                                st.integers(1, 5), st.lists(st.integers(1, 5), min_size=0, max_size=3).map(tuple))


@st.composite
def permute_cases(draw):
    k = draw(st.integers(1, 4))
    dims = draw(st.permutations(range(1, k + 1)))
    if draw(st.integers(0, 5)) == 0:  # sometimes not a permutation of 1..k
        dims[draw(st.integers(0, k - 1))] = draw(st.integers(0, k + 1))
    rank = k + draw(st.sampled_from([0, 0, 0, 1]))
    return reshaping("Permute", {"dims": list(dims)},
                     tuple(draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank))))


@st.composite
def same_shape_cases(draw, type_name: str):
    kwargs: dict[str, Any] = {}
    if type_name == "Masking":
        maybe(draw, kwargs, "mask_value", st.one_of(st.floats(-2, 2, allow_nan=False), st.integers(-2, 2)))
    return reshaping(type_name, kwargs, tuple(draw(st.lists(st.integers(1, 5), min_size=0, max_size=4))))


GENERATED = {
    **{f"{family}{rank}D": Generated(padding_cases(family, rank), 50 if rank < 3 else 35)
       for family in ("ZeroPadding", "Cropping", "UpSampling") for rank in (1, 2, 3)},
    "RepeatVector": Generated(repeat_vector_cases, 40),
    "Permute": Generated(permute_cases(), 50),
    "Identity": Generated(same_shape_cases("Identity"), 15),
    "Masking": Generated(same_shape_cases("Masking"), 20),
}

EXAMPLES = [
    reshaping("ZeroPadding2D", {"padding": -1}, (4, 3, 2)),            # Keras: a single int's sign is not checked
    reshaping("ZeroPadding2D", {"padding": -1}, (4, 2, 2)),            # ... and may leave an empty axis
    reshaping("ZeroPadding2D", {"padding": [-1, 2]}, (4, 3, 2)),       # refused: per-axis values must be >= 0
    reshaping("ZeroPadding2D", {"padding": [1, [2, 3]]}, (4, 3, 2)),
    reshaping("ZeroPadding1D", {"padding": [1, 2], "data_format": "channels_first"}, (4, 3)),
    reshaping("Cropping2D", {"cropping": 2}, (4, 5, 2)),               # refused: crops the whole first axis
    reshaping("Cropping1D", {}, (2, 3)),                               # refused: default (1, 1) leaves nothing
    reshaping("UpSampling2D", {"interpolation": "lanczos3"}, (4, 3, 2)),  # Keras has it; its torch backend not
    reshaping("Permute", {"dims": [2, 1]}, (4, 3)),
    reshaping("Permute", {"dims": [3, 1, 2]}, (2, 3, 4)),
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
