"""Keras 3 is the oracle for the recurrent family: Embedding, SimpleRNN, LSTM, GRU, ConvLSTM1D/2D/3D, and the
wrappers Bidirectional and TimeDistributed. For every generated configuration symparam must report exactly what
real Keras builds -- every output's shape (a sequence axis may stay unknown), the variables (name, shape,
trainable) in ``layer.weights`` order and the counts -- and must refuse exactly what Keras refuses.

tests/oracle/keras_facts.py builds one layer with one fully known output; these layers may have several outputs
(return_state, merge_mode "none"), an unknown timesteps axis, a wrapped layer written as an inline table and
stateful=True (which Keras builds only with a fixed batch size), so this module builds the Keras layer itself, with
that module's keras_kwargs and KerasRefused.

trainable=False is applied the way Keras's ``trainable`` setter applies it: to the layer, every layer inside it and
all their variables. Keras 3.15's constructor argument alone does not reach the variables of a layer built from
sublayers (ConvLSTM's cell, a wrapper's layer): they stay flagged trainable, the layer leaves them out of its
trainable_weights, yet a model around it counts and trains them. symparam reports them as not trainable, as the
setter (and the argument's documented meaning) has it; `frozen_as_documented` re-applies the setter after the build.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch", reason="the Keras oracle needs torch (pip install '.[oracle]')")
pytest.importorskip("keras", reason="the Keras oracle needs keras 3 (pip install '.[oracle]')")

import keras  # noqa: E402
from hypothesis import HealthCheck, currently_in_test_context, event, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (tests/ on sys.path)
    from tests.oracle.keras_facts import KerasRefused, keras_kwargs
except ImportError:  # pragma: no cover - depends on how pytest put tests/ on sys.path
    from oracle.keras_facts import KerasRefused, keras_kwargs

from symparam.api import layer_record  # noqa: E402
from symparam.errors import SymparamError  # noqa: E402

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

Shape = tuple  # sizes without the batch axis; None for an unknown axis


@dataclass(frozen=True)
class Seen:
    outputs: tuple[Shape, ...]                      # every output's shape, without the batch axis
    variables: tuple[tuple[str, Shape, bool], ...]  # (name, shape, trainable) in layer.weights order
    params: int
    trainable: int
    non_trainable: int


# --------------------------------------------------------------------------------------------
# Keras's side
# --------------------------------------------------------------------------------------------

NONE_MEANS_NULL = {"activation", "recurrent_activation", "merge_mode"}   # TOML has no null: "none" stands for it


def keras_layer(type_name: str, kwargs: dict[str, Any]):
    """keras.layers.<type_name>(**kwargs), a wrapped layer (an inline table with a type) built first."""
    plain = {}
    for key, value in kwargs.items():
        if isinstance(value, dict) and "type" in value:
            inner = dict(value)
            plain[key] = keras_layer(inner.pop("type"), inner)
        elif key in NONE_MEANS_NULL and value == "none":
            plain[key] = None
        else:
            plain[key] = value
    layers = {k: v for k, v in plain.items() if isinstance(v, keras.layers.Layer)}
    rest = keras_kwargs({k: v for k, v in plain.items() if k not in layers})
    return getattr(keras.layers, type_name)(**layers, **rest)


def is_stateful(kwargs: dict[str, Any]) -> bool:
    return bool(kwargs.get("stateful")) or any(isinstance(v, dict) and is_stateful(v) for v in kwargs.values())


def frozen_as_documented(layer) -> None:
    """Set trainable = False through Keras's setter on every layer (the layer itself included) built with it."""
    for sub in layer._flatten_layers(include_self=True):
        if not sub.trainable:
            sub.trainable = False


def keras_facts(type_name: str, kwargs: dict[str, Any], input_shape: Shape) -> Seen:
    """Build the layer on a symbolic input of `input_shape` (no batch axis), or raise KerasRefused.

    A stateful layer gets a fixed batch size (Keras requires one; symparam has no batch axis)."""
    case = f"{type_name}{kwargs} on {input_shape}"
    try:
        layer = keras_layer(type_name, kwargs)
        x = keras.Input(shape=tuple(input_shape), batch_size=2 if is_stateful(kwargs) else None)
        y = layer(x)
    # ValueError: Keras's checks; TypeError: a missing or mistyped argument; OverflowError: a ConvLSTM's strides = 0
    except (ValueError, TypeError, OverflowError) as exc:
        raise KerasRefused(f"{case}: {exc}") from exc
    frozen_as_documented(layer)
    ys = list(y) if isinstance(y, (list, tuple)) else [y]
    variables = tuple((str(v.name), tuple(int(d) for d in v.shape), bool(v.trainable)) for v in layer.weights)
    size = lambda vs: sum(math.prod(int(d) for d in v.shape) for v in vs)  # noqa: E731
    return Seen(
        outputs=tuple(tuple(None if d is None else int(d) for d in t.shape[1:]) for t in ys),
        variables=variables,
        params=int(layer.count_params()) if layer.weights else 0,
        trainable=size(layer.trainable_weights),
        non_trainable=size(layer.non_trainable_weights),
    )


# --------------------------------------------------------------------------------------------
# symparam's side and the comparison
# --------------------------------------------------------------------------------------------


def symparam_facts(type_name: str, kwargs: dict[str, Any], input_shape: Shape) -> Seen:
    rec = layer_record(type_name, kwargs, tuple("none" if d is None else d for d in input_shape))
    shapes = rec.outputs or (rec.output_shape,)
    return Seen(
        outputs=tuple(tuple(None if d is None else int(d) for d in s) for s in shapes),
        variables=tuple((str(v.name), tuple(int(d) for d in v.shape), bool(v.trainable)) for v in rec.variables),
        params=int(rec.params),
        trainable=int(rec.trainable),
        non_trainable=int(rec.non_trainable),
    )


def note(outcome: str) -> None:
    """Count accepted and refused cases in --hypothesis-show-statistics (nothing outside hypothesis)."""
    if currently_in_test_context():
        event(outcome)


def assert_matches_keras(type_name: str, kwargs: dict[str, Any], input_shape: Shape) -> None:
    """symparam agrees with Keras on this case: the same facts, or both refuse."""
    case = f"layer_record({type_name!r}, {kwargs!r}, {input_shape!r})"
    try:
        expected = keras_facts(type_name, kwargs, input_shape)
    except KerasRefused as refused:
        note("Keras refuses")
        try:
            got = symparam_facts(type_name, kwargs, input_shape)
        except SymparamError:
            return
        pytest.fail(f"Keras refuses but symparam accepts: {case}\n  Keras: {refused}\n  symparam: {got}")
    note("Keras accepts")
    try:
        got = symparam_facts(type_name, kwargs, input_shape)
    except SymparamError as exc:
        pytest.fail(f"Keras accepts but symparam refuses: {case}\n  symparam: {exc}\n  Keras: {expected}")
    assert got.variables == expected.variables, f"variables differ for {case}"
    assert got.outputs == expected.outputs, f"output shapes differ for {case}"
    assert (got.params, got.trainable, got.non_trainable) == (
        expected.params, expected.trainable, expected.non_trainable), f"counts differ for {case}"


# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------


def maybe(draw, kwargs: dict[str, Any], key: str, strategy) -> None:
    """Set kwargs[key] from strategy, or leave it out so Keras's default applies."""
    if draw(st.booleans()):
        kwargs[key] = draw(strategy)


timesteps = st.one_of(st.none(), st.integers(1, 6))
activations = st.sampled_from(["tanh", "relu", "sigmoid", "linear", "none"])
rates = st.sampled_from([0.0, 0.25, 0.5, 1.0, -0.5, 3])


@st.composite
def rnn_kwargs(draw, kind: str, backwards: bool = True) -> dict[str, Any]:
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
def sequence_shape(draw) -> Shape:
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
    return kwargs, (draw(timesteps), *step)


# --------------------------------------------------------------------------------------------
# SimpleRNN, LSTM, GRU
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
@settings(max_examples=60, **SETTINGS)
@given(data=st.data())
def test_recurrent_matches_keras(kind, data):
    kwargs = data.draw(rnn_kwargs(kind), label="kwargs")
    assert_matches_keras(kind, kwargs, data.draw(sequence_shape(), label="input_shape"))


@pytest.mark.parametrize("type_name, kwargs, input_shape", [
    ("LSTM", {"units": 64}, (100, 32)),                                  # 4·(32·64 + 64·64 + 64) = 24,832
    ("GRU", {"units": 3, "reset_after": False}, (5, 4)),                 # bias (9,)
    ("GRU", {"units": 3, "reset_after": True}, (None, 4)),               # bias (2, 9)
    ("GRU", {"units": 3, "use_bias": False, "return_state": True, "return_sequences": True}, (None, 4)),
    ("LSTM", {"units": 3, "return_state": True}, (7, 4)),                # output, hidden state, cell state
    ("SimpleRNN", {"units": 2, "return_sequences": True, "go_backwards": True}, (None, 1)),
    ("LSTM", {"units": 3, "stateful": True}, (7, 4)),
    ("LSTM", {"units": 2, "trainable": False}, (3, 2)),
    ("LSTM", {"units": 0}, (3, 2)),                                      # refused: units
    ("LSTM", {"units": 2}, (3, None)),                                   # refused: unknown features
    ("SimpleRNN", {"units": 2}, (3,)),                                   # refused: rank
    ("LSTM", {"units": 2, "use_cudnn": "yes"}, (3, 2)),                  # refused: use_cudnn
    ("LSTM", {"units": 2, "use_cudnn": "AUTO"}, (3, 2)),                 # refused: compared exactly
    ("GRU", {"units": 2, "dropout": "half"}, (3, 2)),                    # refused: not a number
    ("SimpleRNN", {"units": 2, "activation": "nonexistent"}, (3, 2)),    # refused: activation
    ("LSTM", {"units": 2, "recurrent_activation": "ReLU"}, (3, 2)),      # refused: activation names are exact
])
def test_recurrent_examples(type_name, kwargs, input_shape):
    assert_matches_keras(type_name, kwargs, input_shape)


# --------------------------------------------------------------------------------------------
# ConvLSTM1D / 2D / 3D
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rank", [1, 2, 3])
@settings(max_examples=50, **SETTINGS)
@given(data=st.data())
def test_conv_lstm_matches_keras(rank, data):
    kwargs, input_shape = data.draw(conv_lstm_cases(rank), label="case")
    assert_matches_keras(f"ConvLSTM{rank}D", kwargs, input_shape)


@pytest.mark.parametrize("type_name, kwargs, input_shape", [
    ("ConvLSTM2D", {"filters": 2, "kernel_size": 3}, (5, 6, 6, 4)),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": 3, "trainable": False}, (5, 6, 6, 4)),   # the trainable flag
    ("ConvLSTM1D", {"filters": 2, "kernel_size": 3, "data_format": "channels_first", "return_state": True},
     (None, 4, 6)),
    ("ConvLSTM1D", {"filters": 2, "kernel_size": 3, "dilation_rate": 2}, (5, 5, 4)),       # output length 1
    ("ConvLSTM1D", {"filters": 2, "kernel_size": 3, "dilation_rate": 2}, (5, 4, 4)),       # refused: length 0
    ("ConvLSTM1D", {"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, (5, 7, 4)),  # refused
    ("ConvLSTM2D", {"filters": 2, "kernel_size": 3, "strides": 0}, (5, 6, 6, 4)),          # refused: strides 0
    ("ConvLSTM1D", {"filters": 2, "kernel_size": 3, "padding": "causal"}, (5, 6, 4)),      # refused: causal
    ("ConvLSTM1D", {"filters": 2, "kernel_size": 3}, (5, None, 4)),                        # refused: spatial None
    ("ConvLSTM1D", {"filters": 2, "kernel_size": 3}, (5, 6)),                              # refused: rank
    ("ConvLSTM1D", {"filters": 2, "kernel_size": 3, "lora_rank": 2}, (5, 6, 4)),           # refused: no LoRA
    ("ConvLSTM3D", {"filters": 1, "kernel_size": [1, 2, 3], "padding": "same", "strides": 2,
                    "data_format": "channels_first", "return_sequences": True}, (None, 2, 3, 4, 5)),
])
@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")   # Keras's own arithmetic on strides = 0
def test_conv_lstm_examples(type_name, kwargs, input_shape):
    assert_matches_keras(type_name, kwargs, input_shape)


# --------------------------------------------------------------------------------------------
# Embedding
# --------------------------------------------------------------------------------------------


@st.composite
def embedding_cases(draw):
    kwargs: dict[str, Any] = {"input_dim": draw(st.integers(1, 20)), "output_dim": draw(st.integers(1, 8))}
    maybe(draw, kwargs, "mask_zero", st.booleans())
    maybe(draw, kwargs, "lora_rank", st.integers(0, 3))
    maybe(draw, kwargs, "trainable", st.booleans())
    shape = tuple(draw(st.lists(st.one_of(st.none(), st.integers(1, 6)), max_size=3)))
    return kwargs, shape


@settings(max_examples=50, **SETTINGS)
@given(embedding_cases())
@example(({"input_dim": 10000, "output_dim": 128}, (50,)))
@example(({"input_dim": 10, "output_dim": 3}, ()))
@example(({"input_dim": 10, "output_dim": 3, "lora_rank": 2}, (5, None)))
@example(({"input_dim": 10, "output_dim": 3, "lora_rank": 2, "trainable": False}, (5,)))
@example(({"input_dim": 10, "output_dim": 3, "lora_rank": 2, "embeddings_constraint": "non_neg"}, (5,)))  # refused
@example(({"input_dim": 10, "output_dim": 3, "lora_rank": -1}, (5,)))  # refused
@example(({"input_dim": 0, "output_dim": 3}, (5,)))  # refused
def test_embedding_matches_keras(case):
    assert_matches_keras("Embedding", *case)


# --------------------------------------------------------------------------------------------
# Bidirectional
# --------------------------------------------------------------------------------------------


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
    return kwargs, (draw(timesteps), draw(st.integers(1, 6)))


@settings(max_examples=80, **SETTINGS)
@given(bidirectional_cases())
@example(({"layer": {"type": "LSTM", "units": 64}}, (100, 32)))
@example(({"layer": {"type": "LSTM", "units": 3, "return_state": True}, "merge_mode": "none"}, (7, 4)))
@example(({"layer": {"type": "GRU", "units": 3, "return_state": True, "return_sequences": True}}, (None, 4)))
@example(({"layer": {"type": "SimpleRNN", "units": 3, "return_sequences": True}, "merge_mode": "ave"}, (None, 2)))
@example(({"layer": {"type": "LSTM", "units": 3, "trainable": False}}, (7, 4)))
@example(({"layer": {"type": "LSTM", "units": 3}, "trainable": False}, (7, 4)))
@example(({"layer": {"type": "ConvLSTM1D", "filters": 2, "kernel_size": 3, "return_state": True}}, (4, 5, 4)))
@example(({"layer": {"type": "LSTM", "units": 3}, "merge_mode": "SUM"}, (7, 4)))    # refused: case-sensitive
@example(({"layer": {"type": "LSTM", "units": 3}, "merge_mode": "max"}, (7, 4)))    # refused
@example(({"layer": {"type": "Dense", "units": 3}}, (7, 4)))                        # refused: not recurrent
@example(({"layer": {"type": "LSTM", "units": 3, "go_backwards": True}}, (7, 4)))   # refused
def test_bidirectional_matches_keras(case):
    assert_matches_keras("Bidirectional", *case)


# --------------------------------------------------------------------------------------------
# TimeDistributed
# --------------------------------------------------------------------------------------------


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
    return kwargs, (draw(timesteps), *step)


@settings(max_examples=80, **SETTINGS)
@given(time_distributed_cases())
@example(({"layer": {"type": "Dense", "units": 3}}, (7, 4)))
@example(({"layer": {"type": "Dense", "units": 3}}, (None, 4)))
@example(({"layer": {"type": "Dense", "units": 3}, "trainable": False}, (7, 4)))     # the trainable flag
@example(({"layer": {"type": "Conv2D", "filters": 3, "kernel_size": 2}}, (7, 4, 4, 2)))
@example(({"layer": {"type": "LSTM", "units": 3}}, (7, 4, 4)))
@example(({"layer": {"type": "Dense", "units": 3}}, (4,)))                            # refused: no time axis
@example(({"layer": {"type": "Conv1D", "filters": 3, "kernel_size": 9}}, (None, 4, 4)))  # refused: too short
@example(({"layer": {"type": "LSTM", "units": 3, "return_state": True}}, (3, 4, 4)))   # refused: several outputs
def test_time_distributed_matches_keras(case):
    assert_matches_keras("TimeDistributed", *case)
