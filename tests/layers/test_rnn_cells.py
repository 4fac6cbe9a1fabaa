"""symparam/layers/rnn_cells.py against real Keras: RNN over a SimpleRNNCell, LSTMCell or GRUCell, or a stack of
them (a list of cells), with return_sequences and return_state. Keras builds the same RNN on a symbolic sequence;
every weight (in Keras's order), count and output (the states too) must agree. See tests/oracle/cases.py.
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
def cell_tables(draw):
    kind = draw(st.sampled_from(["SimpleRNNCell", "LSTMCell", "GRUCell"]))
    table: dict[str, Any] = {"type": kind, "units": draw(st.integers(1, 6))}
    maybe(draw, table, "use_bias", st.booleans())
    if kind == "GRUCell":
        maybe(draw, table, "reset_after", st.booleans())
    maybe(draw, table, "dropout", st.sampled_from([0.0, 0.5]))
    return table


@st.composite
def rnn_cases(draw):
    cells = draw(st.lists(cell_tables(), min_size=1, max_size=3))
    kwargs: dict[str, Any] = {"cell": cells[0] if len(cells) == 1 and draw(st.booleans()) else cells}
    maybe(draw, kwargs, "return_sequences", st.booleans())
    if isinstance(kwargs["cell"], dict):   # a list's states come back nested (refused: see below)
        maybe(draw, kwargs, "return_state", st.booleans())
    maybe(draw, kwargs, "go_backwards", st.booleans())
    shape = (draw(st.one_of(st.none(), st.integers(1, 6))), draw(st.integers(1, 6)))
    return Case("RNN", kwargs, shape)


GENERATED = {"RNN": Generated(rnn_cases(), 40)}

EXAMPLES = [
    Case("RNN", {"cell": {"type": "LSTMCell", "units": 8}, "return_state": True}, (None, 3)),   # output, h, c
    Case("RNN", {"cell": {"type": "GRUCell", "units": 5, "reset_after": False}}, (7, 4)),
    Case("RNN", {"cell": [{"type": "SimpleRNNCell", "units": 4}, {"type": "LSTMCell", "units": 2}],
                 "return_sequences": True}, (6, 3)),
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


def test_a_stack_with_return_state_is_refused():
    """Keras returns a stack's states nested per cell; a spec names flat outputs only."""
    with pytest.raises(SymparamError, match="nested per cell"):
        layer_record("RNN", {"cell": [{"type": "LSTMCell", "units": 2}], "return_state": True}, (4, 3))


def test_a_layer_argument_on_the_cell_is_refused():
    with pytest.raises(SymparamError, match="the RNN layer takes it"):
        layer_record("RNN", {"cell": {"type": "LSTMCell", "units": 2, "return_sequences": True}}, (4, 3))
