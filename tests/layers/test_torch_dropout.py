"""symparam/layers/torch_dropout.py against real PyTorch: nn.Dropout1d/2d/3d, nn.AlphaDropout and
nn.FeatureAlphaDropout on inputs of every rank up to 4 axes (torch refuses nn.Dropout1d outside (C, L) and (L,),
and a probability outside [0, 1]; tests/oracle/torch_facts.py runs each on zeros, warnings aside)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from oracle.cases import Case, Generated, assert_matches, assert_refused, framework_tests, require
from oracle.strategies import maybe

KINDS = ("nn.Dropout1d", "nn.Dropout2d", "nn.Dropout3d", "nn.AlphaDropout", "nn.FeatureAlphaDropout")


@st.composite
def dropout_cases(draw, type_name: str):
    shape = tuple(draw(st.lists(st.integers(1, 4), max_size=4)))
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "p", st.sampled_from([0.0, 0.2, 0.5, 1.0]))
    maybe(draw, kwargs, "inplace", st.booleans())
    return Case(type_name, kwargs, shape)


def check(case: Case) -> None:
    """Run in eval() mode, torch lets nn.Dropout2d and nn.FeatureAlphaDropout through on an input with no axis
    besides the batch; training, they fail (shown here; with p = 0 torch skips the dropout): symparam refuses it,
    whatever p."""
    if case.type_name in ("nn.Dropout2d", "nn.FeatureAlphaDropout") and case.inputs == ():
        torch = require("torch")
        module = getattr(torch.nn, case.type_name.removeprefix("nn."))(p=0.5).train()   # p 0: nothing to drop
        with pytest.raises(RuntimeError, match="at least 2 dimensions"):
            module(torch.zeros(2))
        assert_refused(case, "torch fails on it while training")
    else:
        assert_matches(case)


GENERATED = {name: Generated(dropout_cases(name), 25, check=check) for name in KINDS}
EXAMPLES = [Case("nn.Dropout1d", {"p": 0.5}, (3, 8)), Case("nn.Dropout1d", {}, (3, 4, 4)),   # refused: 3 axes
            Case("nn.Dropout2d", {"p": 1.5}, (3, 4, 4)),                                     # refused: p
            Case("nn.Dropout3d", {}, (3, 2, 4, 4)), Case("nn.AlphaDropout", {"p": 0.1}, (16,))]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
