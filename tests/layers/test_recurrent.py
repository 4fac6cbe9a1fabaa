"""symparam/layers/recurrent.py against real Keras: SimpleRNN, LSTM, GRU, ConvLSTM1D/2D/3D.

Every output's shape counts (return_state gives several; the sequence axis may stay unknown), and trainable=False
reaches the cell's variables as Keras's setter has it. See tests/oracle/cases.py and tests/oracle/keras_facts.py.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import maybe, timesteps

activations = st.sampled_from(["tanh", "relu", "sigmoid", "linear", "none"])
rates = st.sampled_from([0.0, 0.25, 0.5, 1.0, -0.5, 3])


@st.composite
def rnn_kwargs(draw, kind: str, backwards: bool = True) -> dict[str, Any]:
    """Keyword arguments of SimpleRNN, LSTM or GRU (also used inside the wrappers' cases)."""
    kwargs: dict[str, Any] = {"units": draw(st.integers(1, 8))}
    maybe(draw, kwargs, "use_bias", st.booleans())
    maybe(draw, kwargs, "return_sequences", st.booleans())
    maybe(draw, kwargs, "return_state", st.booleans())
    if backwards:
        maybe(draw, kwargs, "go_backwards", st.booleans())
    maybe(draw, kwargs, "stateful", st.booleans())
    maybe(draw, kwargs, "activation", activations)
    maybe(draw, kwargs, "dropout", rates)
    maybe(draw, kwargs, "trainable", st.booleans())
    if kind != "SimpleRNN":
        maybe(draw, kwargs, "recurrent_activation", activations)
        maybe(draw, kwargs, "use_cudnn", st.sampled_from(["auto", True, False]))
    if kind == "LSTM":
        maybe(draw, kwargs, "unit_forget_bias", st.booleans())
    if kind == "GRU":
        maybe(draw, kwargs, "reset_after", st.booleans())
    return kwargs


@st.composite
def sequence_shape(draw) -> tuple:
    """Mostly (timesteps, features); sometimes an input Keras refuses (wrong rank, unknown features)."""
    shape = (draw(timesteps), draw(st.integers(1, 8)))
    flaw = draw(st.sampled_from(["none"] * 7 + ["rank 1", "rank 3", "features unknown"]))  # hypothesis favours
    if flaw == "rank 1":                                                                   # the first element
        return shape[1:]
    if flaw == "rank 3":
        return (*shape, draw(st.integers(1, 3)))
    if flaw == "features unknown":
        return (shape[0], None)
    return shape


@st.composite
def rnn_cases(draw, kind: str):
    return Case(kind, draw(rnn_kwargs(kind)), draw(sequence_shape()))


@st.composite
def conv_lstm_cases(draw, rank: int):
    data_format = draw(st.sampled_from([None, "channels_last", "channels_first"]))
    kwargs: dict[str, Any] = {"filters": draw(st.integers(1, 4))}
    one_or_list = lambda low, high: st.one_of(  # noqa: E731
        st.sampled_from(range(low, high + 1)), st.lists(st.sampled_from(range(low, high + 1)), min_size=rank,
                                                        max_size=rank))
    kwargs["kernel_size"] = draw(one_or_list(1, 3))
    maybe(draw, kwargs, "strides", one_or_list(1, 3))
    maybe(draw, kwargs, "dilation_rate", one_or_list(1, 2))
    maybe(draw, kwargs, "padding", st.sampled_from(["valid", "same", "SAME"]))
    maybe(draw, kwargs, "use_bias", st.booleans())
    maybe(draw, kwargs, "return_sequences", st.booleans())
    maybe(draw, kwargs, "return_state", st.booleans())
    maybe(draw, kwargs, "trainable", st.booleans())
    if data_format is not None:
        kwargs["data_format"] = data_format
    spatial = draw(st.lists(st.integers(1, 6) if rank < 3 else st.integers(2, 5), min_size=rank, max_size=rank))
    channels = draw(st.integers(1, 3))
    step = (channels, *spatial) if data_format == "channels_first" else (*spatial, channels)
    return Case(f"ConvLSTM{rank}D", kwargs, (draw(timesteps), *step))


GENERATED = {
    **{kind: Generated(rnn_cases(kind), 60) for kind in ("SimpleRNN", "LSTM", "GRU")},
    **{f"ConvLSTM{rank}D": Generated(conv_lstm_cases(rank), 50) for rank in (1, 2, 3)},
}

EXAMPLES = [
    Case("LSTM", {"units": 64}, (100, 32)),                                    # 4·(32·64 + 64·64 + 64) = 24,832
    Case("GRU", {"units": 3, "reset_after": False}, (5, 4)),                   # bias (9,)
    Case("GRU", {"units": 3, "reset_after": True}, (None, 4)),                 # bias (2, 9)
    Case("GRU", {"units": 3, "use_bias": False, "return_state": True, "return_sequences": True}, (None, 4)),
    Case("LSTM", {"units": 3, "return_state": True}, (7, 4)),                  # output, hidden state, cell state
    Case("SimpleRNN", {"units": 2, "return_sequences": True, "go_backwards": True}, (None, 1)),
    Case("LSTM", {"units": 3, "stateful": True}, (7, 4)),
    Case("LSTM", {"units": 2, "trainable": False}, (3, 2)),
    Case("LSTM", {"units": 0}, (3, 2)),                                        # refused: units
    Case("LSTM", {"units": 2}, (3, None)),                                     # refused: unknown features
    Case("SimpleRNN", {"units": 2}, (3,)),                                     # refused: rank
    Case("LSTM", {"units": 2, "use_cudnn": "yes"}, (3, 2)),                    # refused: use_cudnn
    Case("LSTM", {"units": 2, "use_cudnn": "AUTO"}, (3, 2)),                   # refused: compared exactly
    Case("GRU", {"units": 2, "dropout": "half"}, (3, 2)),                      # refused: not a number
    Case("SimpleRNN", {"units": 2, "activation": "nonexistent"}, (3, 2)),      # refused: activation
    Case("LSTM", {"units": 2, "recurrent_activation": "ReLU"}, (3, 2)),        # refused: names are exact
    Case("ConvLSTM2D", {"filters": 2, "kernel_size": 3}, (5, 6, 6, 4)),
    Case("ConvLSTM2D", {"filters": 2, "kernel_size": 3, "trainable": False}, (5, 6, 6, 4)),   # the trainable flag
    Case("ConvLSTM1D", {"filters": 2, "kernel_size": 3, "data_format": "channels_first", "return_state": True},
         (None, 4, 6)),
    Case("ConvLSTM1D", {"filters": 2, "kernel_size": 3, "dilation_rate": 2}, (5, 5, 4)),       # output length 1
    Case("ConvLSTM1D", {"filters": 2, "kernel_size": 3, "dilation_rate": 2}, (5, 4, 4)),       # refused: length 0
    Case("ConvLSTM1D", {"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, (5, 7, 4)),  # refused
    Case("ConvLSTM2D", {"filters": 2, "kernel_size": 3, "strides": 0}, (5, 6, 6, 4)),          # refused: strides 0
    Case("ConvLSTM1D", {"filters": 2, "kernel_size": 3, "padding": "causal"}, (5, 6, 4)),      # refused: causal
    Case("ConvLSTM1D", {"filters": 2, "kernel_size": 3}, (5, None, 4)),                        # refused: unknown
    Case("ConvLSTM1D", {"filters": 2, "kernel_size": 3}, (5, 6)),                              # refused: rank
    Case("ConvLSTM1D", {"filters": 2, "kernel_size": 3, "lora_rank": 2}, (5, 6, 4)),           # refused: no LoRA
    Case("ConvLSTM3D", {"filters": 1, "kernel_size": [1, 2, 3], "padding": "same", "strides": 2,
                        "data_format": "channels_first", "return_sequences": True}, (None, 2, 3, 4, 5)),
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
