"""symparam/layers/pooling.py against real Keras: MaxPooling, AveragePooling, GlobalMaxPooling and
GlobalAveragePooling in 1, 2 and 3 dimensions.

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


GENERATED = {
    **{f"{kind}{rank}D": Generated(pooling_cases(kind, rank), 130)
       for kind in ("MaxPooling", "AveragePooling") for rank in (1, 2, 3)},
    **{f"{kind}{rank}D": Generated(global_pooling_cases(kind, rank), 25)
       for kind in ("GlobalMaxPooling", "GlobalAveragePooling") for rank in (1, 2, 3)},
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
    # where symparam once disagreed with Keras
    Case("AveragePooling2D", {}, (5, 5, 1)),                 # Keras: AveragePooling has no default pool_size
    Case("MaxPooling2D", {"padding": "SAME"}, (5, 5, 1)),    # Keras: pooling padding is case-sensitive
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
