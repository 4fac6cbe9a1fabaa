"""symparam/layers/spectral.py against real Keras: SpectralNormalization around Dense, Conv2D, DepthwiseConv2D,
Conv1DTranspose and Embedding: the wrapped layer's weights and vector_u (1, last axis of the kernel), not trainable,
in Keras's order; a layer without a kernel is refused. See tests/oracle/cases.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import maybe
from symparam.api import layer_record
from symparam.errors import SymparamError


@st.composite
def spectral_cases(draw):
    wrapped = draw(st.sampled_from(["Dense", "Conv2D", "DepthwiseConv2D", "Embedding"]))
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "power_iterations", st.integers(1, 3))
    if wrapped == "Dense":
        layer = {"type": "Dense", "units": draw(st.integers(1, 6))}
        shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    elif wrapped == "Embedding":
        layer = {"type": "Embedding", "input_dim": draw(st.integers(1, 9)), "output_dim": draw(st.integers(1, 6))}
        shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=2)))
    else:
        layer = {"type": wrapped, "kernel_size": draw(st.integers(1, 3))}
        if wrapped == "Conv2D":
            layer["filters"] = draw(st.integers(1, 5))
        else:
            maybe(draw, layer, "depth_multiplier", st.integers(1, 3))
        shape = (draw(st.integers(3, 6)), draw(st.integers(3, 6)), draw(st.integers(1, 4)))
    maybe(draw, layer, "use_bias", st.booleans()) if wrapped != "Embedding" else None
    return Case("SpectralNormalization", {"layer": layer, **kwargs}, shape)


GENERATED = {"SpectralNormalization": Generated(spectral_cases(), 30)}

EXAMPLES = [
    Case("SpectralNormalization", {"layer": {"type": "Conv2D", "filters": 8, "kernel_size": 3}}, (16, 16, 3)),
    Case("SpectralNormalization", {"layer": {"type": "Conv1DTranspose", "filters": 4, "kernel_size": 3}}, (10, 2)),
    Case("SpectralNormalization", {"layer": {"type": "Dense", "units": 3}, "power_iterations": 0}, (4,)),  # refused
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


def test_a_layer_without_a_kernel_is_refused():
    """Keras: "LayerNormalization object has no attribute 'kernel' nor 'embeddings'"."""
    with pytest.raises(SymparamError, match="layer must be one of"):
        layer_record("SpectralNormalization", {"layer": {"type": "LayerNormalization"}}, (4,))
