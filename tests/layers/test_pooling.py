"""symparam/layers/pooling.py against real Keras: MaxPooling, AveragePooling, GlobalMaxPooling,
GlobalAveragePooling, AdaptiveMaxPooling and AdaptiveAveragePooling in 1, 2 and 3 dimensions.

symparam must report what Keras builds (no variables, the output shape) and refuse where Keras refuses (a valid
pooling whose output would be 0, AveragePooling without a pool_size, a padding not written as Keras writes it).
See tests/oracle/cases.py.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import DATA_FORMATS, image, maybe, per_axis


@st.composite
def pooling_cases(draw, kind: str, rank: int):
    data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
    channels = draw(st.integers(1, 8))
    spatial = draw(st.lists(st.integers(1, 12), min_size=rank, max_size=rank))
    kwargs: dict[str, Any] = {}
    # Keras defaults pool_size only for MaxPooling; AveragePoolingND requires it.
    if kind == "AveragePooling" or draw(st.booleans()):
        kwargs["pool_size"] = draw(per_axis(rank, 1, 4))
    strides_choice = draw(st.sampled_from(["absent", "none", "given"]))
    if strides_choice == "none":
        kwargs["strides"] = None
    elif strides_choice == "given":
        kwargs["strides"] = draw(per_axis(rank, 1, 3))
    maybe(draw, kwargs, "padding", st.sampled_from(["valid", "same"]))
    if data_format is not None:
        kwargs["data_format"] = data_format
    return Case(f"{kind}{rank}D", kwargs, image(spatial, channels, data_format))


@st.composite
def global_pooling_cases(draw, kind: str, rank: int):
    data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
    channels = draw(st.integers(1, 8))
    spatial = draw(st.lists(st.integers(1, 12), min_size=rank, max_size=rank))
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "keepdims", st.booleans())
    if data_format is not None:
        kwargs["data_format"] = data_format
    return Case(f"{kind}{rank}D", kwargs, image(spatial, channels, data_format))


@st.composite
def adaptive_pooling_cases(draw, kind: str, rank: int):
    """Keras declares (output_size, channels) whatever the input's rank and checks it only when called."""
    data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
    channels = draw(st.integers(1, 6))
    n_spatial = draw(st.sampled_from([rank, rank, rank, rank, rank - 1, rank + 1]))
    spatial = draw(st.lists(st.integers(1, 9), min_size=n_spatial, max_size=n_spatial))
    kwargs: dict[str, Any] = {"output_size": draw(per_axis(rank, 0, 10))}   # larger than the input too
    if data_format is not None:
        kwargs["data_format"] = data_format
    return Case(f"{kind}{rank}D", kwargs, image(spatial, channels, data_format), called=True)


GENERATED = {
    **{f"{kind}{rank}D": Generated(pooling_cases(kind, rank), 130)
       for kind in ("MaxPooling", "AveragePooling") for rank in (1, 2, 3)},
    **{f"{kind}{rank}D": Generated(global_pooling_cases(kind, rank), 25)
       for kind in ("GlobalMaxPooling", "GlobalAveragePooling") for rank in (1, 2, 3)},
    **{f"{kind}{rank}D": Generated(adaptive_pooling_cases(kind, rank), 40)
       for kind in ("AdaptiveMaxPooling", "AdaptiveAveragePooling") for rank in (1, 2, 3)},
}

EDGES = [  # kwargs, input shape (the rank from its length: 1 + pooled axes), for both MaxPooling and AveragePooling
    ({"pool_size": 3, "strides": 2, "padding": "same"}, (7, 2)),  # same, stride > 1, odd size
    ({"pool_size": [2], "strides": None, "data_format": "channels_first"}, (3, 9)),
    ({"pool_size": 4}, (3, 1)),  # refused: valid output 0
    ({"pool_size": 2}, (32, 32, 64)),
    ({"pool_size": 3, "strides": 2, "padding": "same"}, (7, 7, 2)),
    ({"pool_size": [2, 3], "strides": [1, 2], "padding": "same", "data_format": "channels_first"}, (2, 7, 8)),
    ({"pool_size": [1, 4]}, (5, 3, 1)),  # refused: valid output 0
    ({"pool_size": 5, "padding": "same"}, (3, 3, 1)),  # window larger than the input, same padding
    ({"pool_size": 2, "strides": 1, "padding": "valid"}, (3, 4, 5, 2)),
    ({"pool_size": [3, 1, 2], "strides": 2, "padding": "same", "data_format": "channels_first"}, (1, 5, 5, 5)),
]

EXAMPLES = [
    *(Case(f"{kind}{len(shape) - 1}D", kwargs, shape)
      for kind in ("MaxPooling", "AveragePooling") for kwargs, shape in EDGES),
    *(Case(f"MaxPooling{len(shape) - 1}D", {}, shape) for shape in [(5, 1), (5, 5, 1), (5, 6, 7, 2)]),  # default
    Case("GlobalAveragePooling2D", {}, (8, 8, 256)),
    Case("GlobalAveragePooling2D", {"keepdims": True, "data_format": "channels_first"}, (3, 5, 7)),
    Case("GlobalMaxPooling1D", {"keepdims": True}, (9, 4)),
    Case("GlobalMaxPooling3D", {"data_format": "channels_first"}, (2, 3, 4, 5)),
    Case("AdaptiveAveragePooling2D", {"output_size": [7, 5]}, (32, 30, 3), called=True),
    Case("AdaptiveMaxPooling1D", {"output_size": [4]}, (3, 2), called=True),            # longer than the input
    Case("AdaptiveMaxPooling3D", {"output_size": 2, "data_format": "channels_first"}, (3, 4, 5, 6), called=True),
    Case("AdaptiveAveragePooling2D", {"output_size": [2, 2, 2]}, (4, 4, 1), called=True),  # refused: 3 sizes
    Case("AdaptiveAveragePooling3D", {"output_size": 2}, (4, 4, 1), called=True),  # refused when called
    # where symparam once disagreed with Keras
    Case("AveragePooling2D", {}, (5, 5, 1)),                 # Keras: AveragePooling has no default pool_size
    Case("MaxPooling2D", {"padding": "SAME"}, (5, 5, 1)),    # Keras: pooling padding is case-sensitive
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
