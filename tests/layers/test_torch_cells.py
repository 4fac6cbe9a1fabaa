"""symparam/layers/torch_cells.py against real PyTorch: nn.RNNCell, nn.LSTMCell, nn.GRUCell on one step's input
(tests/oracle/torch_facts.py runs each on zeros); the same named_parameters(), counts and output shape, or a
refusal where torch refuses (an input whose features are not input_size, an input that is not (features,))."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import maybe, off_by

KINDS = ("nn.RNNCell", "nn.LSTMCell", "nn.GRUCell")


@st.composite
def cell_cases(draw, kind: str):
    hidden, n_in = draw(st.integers(1, 10)), draw(st.integers(1, 10))
    kwargs: dict[str, Any] = {"input_size": n_in, "hidden_size": hidden}
    maybe(draw, kwargs, "bias", st.booleans())
    if kind == "nn.RNNCell":
        maybe(draw, kwargs, "nonlinearity", st.sampled_from(["tanh", "relu"]))
    wrong = draw(st.integers(0, 9)) == 0
    features = off_by(draw, n_in) if wrong else n_in
    if not wrong and draw(st.booleans()):
        del kwargs["input_size"]                                       # inferred from the input
    return Case(kind, kwargs, (features,))


GENERATED = {kind: Generated(cell_cases(kind), 40) for kind in KINDS}
EXAMPLES = [*(Case(kind, {"input_size": 3, "hidden_size": 4}, (3,)) for kind in KINDS),
            Case("nn.LSTMCell", {"input_size": 3, "hidden_size": 4}, (2, 3)),    # a sequence: torch refuses
            Case("nn.RNNCell", {"input_size": 3, "hidden_size": 4, "nonlinearity": "relu"}, (3,)),
            Case("nn.GRUCell", {"input_size": 3, "hidden_size": 4, "bias": False}, (3,))]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
