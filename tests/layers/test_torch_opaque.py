"""symparam/layers/torch_opaque.py against real PyTorch: nn.Module, the kind `symparam import` writes for a module
symparam has no rules for, listing its tensors.

torch's side is a module holding exactly the listed parameters (requires_grad off for the frozen ones) and buffers
(tests/oracle/torch_facts.py, Listed): symparam must report the same named_parameters() and named_buffers(), in
order, the same counts, and the given output shape (or the input's when none is given).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests, symparam_facts
from symparam.errors import SymparamError

_NAMES = st.sampled_from(["weight", "bias", "gamma", "pos_embedding", "table", "index", "scale_", "t0"])
_SHAPES = st.lists(st.integers(0, 5), max_size=3)


@st.composite
def opaque_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    names = draw(st.lists(_NAMES, unique=True, max_size=5))
    cut = draw(st.integers(0, len(names)))
    kwargs: dict[str, Any] = {}
    if names[:cut]:
        kwargs["parameters"] = {n: draw(_SHAPES) for n in names[:cut]}
        frozen = [n for n in names[:cut] if draw(st.booleans())]
        if frozen:
            kwargs["frozen"] = frozen
    if names[cut:]:
        kwargs["buffers"] = {n: draw(_SHAPES) for n in names[cut:]}
    if draw(st.booleans()):
        kwargs["output_shape"] = draw(st.lists(st.integers(1, 5), max_size=3))
    if draw(st.booleans()):
        kwargs["module"] = "mymodels.LayerScale"
    return Case("nn.Module", kwargs, shape)


GENERATED = {"nn.Module": Generated(opaque_cases(), 60)}

EXAMPLES = [
    Case("nn.Module", {"module": "torchvision.models.vision_transformer.Encoder",
                       "parameters": {"pos_embedding": [1, 197, 768]}, "output_shape": [197, 768]}, (197, 768)),
    Case("nn.Module", {"parameters": {"gamma": [8, 1, 1]}, "buffers": {"count": []}}, (8, 4, 4)),
    Case("nn.Module", {"parameters": {"w": [3]}, "frozen": ["v"]}, (3,)),    # refused: v is no parameter
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


@pytest.mark.parametrize("kwargs, message", [
    ({"parameters": {"a.b": [3]}}, "identifier"),
    ({"parameters": {"w": 3}}, "list of at most 16 sizes"),
    ({"parameters": {"w": [-1]}}, "integer >= 0"),
    ({"buffers": [1, 2]}, "table of tensor names"),
    ({"frozen": "w", "parameters": {"w": [1]}}, "list of parameter names"),
])
def test_bad_listings_are_one_line_errors(kwargs, message):
    with pytest.raises(SymparamError, match=message):
        symparam_facts(Case("nn.Module", kwargs, (3,)))
