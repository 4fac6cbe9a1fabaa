"""Keras 3 is the oracle: for every generated layer configuration symparam must report exactly
what real Keras builds -- the variables (name, shape, trainable) in ``layer.weights`` order, the
parameter counts, and the output shape -- and must refuse exactly the configurations Keras
refuses for a reason of geometry (strides with dilation, groups that do not divide, a valid
convolution or pooling whose output would be <= 0, a reshape that changes the size).

Keras is built symbolically (``keras.Input``, no data) on the torch backend; see
``tests/oracle/keras_facts.py``. The whole module is skipped when keras or torch is absent.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch", reason="the Keras oracle needs torch (pip install '.[oracle]')")
pytest.importorskip("keras", reason="the Keras oracle needs keras 3 (pip install '.[oracle]')")

from hypothesis import HealthCheck, currently_in_test_context, event, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (tests/ on sys.path)
    from tests.oracle.keras_facts import Facts, KerasRefused, keras_layer_facts, keras_model_facts
except ImportError:  # pragma: no cover - depends on how pytest put tests/ on sys.path
    from oracle.keras_facts import Facts, KerasRefused, keras_layer_facts, keras_model_facts

from symparam.api import layer_record  # noqa: E402
from symparam.errors import SymparamError  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------------------------
# The comparison
# --------------------------------------------------------------------------------------------


def symparam_facts(type_name: str, kwargs: dict[str, Any], input_shape: tuple[int, ...]) -> Facts:
    rec = layer_record(type_name, kwargs, input_shape)
    return Facts(
        output_shape=tuple(int(d) for d in rec.output_shape),
        variables=tuple((str(v.name), tuple(int(d) for d in v.shape), bool(v.trainable)) for v in rec.variables),
        params=int(rec.params),
        trainable=int(rec.trainable),
        non_trainable=int(rec.non_trainable),
    )


def note_outcome(outcome: str) -> None:
    """Count accepted vs refused cases in ``--hypothesis-show-statistics`` (no-op outside hypothesis)."""
    if currently_in_test_context():
        event(outcome)


def assert_matches_keras(type_name: str, kwargs: dict[str, Any], input_shape: tuple[int, ...]) -> None:
    """symparam agrees with Keras on this case: same facts, or both refuse."""
    case = f"layer_record({type_name!r}, {kwargs!r}, {input_shape!r})"
    try:
        expected = keras_layer_facts(type_name, kwargs, input_shape)
    except KerasRefused as refused:
        note_outcome("Keras refuses")
        try:
            got = symparam_facts(type_name, kwargs, input_shape)
        except SymparamError:
            return
        pytest.fail(f"Keras refuses but symparam accepts: {case}\n  Keras: {refused}\n  symparam: {got}")
    note_outcome("Keras accepts")
    try:
        got = symparam_facts(type_name, kwargs, input_shape)
    except SymparamError as exc:
        pytest.fail(f"Keras accepts but symparam refuses: {case}\n  symparam: {exc}\n  Keras: {expected}")
    assert got.variables == expected.variables, f"variables differ for {case}"
    assert got.output_shape == expected.output_shape, f"output shape differs for {case}"
    assert (got.params, got.trainable, got.non_trainable) == (
        expected.params,
        expected.trainable,
        expected.non_trainable,
    ), f"(params, trainable, non_trainable) differ for {case}"


# --------------------------------------------------------------------------------------------
# Strategy helpers
# --------------------------------------------------------------------------------------------

DATA_FORMATS = ["channels_last", "channels_first"]


def with_optional(draw, kwargs: dict[str, Any], key: str, strategy) -> None:
    """Set ``kwargs[key]`` from ``strategy``, or leave it out so the Keras default applies."""
    if draw(st.booleans()):
        kwargs[key] = draw(strategy)


def int_or_list(draw, n: int, low: int, high: int):
    """An int, or a list of ``n`` ints (TOML has no tuples). Values are drawn uniformly
    (``sampled_from``) rather than with ``integers``' bias to small values, so that strides and
    dilations > 1 are common."""
    values = st.sampled_from(range(low, high + 1))
    if draw(st.booleans()):
        return draw(values)
    return draw(st.lists(values, min_size=n, max_size=n))


def image_shape(spatial: list[int], channels: int, data_format: str | None) -> tuple[int, ...]:
    if data_format == "channels_first":
        return (channels, *spatial)
    return (*spatial, channels)


# --------------------------------------------------------------------------------------------
# Dense
# --------------------------------------------------------------------------------------------


@st.composite
def dense_cases(draw):
    input_shape = tuple(draw(st.lists(st.integers(1, 8), min_size=1, max_size=3)))
    kwargs: dict[str, Any] = {"units": draw(st.integers(1, 8))}
    with_optional(draw, kwargs, "use_bias", st.booleans())
    with_optional(draw, kwargs, "lora_rank", st.integers(1, 4))
    return kwargs, input_shape


@settings(max_examples=200, **SETTINGS)
@given(dense_cases())
@example(({"units": 10}, (256,)))
@example(({"units": 3, "use_bias": False}, (4, 5)))
@example(({"units": 4, "lora_rank": 2}, (2, 3, 5)))
@example(({"units": 1, "use_bias": False, "lora_rank": 4}, (7,)))
def test_dense_matches_keras(case):
    kwargs, input_shape = case
    assert_matches_keras("Dense", kwargs, input_shape)


# --------------------------------------------------------------------------------------------
# Conv1D / Conv2D / Conv3D
# --------------------------------------------------------------------------------------------


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


@st.composite
def conv_cases(draw, rank: int):
    data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
    channels = draw(st.integers(1, 8))
    filters = draw(st.integers(1, 8))
    common = divisors(math.gcd(channels, filters))
    # mostly a groups that divides both (accepted), sometimes any small groups (may be refused)
    groups = draw(st.one_of(st.sampled_from(common), st.sampled_from(common), st.integers(1, 4)))
    spatial = draw(st.lists(st.integers(1, 12), min_size=rank, max_size=rank))
    paddings = ["valid", "same", "causal"] if rank == 1 else ["valid", "same"]

    kwargs: dict[str, Any] = {"filters": filters, "kernel_size": int_or_list(draw, rank, 1, 4)}
    if draw(st.booleans()):
        kwargs["strides"] = int_or_list(draw, rank, 1, 3)
    with_optional(draw, kwargs, "padding", st.sampled_from(paddings))
    if draw(st.booleans()):
        kwargs["dilation_rate"] = int_or_list(draw, rank, 1, 3)
    if groups != 1 or draw(st.booleans()):
        kwargs["groups"] = groups
    with_optional(draw, kwargs, "use_bias", st.booleans())
    if data_format is not None:
        kwargs["data_format"] = data_format
    return kwargs, image_shape(spatial, channels, data_format)


@settings(max_examples=400, **SETTINGS)
@given(conv_cases(1))
@example(({"filters": 3, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (10, 4)))
@example(({"filters": 2, "kernel_size": 4, "padding": "causal", "strides": 3}, (11, 1)))
@example(({"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (7, 2)))
@example(({"filters": 4, "kernel_size": [2], "padding": "causal", "data_format": "channels_first"}, (3, 5)))
@example(({"filters": 6, "kernel_size": 1, "groups": 3, "use_bias": False}, (5, 6)))
@example(({"filters": 3, "kernel_size": 2, "strides": 3, "padding": "same", "data_format": "channels_first"}, (2, 11)))
@example(({"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, (9, 2)))  # refused
@example(({"filters": 2, "kernel_size": 4}, (3, 2)))  # refused: valid output 0
def test_conv1d_matches_keras(case):
    kwargs, input_shape = case
    assert_matches_keras("Conv1D", kwargs, input_shape)


@settings(max_examples=500, **SETTINGS)
@given(conv_cases(2))
@example(({"filters": 32, "kernel_size": 3, "padding": "same"}, (32, 32, 3)))
@example(({"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (7, 7, 3)))
@example(({"filters": 4, "kernel_size": [2, 3], "strides": [2, 3], "padding": "same"}, (7, 11, 1)))
@example(({"filters": 4, "kernel_size": [2, 3], "data_format": "channels_first"}, (3, 9, 8)))
@example(({"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same", "data_format": "channels_first"}, (2, 7, 9)))
@example(({"filters": 6, "kernel_size": 3, "groups": 3}, (8, 8, 6)))
@example(({"filters": 8, "kernel_size": 2, "groups": 4, "data_format": "channels_first"}, (4, 5, 5)))
@example(({"filters": 4, "kernel_size": 1, "groups": 2}, (5, 5, 3)))  # refused: groups vs channels
@example(({"filters": 3, "kernel_size": 1, "groups": 2}, (5, 5, 4)))  # refused: groups vs filters
@example(({"filters": 2, "kernel_size": 3, "strides": [1, 2], "dilation_rate": [2, 1]}, (9, 9, 2)))  # refused
@example(({"filters": 2, "kernel_size": 3, "dilation_rate": 3}, (7, 6, 1)))  # refused: 6 - 6 - 1 < 0
@example(({"filters": 2, "kernel_size": 3, "dilation_rate": 3}, (7, 7, 1)))  # accepted: output 1x1
def test_conv2d_matches_keras(case):
    kwargs, input_shape = case
    assert_matches_keras("Conv2D", kwargs, input_shape)


@settings(max_examples=300, **SETTINGS)
@given(conv_cases(3))
@example(({"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (5, 7, 9, 2)))
@example(({"filters": 4, "kernel_size": [1, 2, 3], "data_format": "channels_first"}, (2, 4, 5, 6)))
@example(({"filters": 2, "kernel_size": 2, "strides": [1, 2, 3], "padding": "same", "data_format": "channels_first"}, (1, 5, 5, 5)))
@example(({"filters": 4, "kernel_size": 2, "groups": 2, "use_bias": False}, (3, 3, 3, 2)))
@example(({"filters": 1, "kernel_size": [3, 1, 1]}, (2, 5, 5, 1)))  # refused: valid output 0
def test_conv3d_matches_keras(case):
    kwargs, input_shape = case
    assert_matches_keras("Conv3D", kwargs, input_shape)


# --------------------------------------------------------------------------------------------
# MaxPooling / AveragePooling 1D/2D/3D
# --------------------------------------------------------------------------------------------


@st.composite
def pooling_cases(draw, rank: int, kind: str):
    data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
    channels = draw(st.integers(1, 8))
    spatial = draw(st.lists(st.integers(1, 12), min_size=rank, max_size=rank))
    kwargs: dict[str, Any] = {}
    # Keras defaults pool_size only for MaxPooling; AveragePoolingND requires it.
    if kind == "AveragePooling" or draw(st.booleans()):
        kwargs["pool_size"] = int_or_list(draw, rank, 1, 4)
    strides_choice = draw(st.sampled_from(["absent", "none", "given"]))
    if strides_choice == "none":
        kwargs["strides"] = None
    elif strides_choice == "given":
        kwargs["strides"] = int_or_list(draw, rank, 1, 3)
    with_optional(draw, kwargs, "padding", st.sampled_from(["valid", "same"]))
    if data_format is not None:
        kwargs["data_format"] = data_format
    return kwargs, image_shape(spatial, channels, data_format)


POOL_KINDS = pytest.mark.parametrize("kind", ["MaxPooling", "AveragePooling"])


@POOL_KINDS
@pytest.mark.parametrize("rank", [1, 2, 3])
@settings(max_examples=130, **SETTINGS)
@given(data=st.data())
def test_pooling_matches_keras(kind, rank, data):
    kwargs, input_shape = data.draw(pooling_cases(rank, kind), label="case")
    assert_matches_keras(f"{kind}{rank}D", kwargs, input_shape)


POOLING_EDGE_CASES = [
    # kwargs, input shape (rank from its length: 1 + pooled dims)
    ({"pool_size": 3, "strides": 2, "padding": "same"}, (7, 2)),  # same, stride > 1, odd size
    ({"pool_size": [2], "strides": None, "data_format": "channels_first"}, (3, 9)),
    ({"pool_size": 4}, (3, 1)),  # refused: valid output 0
    ({"pool_size": 2}, (32, 32, 64)),
    ({"pool_size": 3, "strides": 2, "padding": "same"}, (7, 7, 2)),
    ({"pool_size": [2, 3], "strides": [1, 2], "padding": "same", "data_format": "channels_first"}, (2, 7, 8)),
    ({"pool_size": [1, 4]}, (5, 3, 1)),  # refused: valid output 0
    ({"pool_size": 5, "padding": "same"}, (3, 3, 1)),  # window larger than the input, same padding
    ({"pool_size": 2, "strides": 1, "padding": "valid"}, (3, 4, 5, 2)),
    ({"pool_size": [3, 1, 2], "strides": 2, "padding": "same", "data_format": "channels_first"}, (1, 5, 5, 5)),
]


@POOL_KINDS
@pytest.mark.parametrize("kwargs, input_shape", POOLING_EDGE_CASES)
def test_pooling_edge_cases(kind, kwargs, input_shape):
    assert_matches_keras(f"{kind}{len(input_shape) - 1}D", kwargs, input_shape)


@pytest.mark.parametrize("input_shape", [(5, 1), (5, 5, 1), (5, 6, 7, 2)])
def test_max_pooling_default_pool_size(input_shape):
    assert_matches_keras(f"MaxPooling{len(input_shape) - 1}D", {}, input_shape)


# --------------------------------------------------------------------------------------------
# GlobalAveragePooling / GlobalMaxPooling 1D/2D/3D
# --------------------------------------------------------------------------------------------


@st.composite
def global_pooling_cases(draw, rank: int):
    data_format = draw(st.sampled_from([None, *DATA_FORMATS]))
    channels = draw(st.integers(1, 8))
    spatial = draw(st.lists(st.integers(1, 12), min_size=rank, max_size=rank))
    kwargs: dict[str, Any] = {}
    with_optional(draw, kwargs, "keepdims", st.booleans())
    if data_format is not None:
        kwargs["data_format"] = data_format
    return kwargs, image_shape(spatial, channels, data_format)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("kind", ["GlobalAveragePooling", "GlobalMaxPooling"])
@settings(max_examples=25, **SETTINGS)
@given(data=st.data())
def test_global_pooling_matches_keras(kind, rank, data):
    kwargs, input_shape = data.draw(global_pooling_cases(rank), label="case")
    assert_matches_keras(f"{kind}{rank}D", kwargs, input_shape)


@pytest.mark.parametrize(
    "type_name, kwargs, input_shape",
    [
        ("GlobalAveragePooling2D", {}, (8, 8, 256)),
        ("GlobalAveragePooling2D", {"keepdims": True, "data_format": "channels_first"}, (3, 5, 7)),
        ("GlobalMaxPooling1D", {"keepdims": True}, (9, 4)),
        ("GlobalMaxPooling3D", {"data_format": "channels_first"}, (2, 3, 4, 5)),
    ],
)
def test_global_pooling_examples(type_name, kwargs, input_shape):
    assert_matches_keras(type_name, kwargs, input_shape)


# --------------------------------------------------------------------------------------------
# Flatten, Reshape, Dropout, Activation
# --------------------------------------------------------------------------------------------


@st.composite
def flatten_cases(draw):
    input_shape = tuple(draw(st.lists(st.integers(1, 8), min_size=1, max_size=4)))
    kwargs: dict[str, Any] = {}
    with_optional(draw, kwargs, "data_format", st.sampled_from(DATA_FORMATS))
    return kwargs, input_shape


@settings(max_examples=60, **SETTINGS)
@given(flatten_cases())
@example(({}, (7,)))
@example(({"data_format": "channels_first"}, (3, 4, 5)))
def test_flatten_matches_keras(case):
    kwargs, input_shape = case
    assert_matches_keras("Flatten", kwargs, input_shape)


@st.composite
def reshape_cases(draw):
    input_shape = tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=3)))
    total = math.prod(input_shape)
    # a factorisation of the total size ...
    rank = draw(st.integers(1, 4))
    target: list[int] = []
    remaining = total
    for _ in range(rank - 1):
        d = draw(st.sampled_from(divisors(remaining)))
        target.append(d)
        remaining //= d
    target.append(remaining)
    target = draw(st.permutations(target))
    # ... with one (rarely two) dims replaced by -1, and sometimes one dim broken
    n_unknown = draw(st.sampled_from([0, 1, 1, 2])) if len(target) >= 2 else draw(st.sampled_from([0, 1]))
    for i in draw(st.permutations(range(len(target))))[:n_unknown]:
        target[i] = -1
    if draw(st.integers(0, 4)) == 0:
        known = [i for i, d in enumerate(target) if d != -1]
        if known:
            i = draw(st.sampled_from(known))
            target[i] += draw(st.integers(1, 3))
    return {"target_shape": list(target)}, input_shape


@settings(max_examples=200, **SETTINGS)
@given(reshape_cases())
@example(({"target_shape": [-1, 4]}, (2, 3, 4)))
@example(({"target_shape": [24]}, (2, 3, 4)))
@example(({"target_shape": [5, -1]}, (2, 3, 4)))  # refused: 24 not divisible by 5
@example(({"target_shape": [5, 5]}, (2, 3, 4)))  # refused: size changes
@example(({"target_shape": [-1, -1]}, (2, 3, 4)))  # refused: two unknown dims
def test_reshape_matches_keras(case):
    kwargs, input_shape = case
    assert_matches_keras("Reshape", kwargs, input_shape)


@settings(max_examples=30, **SETTINGS)
@given(
    rate=st.floats(0.0, 1.0, allow_nan=False),
    input_shape=st.lists(st.integers(1, 8), min_size=1, max_size=4).map(tuple),
)
@example(rate=0.5, input_shape=(10,))
@example(rate=0.0, input_shape=(2, 3, 4))
def test_dropout_matches_keras(rate, input_shape):
    assert_matches_keras("Dropout", {"rate": rate}, input_shape)


@settings(max_examples=30, **SETTINGS)
@given(input_shape=st.lists(st.integers(1, 8), min_size=1, max_size=4).map(tuple))
@example(input_shape=(32, 32, 3))
def test_activation_matches_keras(input_shape):
    assert_matches_keras("Activation", {"activation": "relu"}, input_shape)


# --------------------------------------------------------------------------------------------
# BatchNormalization
# --------------------------------------------------------------------------------------------


@st.composite
def batchnorm_cases(draw):
    input_shape = tuple(draw(st.lists(st.integers(1, 8), min_size=1, max_size=4)))
    n = len(input_shape)
    # Keras counts axes on the batched shape: 1..n are the non-batch axes, and so are -n..-1.
    kwargs: dict[str, Any] = {}
    with_optional(draw, kwargs, "axis", st.sampled_from([*range(1, n + 1), *range(-n, 0)]))
    with_optional(draw, kwargs, "center", st.booleans())
    with_optional(draw, kwargs, "scale", st.booleans())
    return kwargs, input_shape


@settings(max_examples=150, **SETTINGS)
@given(batchnorm_cases())
@example(({}, (8, 8, 16)))
@example(({"axis": 1}, (3, 5, 7)))  # channels_first features
@example(({"axis": -2, "center": False}, (3, 5, 7)))
@example(({"axis": 3, "scale": False}, (3, 5, 7)))
@example(({"center": False, "scale": False}, (4,)))
def test_batchnorm_matches_keras(case):
    kwargs, input_shape = case
    assert_matches_keras("BatchNormalization", kwargs, input_shape)


# --------------------------------------------------------------------------------------------
# The lesson's network, end to end through a spec file
# --------------------------------------------------------------------------------------------

LESSON_LAYERS = [
    ("Conv2D", {"filters": 32, "kernel_size": 3, "padding": "same", "activation": "relu"}),
    ("Conv2D", {"filters": 64, "kernel_size": 3, "padding": "same", "activation": "relu"}),
    ("MaxPooling2D", {"pool_size": 2}),
    ("Conv2D", {"filters": 128, "kernel_size": 3, "padding": "same", "activation": "relu"}),
    ("Conv2D", {"filters": 256, "kernel_size": 1, "padding": "same", "activation": "relu"}),
    ("GlobalAveragePooling2D", {}),
    ("Dense", {"units": 10, "activation": "relu"}),
    ("Dense", {"units": 10, "activation": "softmax"}),
]
LESSON_SPEC = REPO / "examples" / "cnn.toml"
NOT_KERAS_LAYERS = {"Input", "InputLayer"}  # a spec may list its input; a Sequential's layers do not


def assert_network_matches_keras(derived: Any, img_size: int) -> None:
    keras_layers, keras_total = keras_model_facts(LESSON_LAYERS, (img_size, img_size, 3))
    layers = [layer for layer in derived.layers if str(layer.type) not in NOT_KERAS_LAYERS]
    assert [str(layer.type) for layer in layers] == [t for t, _ in keras_layers]
    for index, (layer, (type_name, expected)) in enumerate(zip(layers, keras_layers), start=1):
        got = Facts(
            output_shape=tuple(int(d) for d in layer.output_shape),
            variables=tuple(
                (str(v.name), tuple(int(d) for d in v.shape), bool(v.trainable)) for v in layer.variables
            ),
            params=int(layer.params),
            trainable=int(layer.trainable),
            non_trainable=int(layer.non_trainable),
        )
        assert got == expected, f"layer {index} {layer.name!r} ({type_name}) differs from Keras"

    assert sum(int(layer.trainable) for layer in layers) == keras_total.trainable
    assert sum(int(layer.non_trainable) for layer in layers) == keras_total.non_trainable
    total = derived.total
    if hasattr(total, "params"):  # a totals record
        assert (int(total.params), int(total.trainable), int(total.non_trainable)) == (
            keras_total.params,
            keras_total.trainable,
            keras_total.non_trainable,
        )
    else:  # the total parameter count
        assert int(total) == keras_total.params


def test_lesson_network_matches_keras_sequential():
    from symparam.api import derive_spec_file

    _, keras_total = keras_model_facts(LESSON_LAYERS, (32, 32, 3))
    assert keras_total.params == 128_952  # the oracle itself: 896+18496+73856+33024+2570+110
    assert_network_matches_keras(derive_spec_file(str(LESSON_SPEC)), 32)


@pytest.mark.parametrize("img_size", [2, 9, 64])
def test_lesson_network_at_other_image_sizes(img_size):
    from symparam.api import load

    assert_network_matches_keras(load(LESSON_SPEC, img_size=img_size), img_size)


def test_lesson_network_refused_where_keras_refuses():
    """img_size = 1: the 2x2 max pooling would output 0 rows; Keras refuses to build."""
    from symparam.api import load

    with pytest.raises(ValueError):
        keras_model_facts(LESSON_LAYERS, (1, 1, 3))
    with pytest.raises(SymparamError):
        load(LESSON_SPEC, img_size=1)


# Cases where symparam once disagreed with Keras (found by probing around the generated cases); each is now
# expected to agree: the same facts, or both refuse.
@pytest.mark.parametrize("type_name, kwargs, input_shape", [
    ("AveragePooling2D", {}, (5, 5, 1)),                       # Keras: AveragePooling has no default pool_size
    ("MaxPooling2D", {"padding": "SAME"}, (5, 5, 1)),          # Keras: pooling padding is case-sensitive
    ("Conv2D", {"filters": 2, "kernel_size": 3, "padding": "SAME"}, (5, 5, 1)),  # conv padding is not
    ("Activation", {"activation": "ReLU"}, (4,)),              # Keras: unknown activation name
    ("Activation", {"activation": "gelu"}, (4,)),
    ("Dense", {"units": 3, "activation": "nonexistent"}, (4,)),
    ("Dense", {"units": 3, "lora_rank": 0}, (4,)),             # Keras: lora_rank 0 means no LoRA
    ("Conv1D", {"filters": 3, "kernel_size": 2, "lora_rank": 2}, (6, 4)),
    ("Reshape", {"target_shape": []}, (1,)),                   # Keras: an empty target shape holds one value
])
def test_former_discrepancies_match_keras(type_name, kwargs, input_shape):
    assert_matches_keras(type_name, kwargs, input_shape)
