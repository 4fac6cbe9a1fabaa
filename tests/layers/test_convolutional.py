"""symparam/layers/convolutional.py against real Keras: Conv1D, Conv2D, Conv3D.

symparam must report what Keras builds, and refuse exactly the configurations Keras refuses for a reason of
geometry (strides with dilation, groups that do not divide, a valid convolution whose output would be <= 0).
See tests/oracle/cases.py.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import DATA_FORMATS, divisors, image, maybe, per_axis


@st.composite
def conv_cases(draw, rank: int):
    data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
    channels = draw(st.integers(1, 8))
    filters = draw(st.integers(1, 8))
    common = divisors(math.gcd(channels, filters))
    # mostly a groups that divides both (accepted), sometimes any small groups (may be refused)
    groups = draw(st.one_of(st.sampled_from(common), st.sampled_from(common), st.integers(1, 4)))
    spatial = draw(st.lists(st.integers(1, 12), min_size=rank, max_size=rank))
    paddings = ["valid", "same", "causal"] if rank == 1 else ["valid", "same"]

    kwargs: dict[str, Any] = {"filters": filters, "kernel_size": draw(per_axis(rank, 1, 4))}
    maybe(draw, kwargs, "strides", per_axis(rank, 1, 3))
    maybe(draw, kwargs, "padding", st.sampled_from(paddings))
    maybe(draw, kwargs, "dilation_rate", per_axis(rank, 1, 3))
    if groups != 1 or draw(st.booleans()):
        kwargs["groups"] = groups
    maybe(draw, kwargs, "use_bias", st.booleans())
    if data_format is not None:
        kwargs["data_format"] = data_format
    return Case(f"Conv{rank}D", kwargs, image(spatial, channels, data_format))


GENERATED = {
    "Conv1D": Generated(conv_cases(1), 400),
    "Conv2D": Generated(conv_cases(2), 500),
    "Conv3D": Generated(conv_cases(3), 300),
}

EXAMPLES = [
    Case("Conv1D", {"filters": 3, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (10, 4)),
    Case("Conv1D", {"filters": 2, "kernel_size": 4, "padding": "causal", "strides": 3}, (11, 1)),
    Case("Conv1D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (7, 2)),
    Case("Conv1D", {"filters": 4, "kernel_size": [2], "padding": "causal", "data_format": "channels_first"}, (3, 5)),
    Case("Conv1D", {"filters": 6, "kernel_size": 1, "groups": 3, "use_bias": False}, (5, 6)),
    Case("Conv1D", {"filters": 3, "kernel_size": 2, "strides": 3, "padding": "same",
                    "data_format": "channels_first"}, (2, 11)),
    Case("Conv1D", {"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, (9, 2)),  # refused
    Case("Conv1D", {"filters": 2, "kernel_size": 4}, (3, 2)),                      # refused: valid output 0
    Case("Conv1D", {"filters": 3, "kernel_size": 2, "lora_rank": 2}, (6, 4)),      # once disagreed with Keras
    Case("Conv2D", {"filters": 32, "kernel_size": 3, "padding": "same"}, (32, 32, 3)),
    Case("Conv2D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (7, 7, 3)),
    Case("Conv2D", {"filters": 4, "kernel_size": [2, 3], "strides": [2, 3], "padding": "same"}, (7, 11, 1)),
    Case("Conv2D", {"filters": 4, "kernel_size": [2, 3], "data_format": "channels_first"}, (3, 9, 8)),
    Case("Conv2D", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same",
                    "data_format": "channels_first"}, (2, 7, 9)),
    Case("Conv2D", {"filters": 6, "kernel_size": 3, "groups": 3}, (8, 8, 6)),
    Case("Conv2D", {"filters": 8, "kernel_size": 2, "groups": 4, "data_format": "channels_first"}, (4, 5, 5)),
    Case("Conv2D", {"filters": 4, "kernel_size": 1, "groups": 2}, (5, 5, 3)),     # refused: groups vs channels
    Case("Conv2D", {"filters": 3, "kernel_size": 1, "groups": 2}, (5, 5, 4)),     # refused: groups vs filters
    Case("Conv2D", {"filters": 2, "kernel_size": 3, "strides": [1, 2], "dilation_rate": [2, 1]}, (9, 9, 2)),
    Case("Conv2D", {"filters": 2, "kernel_size": 3, "dilation_rate": 3}, (7, 6, 1)),  # refused: 6 - 6 - 1 < 0
    Case("Conv2D", {"filters": 2, "kernel_size": 3, "dilation_rate": 3}, (7, 7, 1)),  # accepted: output 1x1
    Case("Conv2D", {"filters": 2, "kernel_size": 3, "padding": "SAME"}, (5, 5, 1)),   # conv padding: any case
    Case("Conv3D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (5, 7, 9, 2)),
    Case("Conv3D", {"filters": 4, "kernel_size": [1, 2, 3], "data_format": "channels_first"}, (2, 4, 5, 6)),
    Case("Conv3D", {"filters": 2, "kernel_size": 2, "strides": [1, 2, 3], "padding": "same",
                    "data_format": "channels_first"}, (1, 5, 5, 5)),
    Case("Conv3D", {"filters": 4, "kernel_size": 2, "groups": 2, "use_bias": False}, (3, 3, 3, 2)),
    Case("Conv3D", {"filters": 1, "kernel_size": [3, 1, 1]}, (2, 5, 5, 1)),       # refused: valid output 0
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
