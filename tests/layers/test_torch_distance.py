"""symparam/layers/torch_distance.py against real PyTorch: nn.CosineSimilarity and nn.PairwiseDistance on two
inputs of the same rank that broadcast (or not) axis by axis (tests/oracle/torch_facts.py runs each on zeros).
Reducing the batch axis (dim 0; PairwiseDistance on inputs with no axis besides the batch) leaves an output with no
batch axis: torch does it, symparam refuses, and the check below asserts that."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, assert_matches, assert_refused, framework_tests
from oracle.strategies import maybe


def check(case: Case) -> None:
    rank = len(case.inputs["x1"]) + 1
    dim = case.kwargs.get("dim", 1) if case.type_name == "nn.CosineSimilarity" else -1
    if -rank <= dim < rank and dim % rank == 0:
        assert_refused(case, "reducing the batch axis leaves no batch axis")
    else:
        assert_matches(case)


@st.composite
def pair_cases(draw, kind: str):
    shape = draw(st.lists(st.integers(1, 4), min_size=0 if kind == "nn.CosineSimilarity" else 1, max_size=3))
    other = [draw(st.sampled_from([n, n, 1, n + 1])) for n in shape]   # equal, a 1 that broadcasts, or a mismatch
    if draw(st.booleans()):
        shape, other = other, shape
    kwargs: dict[str, Any] = {}
    if kind == "nn.CosineSimilarity":
        maybe(draw, kwargs, "dim", st.integers(-len(shape) - 2, len(shape) + 1))
        maybe(draw, kwargs, "eps", st.sampled_from([1e-8, 0.5]))
    else:
        maybe(draw, kwargs, "p", st.sampled_from([1, 2.0, 3.5, 0.5]))
        maybe(draw, kwargs, "keepdim", st.booleans())
    return Case(kind, kwargs, {"x1": tuple(shape), "x2": tuple(other)})


GENERATED = {kind: Generated(pair_cases(kind), 40, check=check) for kind in ("nn.CosineSimilarity",
                                                                             "nn.PairwiseDistance")}
EXAMPLES = [Case("nn.CosineSimilarity", {}, {"x1": (128,), "x2": (128,)}),
            Case("nn.CosineSimilarity", {"dim": -1}, {"x1": (3, 1, 4), "x2": (3, 5, 4)}),
            Case("nn.PairwiseDistance", {"keepdim": True}, {"x1": (5, 16), "x2": (1, 16)}),
            Case("nn.PairwiseDistance", {}, {"x1": (5, 16), "x2": (5, 15)})]          # refused: 16 against 15

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
