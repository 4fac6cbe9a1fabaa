"""symparam/layers/normalization.py against real Keras: BatchNormalization.

symparam must report Keras's four variables (gamma and beta trainable, the moving statistics not), their shapes
along the axis, the counts and the output shape, or refuse where Keras refuses. See tests/oracle/cases.py.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import maybe


@st.composite
def batchnorm_cases(draw):
    input_shape = tuple(draw(st.lists(st.integers(1, 8), min_size=1, max_size=4)))
    n = len(input_shape)
    # Keras counts axes on the batched shape: 1..n are the non-batch axes, and so are -n..-1.
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "axis", st.sampled_from([*range(1, n + 1), *range(-n, 0)]))
    maybe(draw, kwargs, "center", st.booleans())
    maybe(draw, kwargs, "scale", st.booleans())
    return Case("BatchNormalization", kwargs, input_shape)


GENERATED = {"BatchNormalization": Generated(batchnorm_cases(), 150)}

EXAMPLES = [
    Case("BatchNormalization", {}, (8, 8, 16)),
    Case("BatchNormalization", {"axis": 1}, (3, 5, 7)),  # channels_first features
    Case("BatchNormalization", {"axis": -2, "center": False}, (3, 5, 7)),
    Case("BatchNormalization", {"axis": 3, "scale": False}, (3, 5, 7)),
    Case("BatchNormalization", {"center": False, "scale": False}, (4,)),
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
