"""symparam/layers/torch_gating.py against real PyTorch: nn.GLU on odd and even axes, every dim torch accepts and
some it does not (tests/oracle/torch_facts.py runs the module on zeros). torch also gates over the batch axis
(dim 0), which changes the batch: symparam refuses that, as it refuses every kind that would."""

from __future__ import annotations

from hypothesis import strategies as st

from oracle.cases import Case, Generated, assert_matches, assert_refused, framework_tests


def check(case: Case) -> None:
    rank = len(case.inputs) + 1
    if -rank <= case.kwargs.get("dim", -1) < rank and case.kwargs.get("dim", -1) % rank == 0:
        assert_refused(case, "gating over the batch axis changes the batch")
    else:
        assert_matches(case)


@st.composite
def glu_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=3)))
    dim = draw(st.integers(-len(shape) - 2, len(shape) + 1))   # out of range now and then
    return Case("nn.GLU", {} if dim == -1 and draw(st.booleans()) else {"dim": dim}, shape)


GENERATED = {"nn.GLU": Generated(glu_cases(), 60, check=check)}
EXAMPLES = [Case("nn.GLU", {}, (16, 128)), Case("nn.GLU", {"dim": 1}, (6, 3)), Case("nn.GLU", {"dim": -2}, (4, 5))]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
