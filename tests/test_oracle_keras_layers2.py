"""Keras 3 as the oracle for the catalogue's second batch of Keras kinds: transposed, depthwise and separable
convolutions; padding, cropping, upsampling, RepeatVector, Permute; Layer/Group/Unit normalization; PReLU,
LeakyReLU, ReLU, Softmax; the Normalization, Rescaling and Resizing preprocessing layers.

For every generated configuration symparam must report what Keras builds (each variable's name, shape and
trainable flag in ``layer.weights`` order, the counts, the output shape) or refuse where Keras refuses.

What "Keras refuses" means here is wider than ``tests/oracle/keras_facts.py`` alone: several of these layers
check nothing until they are called (Softmax's axis, Resizing's interpolation, Rescaling's broadcast, a
LayerNormalization axis named twice), and some raise IndexError or RuntimeError while building. So
``keras_verdict`` builds the layer symbolically (keras_facts), then calls a fresh copy on data; any exception, or
an output whose shape is not the one the symbolic build declared, is a refusal. Two documented exceptions:

* the torch backend's own gaps (``torch_gap``): LayerNormalization over a contiguous block of axes that does not
  end at the last axis (Keras hands it to ``F.layer_norm``, which normalizes trailing axes only), and the Lanczos
  interpolations. Keras's other backends run these; symparam must then give Keras's declared (symbolic) facts.
* an output axis of length 0: Keras builds it, symparam refuses it (every length must be >= 1, engine rule).

Run with KERAS_BACKEND=torch (set here unless already chosen); skipped when keras or torch is absent.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch", reason="the Keras oracle needs torch (pip install '.[oracle]')")
pytest.importorskip("keras", reason="the Keras oracle needs keras 3 (pip install '.[oracle]')")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from hypothesis import HealthCheck, currently_in_test_context, event, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (tests/ on sys.path)
    from tests.oracle.keras_facts import Facts, KerasRefused, keras_kwargs, keras_layer_facts
except ImportError:  # pragma: no cover - depends on how pytest put tests/ on sys.path
    from oracle.keras_facts import Facts, KerasRefused, keras_kwargs, keras_layer_facts

from symparam.api import layer_record  # noqa: E402
from symparam.errors import SymparamError  # noqa: E402

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
BATCH = 11  # longer than any generated axis, so that a call which moves or broadcasts the batch axis shows
DATA_FORMATS = ["channels_last", "channels_first"]


# --------------------------------------------------------------------------------------------
# The oracle: Keras's verdict on a case, and the comparison
# --------------------------------------------------------------------------------------------


def keras_verdict(type_name: str, kwargs: dict[str, Any], input_shape: tuple[int, ...]) -> tuple[Facts | None, str]:
    """(facts, "") when Keras builds the case and runs it on data with the declared output shape;
    (symbolic facts or None, why) when it refuses somewhere along the way."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            facts = keras_layer_facts(type_name, kwargs, input_shape)
        except KerasRefused as refused:
            return None, str(refused)
        except Exception as exc:  # noqa: BLE001 - Keras crashes while building: IndexError, RuntimeError
            return None, f"build raised {type(exc).__name__}: {exc}"
        try:
            layer = getattr(keras.layers, type_name)(**keras_kwargs(kwargs))
            y = layer(np.zeros((BATCH, *input_shape), dtype="float32"))
        except Exception as exc:  # noqa: BLE001 - the layer checks only when called
            return facts, f"call raised {type(exc).__name__}: {str(exc)[:300]}"
    if tuple(y.shape) != (BATCH, *facts.output_shape):
        return facts, f"the call's output {tuple(y.shape)} is not the declared {facts.output_shape}"
    return facts, ""


def torch_gap(type_name: str, kwargs: dict[str, Any], input_shape: tuple[int, ...]) -> str:
    """Why Keras's torch backend cannot call a configuration that Keras itself supports ("" if it can)."""
    interpolation = kwargs.get("interpolation")
    if isinstance(interpolation, str) and interpolation.lower() in ("lanczos3", "lanczos5"):
        return "the torch backend has no Lanczos resize"
    if type_name == "LayerNormalization":
        axis = kwargs.get("axis", -1)
        axes = sorted([axis] if isinstance(axis, int) else axis)
        ndim = len(input_shape) + 1
        continuous = len(axes) <= 1 or all(b - a == 1 for a, b in zip(axes, axes[1:]))
        named = [d % ndim for d in axes]
        trailing = named == list(range(ndim - len(axes), ndim))
        in_range = all(-ndim <= d < ndim for d in axes)
        if axes and in_range and len(set(named)) == len(named) and continuous and not trailing:
            return "the torch backend hands a contiguous block of axes to F.layer_norm, which normalizes trailing axes"
    return ""


def symparam_facts(type_name: str, kwargs: dict[str, Any], input_shape: tuple[int, ...]) -> Facts:
    rec = layer_record(type_name, kwargs, input_shape)
    return Facts(
        output_shape=tuple(int(d) for d in rec.output_shape),
        variables=tuple((str(v.name), tuple(int(d) for d in v.shape), bool(v.trainable)) for v in rec.variables),
        params=int(rec.params),
        trainable=int(rec.trainable),
        non_trainable=int(rec.non_trainable),
    )


def note(outcome: str) -> None:
    if currently_in_test_context():
        event(outcome)


def assert_refuses(type_name: str, kwargs: dict[str, Any], input_shape: tuple[int, ...], why: str) -> None:
    try:
        got = symparam_facts(type_name, kwargs, input_shape)
    except SymparamError:
        return
    pytest.fail(f"{why}, but symparam accepts: layer_record({type_name!r}, {kwargs!r}, {input_shape!r})\n"
                f"  symparam: {got}")


def assert_matches_keras(type_name: str, kwargs: dict[str, Any], input_shape: tuple[int, ...]) -> None:
    """symparam agrees with Keras on this case: the same facts, or both refuse."""
    case = f"layer_record({type_name!r}, {kwargs!r}, {input_shape!r})"
    facts, refusal = keras_verdict(type_name, kwargs, input_shape)
    if refusal and facts is not None and torch_gap(type_name, kwargs, input_shape):
        note("torch backend gap: symbolic facts")
    elif refusal:
        note("Keras refuses")
        assert_refuses(type_name, kwargs, input_shape, f"Keras refuses ({refusal})")
        return
    if any(d == 0 for d in facts.output_shape):
        note("zero-length output")
        assert_refuses(type_name, kwargs, input_shape, f"Keras builds an empty axis {facts.output_shape}")
        return
    note("Keras accepts")
    try:
        got = symparam_facts(type_name, kwargs, input_shape)
    except SymparamError as exc:
        pytest.fail(f"Keras accepts but symparam refuses: {case}\n  symparam: {exc}\n  Keras: {facts}")
    assert got.variables == facts.variables, f"variables differ for {case}: {got.variables} vs {facts.variables}"
    assert got.output_shape == facts.output_shape, f"output shape differs for {case}"
    assert (got.params, got.trainable, got.non_trainable) == (facts.params, facts.trainable, facts.non_trainable), \
        f"(params, trainable, non_trainable) differ for {case}"


# --------------------------------------------------------------------------------------------
# Strategy helpers
# --------------------------------------------------------------------------------------------


def maybe(draw, kwargs: dict[str, Any], key: str, strategy) -> None:
    """Set kwargs[key] from strategy, or leave it out so that Keras's default applies."""
    if draw(st.booleans()):
        kwargs[key] = draw(strategy)


def int_or_list(draw, n: int, low: int, high: int):
    values = st.sampled_from(range(low, high + 1))
    if draw(st.booleans()):
        return draw(values)
    return draw(st.lists(values, min_size=n, max_size=n))


def image(spatial, channels: int, data_format: str | None) -> tuple[int, ...]:
    return (channels, *spatial) if data_format == "channels_first" else (*spatial, channels)


def axis_values(rank: int) -> st.SearchStrategy[int]:
    """Keras axes for an input of `rank` axes besides the batch: in range, the batch axis, and out of range."""
    n = rank + 1
    return st.sampled_from([*range(-n - 1, n + 1)])


def axes_argument(rank: int, max_size: int = 3):
    return st.one_of(axis_values(rank), st.lists(axis_values(rank), min_size=0, max_size=max_size))


# --------------------------------------------------------------------------------------------
# Transposed, depthwise and separable convolutions
# --------------------------------------------------------------------------------------------


@st.composite
def transpose_cases(draw, rank: int):
    data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
    kwargs: dict[str, Any] = {"filters": draw(st.integers(1, 5)), "kernel_size": int_or_list(draw, rank, 1, 4)}
    maybe(draw, kwargs, "strides", st.just(int_or_list(draw, rank, 1, 3)))
    maybe(draw, kwargs, "padding", st.sampled_from(["valid", "same", "SAME", "causal"]))
    maybe(draw, kwargs, "output_padding", st.just(int_or_list(draw, rank, 0, 2)))
    maybe(draw, kwargs, "dilation_rate", st.just(int_or_list(draw, rank, 1, 2)))
    maybe(draw, kwargs, "use_bias", st.booleans())
    if data_format:
        kwargs["data_format"] = data_format
    spatial = draw(st.lists(st.integers(1, 6), min_size=rank, max_size=rank))
    return kwargs, image(spatial, draw(st.integers(1, 5)), data_format)


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_conv_transpose_matches_keras(rank):
    @settings(max_examples=60 if rank < 3 else 40, **SETTINGS)
    @given(transpose_cases(rank))
    def check(case):
        assert_matches_keras(f"Conv{rank}DTranspose", *case)

    check()


@pytest.mark.parametrize("kwargs, input_shape", [
    ({"filters": 4, "kernel_size": 3, "strides": 2}, (5, 5, 3)),                                      # 11 x 11
    ({"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1}, (3, 3, 3)),
    ({"filters": 4, "kernel_size": 1, "strides": 3}, (3, 3, 3)),                          # max(k, s): 9 x 9
    ({"filters": 4, "kernel_size": 4, "dilation_rate": 2, "padding": "same", "output_padding": 0}, (3, 3, 3)),
    ({"filters": 4, "kernel_size": 2, "padding": "same", "output_padding": 0}, (1, 1, 3)),  # Keras: 0 x 0
    ({"filters": 4, "kernel_size": 3, "strides": 2, "output_padding": 2}, (3, 3, 3)),       # refused: op >= s
    ({"filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, (3, 3, 3)),        # refused
    ({"filters": 4, "kernel_size": 3, "lora_rank": 2}, (3, 3, 3)),                          # refused: no LoRA
])
def test_conv2d_transpose_cases(kwargs, input_shape):
    assert_matches_keras("Conv2DTranspose", kwargs, input_shape)


@st.composite
def depthwise_cases(draw, rank: int, separable: bool):
    data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
    kwargs: dict[str, Any] = {"kernel_size": int_or_list(draw, rank, 1, 4)}
    if separable:
        kwargs["filters"] = draw(st.integers(1, 5))
    maybe(draw, kwargs, "strides", st.just(int_or_list(draw, rank, 1, 3)))
    maybe(draw, kwargs, "padding", st.sampled_from(["valid", "same", "Same", "causal"]))
    maybe(draw, kwargs, "depth_multiplier", st.integers(1, 3))
    maybe(draw, kwargs, "dilation_rate", st.just(int_or_list(draw, rank, 1, 3)))
    maybe(draw, kwargs, "use_bias", st.booleans())
    if data_format:
        kwargs["data_format"] = data_format
    spatial = draw(st.lists(st.integers(1, 9), min_size=rank, max_size=rank))
    return kwargs, image(spatial, draw(st.integers(1, 5)), data_format)


@pytest.mark.parametrize("type_name, rank", [("DepthwiseConv1D", 1), ("DepthwiseConv2D", 2),
                                             ("SeparableConv1D", 1), ("SeparableConv2D", 2)])
def test_depthwise_and_separable_match_keras(type_name, rank):
    @settings(max_examples=50, **SETTINGS)
    @given(depthwise_cases(rank, type_name.startswith("Separable")))
    @example(({"kernel_size": 3, "strides": 2, "dilation_rate": 2, **(
        {"filters": 4} if type_name.startswith("Separable") else {})}, (9,) * rank + (3,)))
    def check(case):
        assert_matches_keras(type_name, *case)

    check()


# --------------------------------------------------------------------------------------------
# ZeroPadding, Cropping, UpSampling, RepeatVector, Permute
# --------------------------------------------------------------------------------------------


def sides(draw, rank: int, low: int, high: int):
    """Keras's padding/cropping forms: an int, a (before, after) pair (rank 1), or per-axis ints or pairs."""
    amount = st.integers(low, high)
    pair = st.lists(st.integers(0, high), min_size=2, max_size=2)
    if rank == 1:
        return draw(st.one_of(st.integers(0, high), pair))
    return draw(st.one_of(amount, st.lists(st.one_of(st.integers(0, high), pair), min_size=rank, max_size=rank)))


def spatial_input(draw, rank: int, data_format: str | None, low: int = 1, high: int = 6):
    """Mostly the expected rank, sometimes one axis more or fewer (Keras refuses)."""
    n = rank + draw(st.sampled_from([0, 0, 0, 0, 0, 1, -1]))
    dims = draw(st.lists(st.integers(low, high), min_size=max(n, 0), max_size=max(n, 0)))
    if n == rank:
        return image(dims, draw(st.integers(1, 4)), data_format)
    return (*dims, draw(st.integers(1, 4)))


@st.composite
def padding_cases(draw, family: str, rank: int):
    kwargs: dict[str, Any] = {}
    data_format = None
    if rank > 1 or family == "ZeroPadding":  # Cropping1D and UpSampling1D take no data_format
        data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
        if data_format:
            kwargs["data_format"] = data_format
    low, high = (2, 10) if family == "Cropping" else (1, 6)
    if family == "ZeroPadding":
        maybe(draw, kwargs, "padding", st.just(sides(draw, rank, -2 if rank > 1 else 0, 3)))
    elif family == "Cropping":
        maybe(draw, kwargs, "cropping", st.just(sides(draw, rank, 0, 3)))
    else:
        size = st.integers(1, 3) if rank == 1 else st.just(int_or_list(draw, rank, 1, 3))
        maybe(draw, kwargs, "size", size)
        if rank == 2:
            maybe(draw, kwargs, "interpolation", st.sampled_from(["nearest", "bilinear", "bicubic", "BILINEAR",
                                                                 "area"]))
    return kwargs, spatial_input(draw, rank, data_format, low, high)


@pytest.mark.parametrize("family", ["ZeroPadding", "Cropping", "UpSampling"])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_padding_cropping_upsampling_match_keras(family, rank):
    @settings(max_examples=50 if rank < 3 else 35, **SETTINGS)
    @given(padding_cases(family, rank))
    def check(case):
        assert_matches_keras(f"{family}{rank}D", *case)

    check()


@pytest.mark.parametrize("type_name, kwargs, input_shape", [
    ("ZeroPadding2D", {"padding": -1}, (4, 3, 2)),            # Keras: a single int's sign is not checked
    ("ZeroPadding2D", {"padding": -1}, (4, 2, 2)),            # ... and may leave an empty axis
    ("ZeroPadding2D", {"padding": [-1, 2]}, (4, 3, 2)),       # refused: per-axis values must be >= 0
    ("ZeroPadding2D", {"padding": [1, [2, 3]]}, (4, 3, 2)),
    ("ZeroPadding1D", {"padding": [1, 2], "data_format": "channels_first"}, (4, 3)),
    ("Cropping2D", {"cropping": 2}, (4, 5, 2)),               # refused: crops the whole first axis
    ("Cropping1D", {}, (2, 3)),                               # refused: default (1, 1) leaves nothing
    ("UpSampling2D", {"interpolation": "lanczos3"}, (4, 3, 2)),  # Keras supports it; the torch backend does not
])
def test_padding_cases(type_name, kwargs, input_shape):
    assert_matches_keras(type_name, kwargs, input_shape)


@settings(max_examples=40, **SETTINGS)
@given(st.integers(1, 5), st.lists(st.integers(1, 5), min_size=0, max_size=3).map(tuple))
def test_repeat_vector_matches_keras(n, input_shape):
    assert_matches_keras("RepeatVector", {"n": n}, input_shape)


@st.composite
def permute_cases(draw):
    k = draw(st.integers(1, 4))
    dims = draw(st.permutations(range(1, k + 1)))
    if draw(st.integers(0, 5)) == 0:  # sometimes not a permutation of 1..k
        dims[draw(st.integers(0, k - 1))] = draw(st.integers(0, k + 1))
    rank = k + draw(st.sampled_from([0, 0, 0, 1]))
    return {"dims": list(dims)}, tuple(draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank)))


@settings(max_examples=50, **SETTINGS)
@given(permute_cases())
@example(({"dims": [2, 1]}, (4, 3)))
@example(({"dims": [3, 1, 2]}, (2, 3, 4)))
def test_permute_matches_keras(case):
    assert_matches_keras("Permute", *case)


# --------------------------------------------------------------------------------------------
# LayerNormalization, GroupNormalization, UnitNormalization
# --------------------------------------------------------------------------------------------


def some_shape(draw, low: int = 1, high: int = 3):
    return tuple(draw(st.lists(st.integers(1, 5), min_size=low, max_size=high)))


@st.composite
def layernorm_cases(draw):
    input_shape = some_shape(draw)
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "axis", axes_argument(len(input_shape)))
    maybe(draw, kwargs, "center", st.booleans())
    maybe(draw, kwargs, "scale", st.booleans())
    return kwargs, input_shape


@settings(max_examples=70, **SETTINGS)
@given(layernorm_cases())
@example(({}, (4, 3)))
@example(({"axis": [-1, 1]}, (4, 3)))          # weights follow sorted(axis): (3, 4)
@example(({"axis": [1, 3]}, (4, 3, 2)))
@example(({"axis": 1}, (4, 3, 2)))             # torch backend gap: symbolic facts
@example(({"axis": [1, 1]}, (4, 3)))           # refused when called: an axis twice
@example(({"axis": []}, (4, 3)))               # refused when called
@example(({"axis": 0}, (4, 3)))                # refused: the batch axis
@example(({"axis": 5}, (4, 3)))                # refused: IndexError in build
def test_layernorm_matches_keras(case):
    assert_matches_keras("LayerNormalization", *case)


@st.composite
def groupnorm_cases(draw):
    input_shape = list(some_shape(draw))
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "axis", axis_values(len(input_shape)))
    axis = kwargs.get("axis", -1)
    if -len(input_shape) <= (axis - 1 if axis > 0 else axis) < len(input_shape) and axis != 0:
        index = axis - 1 if axis > 0 else axis
        if draw(st.booleans()):
            input_shape[index] = draw(st.sampled_from([32, 64, 6, 8, 12]))
        channels = input_shape[index]
        divisors = [d for d in range(1, channels + 1) if channels % d == 0]
        maybe(draw, kwargs, "groups", st.one_of(st.sampled_from(divisors), st.integers(1, 9), st.just(-1)))
    maybe(draw, kwargs, "center", st.booleans())
    maybe(draw, kwargs, "scale", st.booleans())
    return kwargs, tuple(input_shape)


@settings(max_examples=70, **SETTINGS)
@given(groupnorm_cases())
@example(({}, (4, 64)))
@example(({}, (4, 16)))                                   # refused: 32 groups, 16 channels
@example(({"groups": 2, "axis": 1}, (4, 3)))
@example(({"groups": -1, "axis": -2}, (4, 3)))
@example(({"groups": 4}, (8, 6)))                         # refused: 4 does not divide 6
@example(({"groups": 3, "axis": 3}, (4, 3)))              # refused: IndexError in build
def test_groupnorm_matches_keras(case):
    assert_matches_keras("GroupNormalization", *case)


@settings(max_examples=40, **SETTINGS)
@given(st.data())
def test_unitnorm_matches_keras(data):
    input_shape = some_shape(data.draw)
    kwargs: dict[str, Any] = {}
    maybe(data.draw, kwargs, "axis", axes_argument(len(input_shape)))
    assert_matches_keras("UnitNormalization", kwargs, input_shape)


# --------------------------------------------------------------------------------------------
# PReLU, LeakyReLU, ReLU, Softmax
# --------------------------------------------------------------------------------------------


@st.composite
def prelu_cases(draw):
    input_shape = some_shape(draw)
    n = len(input_shape)
    axis = st.integers(-n - 1, n + 1)
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "shared_axes", st.one_of(axis, st.lists(axis, min_size=0, max_size=3)))
    return kwargs, input_shape


@settings(max_examples=60, **SETTINGS)
@given(prelu_cases())
@example(({"shared_axes": [1, 2]}, (4, 3, 5)))
@example(({"shared_axes": -1}, (4, 3, 5)))     # Keras: param_shape[-2] = 1
@example(({"shared_axes": 0}, (4, 3, 5)))      # Keras: param_shape[-1] = 1
@example(({"shared_axes": 4}, (4, 3, 5)))      # refused: IndexError in build
def test_prelu_matches_keras(case):
    assert_matches_keras("PReLU", *case)


slopes = st.one_of(st.floats(-1.0, 2.0, allow_nan=False), st.integers(-1, 3))


@settings(max_examples=30, **SETTINGS)
@given(st.data())
def test_leaky_relu_and_relu_match_keras(data):
    input_shape = some_shape(data.draw)
    kwargs: dict[str, Any] = {}
    if data.draw(st.booleans()):
        maybe(data.draw, kwargs, "negative_slope", slopes)
        assert_matches_keras("LeakyReLU", kwargs, input_shape)
        return
    for key in ("negative_slope", "threshold"):
        maybe(data.draw, kwargs, key, slopes)
    maybe(data.draw, kwargs, "max_value", st.one_of(st.none(), slopes))
    assert_matches_keras("ReLU", kwargs, input_shape)


@settings(max_examples=50, **SETTINGS)
@given(st.data())
def test_softmax_matches_keras(data):
    input_shape = some_shape(data.draw)
    kwargs: dict[str, Any] = {}
    maybe(data.draw, kwargs, "axis", axes_argument(len(input_shape)))
    assert_matches_keras("Softmax", kwargs, input_shape)


# --------------------------------------------------------------------------------------------
# Normalization, Rescaling, Resizing
# --------------------------------------------------------------------------------------------


def array_of(draw, shape):
    values = np.arange(1, math.prod(shape) + 1, dtype=float).reshape(shape) if shape else 2.0
    return values.tolist() if shape else values


@st.composite
def normalization_cases(draw):
    input_shape = some_shape(draw)
    n = len(input_shape)
    kwargs: dict[str, Any] = {}
    axis = draw(st.one_of(st.just(-1), st.none(), axis_values(n),
                          st.lists(axis_values(n), min_size=0, max_size=3)))
    if axis != -1 or draw(st.booleans()):
        kwargs["axis"] = axis
    if draw(st.booleans()):  # mean and variance given: a shape built from the kept axes, sometimes wrong
        axes = [] if axis is None else [axis] if isinstance(axis, int) else axis
        kept = [input_shape[(a % (n + 1)) - 1] for a in axes if -n - 1 <= a <= n and a % (n + 1) != 0]
        k = draw(st.integers(0, len(kept)))
        shape = [draw(st.sampled_from([d, d, 1, d + 1])) for d in kept[len(kept) - k:]]
        if draw(st.integers(0, 6)) == 0:
            shape = [1, *shape]  # one axis too many (sometimes)
        kwargs["mean"] = array_of(draw, shape)
        kwargs["variance"] = array_of(draw, shape if draw(st.integers(0, 8)) else shape[1:])
    return kwargs, input_shape


@settings(max_examples=70, **SETTINGS)
@given(normalization_cases())
@example(({}, (4, 3)))                                          # mean, variance (3,), count: 7
@example(({"axis": None}, (4, 3)))                              # three scalars
@example(({"axis": [1, 2]}, (4, 3)))
@example(({"axis": [2, -1]}, (4, 1)))                           # an axis twice, of length 1: (1, 1)
@example(({"axis": [2, -1]}, (4, 3)))                           # refused: RuntimeError in build
@example(({"mean": [0.5, 1, 2], "variance": [1, 2, 3]}, (4, 3)))
@example(({"mean": [0.5, 1], "variance": [1, 2]}, (4, 3)))      # refused: does not broadcast
@example(({"mean": [[0.5]], "variance": [[1]]}, (4, 3)))        # refused: more axes than axis names
@example(({"mean": 1.0}, (4, 3)))                               # refused: variance missing
@example(({"mean": [1, 2, 3, 4], "variance": [1, 2, 3, 4], "axis": [2, 1]}, (4, 3)))   # refused
def test_normalization_matches_keras(case):
    assert_matches_keras("Normalization", *case)


def test_normalization_axis_none_is_spelled_none_in_a_spec():
    """TOML has no null: a spec writes Keras's axis=None as "none"."""
    assert symparam_facts("Normalization", {"axis": "none"}, (4, 3)) == keras_verdict(
        "Normalization", {"axis": None}, (4, 3))[0]


@st.composite
def rescaling_cases(draw):
    input_shape = some_shape(draw)
    batched = (BATCH, *input_shape)
    kwargs: dict[str, Any] = {"scale": 0.5}
    for key in ("scale", "offset"):
        if draw(st.booleans()):
            rank = draw(st.integers(0, len(batched)))
            shape = [draw(st.sampled_from([d, 1, 2] if i > 0 or rank < len(batched) else [1, 2]))
                     for i, d in enumerate(batched[len(batched) - rank:])]
            kwargs[key] = array_of(draw, shape)
        elif key == "scale":
            kwargs[key] = draw(st.sampled_from([0.5, 2, 1 / 255]))
    return kwargs, input_shape


@settings(max_examples=50, **SETTINGS)
@given(rescaling_cases())
@example(({"scale": 1 / 255}, (32, 32, 3)))
@example(({"scale": [0.5, 1, 3]}, (4, 3, 2)))                  # refused: 3 against 2
@example(({"scale": 2, "offset": [[[[[0.5, 1]]]]]}, (4, 3, 2)))  # refused: would add an axis
def test_rescaling_matches_keras(case):
    assert_matches_keras("Rescaling", *case)


@st.composite
def resizing_cases(draw):
    data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
    kwargs: dict[str, Any] = {"height": draw(st.integers(1, 9)), "width": draw(st.integers(1, 9))}
    maybe(draw, kwargs, "interpolation", st.sampled_from(["bilinear", "nearest", "bicubic", "Bilinear", "area"]))
    maybe(draw, kwargs, "crop_to_aspect_ratio", st.booleans())
    maybe(draw, kwargs, "pad_to_aspect_ratio", st.booleans())
    maybe(draw, kwargs, "fill_mode", st.sampled_from(["constant", "reflect"]))
    if data_format:
        kwargs["data_format"] = data_format
    rank = draw(st.sampled_from([3, 3, 3, 3, 1, 2, 4]))  # images; sometimes a rank Keras cannot call
    return kwargs, tuple(draw(st.lists(st.integers(1, 6), min_size=rank, max_size=rank)))


@settings(max_examples=50, **SETTINGS)
@given(resizing_cases())
@example(({"height": 5, "width": 7}, (4, 3, 2)))
@example(({"height": 5, "width": 7, "data_format": "channels_first"}, (4, 3, 2)))
@example(({"height": 5, "width": 7, "crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True}, (4, 3, 2)))
@example(({"height": 5, "width": 7, "interpolation": "lanczos5"}, (4, 3, 2)))  # torch backend gap
def test_resizing_matches_keras(case):
    assert_matches_keras("Resizing", *case)


def test_resizing_a_two_axis_input():
    """Keras calls a 2-axis input as one image whose first axis is the batch. channels_last: it declares (width,
    channels) but the call resizes the batch axis -- a refusal, and symparam refuses. channels_first: the batch
    axis plays the channels and each example is resized to (height, width), as declared."""
    facts, refusal = keras_verdict("Resizing", {"height": 5, "width": 7}, (4, 3))
    assert facts.output_shape == (7, 3) and "not the declared" in refusal
    assert_matches_keras("Resizing", {"height": 5, "width": 7}, (4, 3))
    assert_matches_keras("Resizing", {"height": 5, "width": 7, "data_format": "channels_first"}, (4, 3))
    assert symparam_facts("Resizing", {"height": 5, "width": 7, "data_format": "channels_first"}, (4, 3)) \
        .output_shape == (5, 7)


# --------------------------------------------------------------------------------------------
# Symbolic sizes: the same rules as expressions
# --------------------------------------------------------------------------------------------


@st.composite
def any_case(draw):
    """A generated case of one of this module's kinds."""
    pick = draw(st.sampled_from(["transpose", "depthwise", "padding", "layernorm", "groupnorm", "prelu",
                                 "normalization", "rescaling", "resizing", "permute"]))
    if pick == "transpose":
        rank = draw(st.integers(1, 3))
        return f"Conv{rank}DTranspose", *draw(transpose_cases(rank))
    if pick == "depthwise":
        rank, separable = draw(st.integers(1, 2)), draw(st.booleans())
        return f"{'SeparableConv' if separable else 'DepthwiseConv'}{rank}D", *draw(depthwise_cases(rank, separable))
    if pick == "padding":
        family, rank = draw(st.sampled_from(["ZeroPadding", "Cropping", "UpSampling"])), draw(st.integers(1, 3))
        return f"{family}{rank}D", *draw(padding_cases(family, rank))
    strategies = {"layernorm": ("LayerNormalization", layernorm_cases), "groupnorm": ("GroupNormalization",
                  groupnorm_cases), "prelu": ("PReLU", prelu_cases), "normalization": ("Normalization",
                  normalization_cases), "rescaling": ("Rescaling", rescaling_cases), "resizing": ("Resizing",
                  resizing_cases), "permute": ("Permute", permute_cases)}
    name, strategy = strategies[pick]
    return name, *draw(strategy())


def derived_then_bound(type_name, kwargs, input_shape):
    """Derive the layer on symbolic input sizes s0, s1, ..., then bind them to input_shape's numbers."""
    from symparam.engine import bind, derive
    from symparam.spec import from_dict

    names = [f"s{i}" for i in range(len(input_shape))]
    document = {"network": {"input": names}, "layers": [{"type": type_name, **kwargs}]}
    net = derive(from_dict(document, "<symbolic>"))
    return bind(net, dict(zip(names, input_shape))).layers[0]


@settings(max_examples=80, **SETTINGS)
@given(any_case())
def test_symbolic_input_sizes_agree_with_numbers(case):
    """The expressions symparam derives on symbolic input sizes give, once bound, exactly what it derives on the
    numbers -- and a case it refuses on numbers is refused when derived or bound symbolically."""
    type_name, kwargs, input_shape = case
    try:
        expected = symparam_facts(type_name, kwargs, input_shape)
    except SymparamError:
        with pytest.raises(SymparamError):
            derived_then_bound(type_name, kwargs, input_shape)
        return
    rec = derived_then_bound(type_name, kwargs, input_shape)
    assert tuple(int(d) for d in rec.output_shape) == expected.output_shape
    assert tuple((v.name, tuple(int(d) for d in v.shape), v.trainable) for v in rec.variables) == expected.variables


def test_symbolic_transposed_length():
    import sympy

    rec = layer_record("Conv2DTranspose", {"filters": "F", "kernel_size": "k", "strides": "s", "padding": "same",
                                           "output_padding": 0}, ("n", "n", "c"))
    n, k, s = (next(x for x in rec.output_shape[0].free_symbols if x.name == name) for name in ("n", "k", "s"))
    assert sympy.simplify(rec.output_shape[0] - ((n - 1) * s + sympy.Mod(k, 2))) == 0
    assert {c.key for c in rec.conditions} >= {"output_padding"}   # 0 < s, and the length >= 1
    rec = layer_record("Conv1DTranspose", {"filters": 2, "kernel_size": "k", "strides": "s"}, ("n", 3))
    n, k, s = (next(x for x in rec.output_shape[0].free_symbols if x.name == name) for name in ("n", "k", "s"))
    assert rec.output_shape[0] == (n - 1) * s + sympy.Max(k, s)


def test_symbolic_group_norm_records_the_divisibility():
    rec = layer_record("GroupNormalization", {"groups": "g"}, ("h", "c"))
    assert {c.key for c in rec.conditions} >= {"groups"}
    assert [v.name for v in rec.variables] == ["gamma", "beta"]
