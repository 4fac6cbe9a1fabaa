"""symparam/layers/wrappers.py against real Keras: Bidirectional and TimeDistributed, the wrapped layer written
as an inline table with a type. See tests/oracle/cases.py and tests/oracle/keras_facts.py.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import maybe, timesteps

from .test_recurrent import rnn_kwargs


@st.composite
def bidirectional_cases(draw):
    kind = draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU", "GRU", "LSTM"]))
    inner = {"type": kind, **draw(rnn_kwargs(kind, backwards=False))}
    if draw(st.sampled_from(range(10))) == 9:   # hypothesis favours the first element
        inner["go_backwards"] = True   # refused: the backward copy must differ
    if inner.get("stateful") and inner.get("return_state"):
        # Keras 3.15 cannot build this (Bidirectional.compute_mask multiplies a generator: a TypeError, not a
        # refusal by design); symparam builds it like the same layer without stateful.
        del inner["stateful"]
    kwargs: dict[str, Any] = {"layer": inner}
    maybe(draw, kwargs, "merge_mode", st.sampled_from(["concat", "sum", "mul", "ave", "none"]))
    maybe(draw, kwargs, "trainable", st.booleans())
    return Case("Bidirectional", kwargs, (draw(timesteps), draw(st.integers(1, 6))))


@st.composite
def time_distributed_cases(draw):
    """A registered Keras kind inside, on (timesteps, *the shape that kind takes)."""
    choice = draw(st.sampled_from(["Dense", "Conv1D", "Conv2D", "MaxPooling1D", "BatchNormalization", "Flatten",
                                   "LSTM", "GRU", "Embedding", "Bidirectional", "TimeDistributed"]))
    small = st.integers(1, 5)
    if choice == "Dense":
        inner = {"type": "Dense", "units": draw(small)}
        step = tuple(draw(st.lists(small, min_size=1, max_size=3)))
    elif choice in ("Conv1D", "Conv2D"):
        rank = int(choice[4])
        inner = {"type": choice, "filters": draw(small), "kernel_size": draw(st.integers(1, 3))}
        maybe(draw, inner, "padding", st.sampled_from(["valid", "same"]))
        step = (*draw(st.lists(small, min_size=rank, max_size=rank)), draw(small))
    elif choice == "MaxPooling1D":
        inner = {"type": choice, "pool_size": draw(st.integers(1, 3))}
        step = (draw(small), draw(small))
    elif choice in ("BatchNormalization", "Flatten"):
        inner = {"type": choice}
        step = tuple(draw(st.lists(small, min_size=1, max_size=3)))
    elif choice in ("LSTM", "GRU"):
        inner = {"type": choice, **draw(rnn_kwargs(choice))}
        step = (draw(st.one_of(st.none(), small)), draw(small))
    elif choice == "Embedding":
        inner = {"type": choice, "input_dim": draw(small), "output_dim": draw(small)}
        step = tuple(draw(st.lists(small, max_size=2)))
    elif choice == "Bidirectional":
        inner = {"type": choice, "layer": {"type": "GRU", "units": draw(small)}}
        maybe(draw, inner, "merge_mode", st.sampled_from(["concat", "none"]))
        step = (draw(small), draw(small))
    else:
        inner = {"type": choice, "layer": {"type": "Dense", "units": draw(small)}}
        step = (draw(small), draw(small))
    if draw(st.booleans()):
        inner["trainable"] = draw(st.booleans())
    kwargs: dict[str, Any] = {"layer": inner}
    maybe(draw, kwargs, "trainable", st.booleans())
    return Case("TimeDistributed", kwargs, (draw(timesteps), *step))


GENERATED = {
    "Bidirectional": Generated(bidirectional_cases(), 80),
    "TimeDistributed": Generated(time_distributed_cases(), 80),
}


def bidirectional(kwargs: dict[str, Any], input_shape: tuple) -> Case:
    return Case("Bidirectional", kwargs, input_shape)


def time_distributed(kwargs: dict[str, Any], input_shape: tuple) -> Case:
    return Case("TimeDistributed", kwargs, input_shape)


EXAMPLES = [
    bidirectional({"layer": {"type": "LSTM", "units": 64}}, (100, 32)),
    bidirectional({"layer": {"type": "LSTM", "units": 3, "return_state": True}, "merge_mode": "none"}, (7, 4)),
    bidirectional({"layer": {"type": "GRU", "units": 3, "return_state": True, "return_sequences": True}},
                  (None, 4)),
    bidirectional({"layer": {"type": "SimpleRNN", "units": 3, "return_sequences": True}, "merge_mode": "ave"},
                  (None, 2)),
    bidirectional({"layer": {"type": "LSTM", "units": 3, "trainable": False}}, (7, 4)),
    bidirectional({"layer": {"type": "LSTM", "units": 3}, "trainable": False}, (7, 4)),
    bidirectional({"layer": {"type": "ConvLSTM1D", "filters": 2, "kernel_size": 3, "return_state": True}},
                  (4, 5, 4)),
    bidirectional({"layer": {"type": "LSTM", "units": 3}, "merge_mode": "SUM"}, (7, 4)),    # refused: case
    bidirectional({"layer": {"type": "LSTM", "units": 3}, "merge_mode": "max"}, (7, 4)),    # refused
    bidirectional({"layer": {"type": "Dense", "units": 3}}, (7, 4)),                        # refused: not recurrent
    bidirectional({"layer": {"type": "LSTM", "units": 3, "go_backwards": True}}, (7, 4)),   # refused
    time_distributed({"layer": {"type": "Dense", "units": 3}}, (7, 4)),
    time_distributed({"layer": {"type": "Dense", "units": 3}}, (None, 4)),
    time_distributed({"layer": {"type": "Dense", "units": 3}, "trainable": False}, (7, 4)),     # the flag
    time_distributed({"layer": {"type": "Conv2D", "filters": 3, "kernel_size": 2}}, (7, 4, 4, 2)),
    time_distributed({"layer": {"type": "LSTM", "units": 3}}, (7, 4, 4)),
    time_distributed({"layer": {"type": "Dense", "units": 3}}, (4,)),                            # refused: no time
    time_distributed({"layer": {"type": "Conv1D", "filters": 3, "kernel_size": 9}}, (None, 4, 4)),  # too short
    time_distributed({"layer": {"type": "LSTM", "units": 3, "return_state": True}}, (3, 4, 4)),  # several outputs
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
