"""symparam/layers/regularization.py against real Keras: SpatialDropout1D-3D, GaussianNoise, GaussianDropout,
AlphaDropout, ActivityRegularization.

None has variables; symparam must report the input's shape and refuse where Keras refuses (a rate or stddev
outside [0, 1], a negative or infinite penalty, an input of another rank than SpatialDropout's InputSpec). These
cases are also called on zeros (``called=True``). See tests/oracle/cases.py.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import DATA_FORMATS, maybe, some_shape

fractions = st.one_of(st.floats(-0.5, 1.5, allow_nan=False), st.sampled_from([0, 1, 0.0, 1.0, 2, -1]))


def regularization(type_name: str, kwargs: dict[str, Any], input_shape: tuple) -> Case:
    return Case(type_name, kwargs, input_shape, called=True)


@st.composite
def spatial_dropout_cases(draw, rank: int):
    kwargs: dict[str, Any] = {"rate": draw(fractions)}
    maybe(draw, kwargs, "seed", st.integers(0, 100))
    if rank > 1:
        maybe(draw, kwargs, "data_format", st.sampled_from(DATA_FORMATS))
    n = draw(st.sampled_from([rank + 1, rank + 1, rank + 1, rank, rank + 2]))   # sometimes the wrong rank
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=n, max_size=n)))
    return regularization(f"SpatialDropout{rank}D", kwargs, shape)


@st.composite
def noise_cases(draw, type_name: str, key: str):
    kwargs: dict[str, Any] = {key: draw(fractions)}
    maybe(draw, kwargs, "seed", st.integers(0, 100))
    return regularization(type_name, kwargs, some_shape(draw))


@st.composite
def activity_regularization_cases(draw):
    penalty = st.one_of(st.floats(-1.0, 2.0, allow_nan=False), st.integers(-1, 3), st.just(float("inf")))
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "l1", penalty)
    maybe(draw, kwargs, "l2", penalty)
    return regularization("ActivityRegularization", kwargs, some_shape(draw))


GENERATED = {
    **{f"SpatialDropout{rank}D": Generated(spatial_dropout_cases(rank), 30) for rank in (1, 2, 3)},
    "GaussianNoise": Generated(noise_cases("GaussianNoise", "stddev"), 25),
    "GaussianDropout": Generated(noise_cases("GaussianDropout", "rate"), 25),
    "AlphaDropout": Generated(noise_cases("AlphaDropout", "rate"), 25),
    "ActivityRegularization": Generated(activity_regularization_cases(), 30),
}

EXAMPLES = [
    regularization("SpatialDropout1D", {"rate": 0.5}, (7, 3)),
    regularization("SpatialDropout2D", {"rate": 0.2, "data_format": "channels_first"}, (3, 4, 5)),
    regularization("SpatialDropout2D", {"rate": 0.2}, (4, 5)),                   # refused: InputSpec(ndim=4)
    regularization("SpatialDropout3D", {"rate": 1.5}, (2, 3, 4, 5)),             # refused: rate above 1
    regularization("GaussianNoise", {"stddev": 1.2}, (4,)),                      # refused: stddev above 1
    regularization("AlphaDropout", {"rate": 0.1, "noise_shape": [1, 4]}, (4,)),
    regularization("ActivityRegularization", {"l1": 0.01, "l2": 0.1}, (2, 3)),
    regularization("ActivityRegularization", {"l2": -0.1}, (2, 3)),              # refused: a negative penalty
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
