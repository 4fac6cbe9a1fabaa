"""PyTorch is the oracle for the torch dialect's basic layers: for every generated configuration symparam must
report exactly what live torch builds and computes -- named_parameters() (name, shape, requires_grad) and
named_buffers() (name, shape) in order, the parameter, trainable and buffer counts, and the output shape of a real
forward pass -- and must refuse exactly the configurations torch refuses (at construction or in forward).

Two deliberate differences, each asserted rather than skipped:
- torch lets some layers output an axis of length 0 (a transposed convolution that shrinks to nothing); symparam
  requires every length to be at least 1, so it must refuse those.
- nn.Flatten with start_dim 0 merges the batch axis into the others; an output without a batch axis cannot be
  described by a batch-less shape, so symparam must refuse it (start_dim = end_dim = 0 changes nothing and is
  accepted).

See tests/oracle/torch_facts.py. The module is skipped when torch is absent.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="the torch oracle needs torch (pip install '.[oracle]')")

from hypothesis import HealthCheck, currently_in_test_context, event, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (tests/ on sys.path)
    from tests.oracle.torch_facts import TorchFacts, TorchRefused, torch_layer_facts
except ImportError:  # pragma: no cover - depends on how pytest put tests/ on sys.path
    from oracle.torch_facts import TorchFacts, TorchRefused, torch_layer_facts

from symparam.api import layer_record  # noqa: E402
from symparam.errors import SymparamError  # noqa: E402

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def symparam_facts(type_name: str, kwargs: dict[str, Any], input_shape: tuple[int, ...]) -> TorchFacts:
    rec = layer_record(f"nn.{type_name}", kwargs, input_shape, convention="torch")
    params = tuple((v.name, tuple(int(d) for d in v.shape), bool(v.trainable)) for v in rec.variables if not v.buffer)
    buffers = tuple((v.name, tuple(int(d) for d in v.shape)) for v in rec.variables if v.buffer)
    return TorchFacts(tuple(int(d) for d in rec.output_shape), params, buffers, int(rec.params), int(rec.trainable),
                      int(rec.buffers))


def note(outcome: str) -> None:
    if currently_in_test_context():
        event(outcome)


def assert_matches_torch(type_name: str, kwargs: dict[str, Any], input_shape) -> None:
    """symparam agrees with torch on this case: the same facts, or both refuse."""
    input_shape = tuple(input_shape)
    case = f"layer_record('nn.{type_name}', {kwargs!r}, {input_shape!r}, convention='torch')"
    try:
        expected = torch_layer_facts(type_name, kwargs, input_shape)
    except TorchRefused as refused:
        note("torch refuses")
        try:
            got = symparam_facts(type_name, kwargs, input_shape)
        except SymparamError:
            return
        pytest.fail(f"torch refuses but symparam accepts: {case}\n  torch: {refused}\n  symparam: {got}")
    try:
        got = symparam_facts(type_name, kwargs, input_shape)
    except SymparamError as exc:
        if 0 in expected.output_shape:
            note("torch: empty output, symparam refuses")
            return
        pytest.fail(f"torch accepts but symparam refuses: {case}\n  symparam: {exc}\n  torch: {expected}")
    assert 0 not in expected.output_shape, f"torch outputs an empty axis, symparam accepts: {case}\n  {got}"
    note("torch accepts")
    assert got.parameters == expected.parameters, f"parameters differ for {case}"
    assert got.buffers == expected.buffers, f"buffers differ for {case}"
    assert got.output_shape == expected.output_shape, f"output shape differs for {case}"
    assert (got.params, got.trainable, got.buffer_count) == (expected.params, expected.trainable,
                                                             expected.buffer_count), f"counts differ for {case}"


# --------------------------------------------------------------------------------------------------------------
# Strategy helpers
# --------------------------------------------------------------------------------------------------------------

def maybe(draw, kwargs: dict, key: str, strategy) -> None:
    """Set kwargs[key] from strategy, or leave it out so torch's default applies."""
    if draw(st.booleans()):
        kwargs[key] = draw(strategy)


def per_axis(rank: int, low: int, high: int):
    """An int, or a list of `rank` ints, drawn uniformly (integers() favours the small end)."""
    values = st.sampled_from(range(low, high + 1))
    return st.one_of(values, st.lists(values, min_size=rank, max_size=rank))


def checked_size(draw, kwargs: dict, key: str, actual: int) -> None:
    """An in_channels-like argument: left out, given right, or (now and then) given wrong."""
    choice = draw(st.sampled_from(["absent", "absent", "right", "right", "wrong"]))
    if choice == "right":
        kwargs[key] = actual
    elif choice == "wrong":
        kwargs[key] = draw(st.integers(1, 8).filter(lambda n: n != actual))


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


SPATIAL_MAX = {1: 10, 2: 8, 3: 6}
RANKS = pytest.mark.parametrize("rank", [1, 2, 3])


# --------------------------------------------------------------------------------------------------------------
# Linear
# --------------------------------------------------------------------------------------------------------------

@st.composite
def linear_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=3)))
    kwargs: dict[str, Any] = {"out_features": draw(st.integers(1, 6))}
    checked_size(draw, kwargs, "in_features", shape[-1])
    maybe(draw, kwargs, "bias", st.booleans())
    return kwargs, shape


@settings(max_examples=50, **SETTINGS)
@given(linear_cases())
@example(({"in_features": 256, "out_features": 10}, (256,)))
@example(({"in_features": 4, "out_features": 3}, (5,)))   # refused: in_features is not the last axis
def test_linear_matches_torch(case):
    assert_matches_torch("Linear", *case)


# --------------------------------------------------------------------------------------------------------------
# Conv / ConvTranspose 1d-3d
# --------------------------------------------------------------------------------------------------------------

@st.composite
def conv_cases(draw, rank: int, transposed: bool):
    c_in, c_out = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    common = divisors(math.gcd(c_in, c_out))
    groups = draw(st.one_of(st.sampled_from(common), st.sampled_from(common), st.integers(1, 4)))
    spatial = draw(st.lists(st.integers(1, SPATIAL_MAX[rank]), min_size=rank, max_size=rank))
    kwargs: dict[str, Any] = {"out_channels": c_out, "kernel_size": draw(per_axis(rank, 1, 4))}
    checked_size(draw, kwargs, "in_channels", c_in)
    maybe(draw, kwargs, "stride", per_axis(rank, 1, 3))
    maybe(draw, kwargs, "dilation", per_axis(rank, 1, 3))
    if transposed:
        maybe(draw, kwargs, "padding", per_axis(rank, 0, 2))
        maybe(draw, kwargs, "output_padding", per_axis(rank, 0, 2))
    else:
        padding = st.one_of(st.sampled_from(["same", "valid"]), per_axis(rank, 0, 3))
        maybe(draw, kwargs, "padding", padding)
        maybe(draw, kwargs, "padding_mode", st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    if groups != 1 or draw(st.booleans()):
        kwargs["groups"] = groups
    maybe(draw, kwargs, "bias", st.booleans())
    return kwargs, (c_in, *spatial)


@RANKS
@settings(max_examples=60, **SETTINGS)
@given(data=st.data())
def test_conv_matches_torch(rank, data):
    assert_matches_torch(f"Conv{rank}d", *data.draw(conv_cases(rank, transposed=False)))


@RANKS
@settings(max_examples=50, **SETTINGS)
@given(data=st.data())
def test_conv_transpose_matches_torch(rank, data):
    assert_matches_torch(f"ConvTranspose{rank}d", *data.draw(conv_cases(rank, transposed=True)))


@pytest.mark.parametrize("type_name, kwargs, shape", [
    ("Conv2d", {"in_channels": 3, "out_channels": 32, "kernel_size": 3, "padding": 1}, (3, 32, 32)),
    ("Conv1d", {"out_channels": 2, "kernel_size": 4, "padding": "same", "dilation": 3}, (2, 5)),
    ("Conv1d", {"out_channels": 2, "kernel_size": 6, "padding": "same", "padding_mode": "reflect"}, (1, 3)),
    ("Conv1d", {"out_channels": 2, "kernel_size": 7, "padding": "same", "padding_mode": "circular"}, (1, 3)),
    ("Conv1d", {"out_channels": 2, "kernel_size": 1, "padding": 3, "padding_mode": "circular"}, (1, 3)),
    ("Conv1d", {"out_channels": 2, "kernel_size": 1, "padding": 4, "padding_mode": "circular"}, (1, 3)),
    ("Conv2d", {"out_channels": 2, "kernel_size": 3, "stride": 2, "padding": "same"}, (1, 6, 6)),
    ("Conv2d", {"out_channels": 6, "kernel_size": 1, "groups": 4}, (4, 3, 3)),
    ("Conv3d", {"out_channels": 4, "kernel_size": [1, 2, 3], "stride": [1, 2, 3], "groups": 2}, (2, 4, 5, 6)),
    ("ConvTranspose2d", {"out_channels": 4, "kernel_size": 3, "stride": [1, 2], "output_padding": [0, 1],
                         "groups": 2}, (2, 2, 6)),
    ("ConvTranspose1d", {"out_channels": 2, "kernel_size": 3, "stride": 1, "output_padding": 1}, (2, 4)),
    ("ConvTranspose1d", {"out_channels": 2, "kernel_size": 3, "stride": 2, "output_padding": 2, "dilation": 3},
     (2, 4)),
    ("ConvTranspose1d", {"out_channels": 1, "kernel_size": 1, "padding": 1}, (1, 2)),   # torch: length 0
    ("ConvTranspose1d", {"out_channels": 1, "kernel_size": 1, "padding": 1}, (1, 1)),   # torch: refused
    ("ConvTranspose1d", {"out_channels": 1, "kernel_size": 3, "padding_mode": "reflect"}, (1, 4)),
])
def test_conv_corners_match_torch(type_name, kwargs, shape):
    assert_matches_torch(type_name, kwargs, shape)


# --------------------------------------------------------------------------------------------------------------
# Normalizations
# --------------------------------------------------------------------------------------------------------------

NORM_RANKS = {"BatchNorm1d": (0, 1), "BatchNorm2d": (2,), "BatchNorm3d": (3,), "InstanceNorm1d": (1,),
              "InstanceNorm2d": (2,), "InstanceNorm3d": (3,)}


@st.composite
def norm_cases(draw, type_name: str):
    c = draw(st.integers(1, 6))
    n_spatial = draw(st.sampled_from(NORM_RANKS[type_name]))
    shape = (c, *draw(st.lists(st.integers(1, 4), min_size=n_spatial, max_size=n_spatial)))
    kwargs: dict[str, Any] = {}
    checked_size(draw, kwargs, "num_features", c)
    for key in ("affine", "track_running_stats", "bias"):
        maybe(draw, kwargs, key, st.booleans())
    maybe(draw, kwargs, "momentum", st.sampled_from([None, 0.1, 0.5]))
    return kwargs, shape


@pytest.mark.parametrize("type_name", sorted(NORM_RANKS))
@settings(max_examples=40, **SETTINGS)
@given(data=st.data())
def test_batch_and_instance_norm_match_torch(type_name, data):
    assert_matches_torch(type_name, *data.draw(norm_cases(type_name)))


@pytest.mark.parametrize("type_name, kwargs, shape", [
    ("InstanceNorm1d", {"num_features": 3}, (3, 1)),                                  # one position: refused
    ("InstanceNorm1d", {"num_features": 3, "track_running_stats": True}, (3, 1)),
    ("InstanceNorm1d", {"num_features": 3}, (4, 2)),                                  # torch only warns
    ("InstanceNorm1d", {"num_features": 3, "affine": True}, (4, 2)),
    ("BatchNorm1d", {"num_features": 3, "affine": True, "bias": False}, (3,)),
])
def test_norm_corners_match_torch(type_name, kwargs, shape):
    assert_matches_torch(type_name, kwargs, shape)


@st.composite
def layer_norm_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    k = draw(st.integers(1, len(shape)))
    normalized = list(shape[len(shape) - k:])
    if draw(st.integers(0, 4)) == 0:   # now and then a mismatch
        normalized[0] = draw(st.integers(1, 5))
    kwargs: dict[str, Any] = {"normalized_shape": normalized[0] if k == 1 and draw(st.booleans()) else normalized}
    maybe(draw, kwargs, "elementwise_affine", st.booleans())
    maybe(draw, kwargs, "bias", st.booleans())
    return kwargs, shape


@settings(max_examples=50, **SETTINGS)
@given(layer_norm_cases())
def test_layer_norm_matches_torch(case):
    assert_matches_torch("LayerNorm", *case)


@st.composite
def group_norm_cases(draw):
    c = draw(st.integers(1, 8))
    shape = (c, *draw(st.lists(st.integers(1, 4), max_size=2)))
    kwargs: dict[str, Any] = {"num_groups": draw(st.one_of(st.sampled_from(divisors(c)), st.integers(1, 4)))}
    checked_size(draw, kwargs, "num_channels", c)
    maybe(draw, kwargs, "affine", st.booleans())
    maybe(draw, kwargs, "bias", st.booleans())
    return kwargs, shape


@settings(max_examples=50, **SETTINGS)
@given(group_norm_cases())
def test_group_norm_matches_torch(case):
    assert_matches_torch("GroupNorm", *case)


# --------------------------------------------------------------------------------------------------------------
# Embeddings, PReLU
# --------------------------------------------------------------------------------------------------------------

@st.composite
def embedding_cases(draw, bag: bool):
    n = draw(st.integers(1, 10))
    kwargs: dict[str, Any] = {"num_embeddings": n, "embedding_dim": draw(st.integers(1, 6))}
    maybe(draw, kwargs, "padding_idx", st.one_of(st.none(), st.integers(-12, 12)))
    maybe(draw, kwargs, "max_norm", st.sampled_from([None, 1.0]))
    if bag:
        maybe(draw, kwargs, "mode", st.sampled_from(["sum", "mean", "max"]))
        maybe(draw, kwargs, "include_last_offset", st.booleans())
        shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=1)))
    else:
        maybe(draw, kwargs, "_freeze", st.booleans())
        shape = tuple(draw(st.lists(st.integers(1, 5), max_size=3)))
    return kwargs, shape


@settings(max_examples=50, **SETTINGS)
@given(embedding_cases(bag=False))
def test_embedding_matches_torch(case):
    assert_matches_torch("Embedding", *case)


@settings(max_examples=40, **SETTINGS)
@given(embedding_cases(bag=True))
@example(({"num_embeddings": 5, "embedding_dim": 3}, (4, 2)))      # a bag per sample is one axis: refused
@example(({"num_embeddings": 5, "embedding_dim": 3}, ()))          # torch would need offsets: refused
def test_embedding_bag_matches_torch(case):
    assert_matches_torch("EmbeddingBag", *case)


@st.composite
def prelu_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 5), max_size=3)))
    channels = shape[0] if shape else 1
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "num_parameters", st.sampled_from([1, channels, channels, 2, 3]))
    return kwargs, shape


@settings(max_examples=40, **SETTINGS)
@given(prelu_cases())
def test_prelu_matches_torch(case):
    assert_matches_torch("PReLU", *case)


# --------------------------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------------------------

@st.composite
def pool_cases(draw, rank: int, op: str):
    shape = (draw(st.integers(1, 4)), *draw(st.lists(st.integers(1, SPATIAL_MAX[rank]), min_size=rank,
                                                     max_size=rank)))
    kwargs: dict[str, Any] = {"kernel_size": draw(per_axis(rank, 1, 4))}
    maybe(draw, kwargs, "stride", st.one_of(st.none(), per_axis(rank, 1, 3)))
    maybe(draw, kwargs, "padding", per_axis(rank, 0, 2))
    maybe(draw, kwargs, "ceil_mode", st.booleans())
    if op == "Max":
        maybe(draw, kwargs, "dilation", per_axis(rank, 1, 3))
        maybe(draw, kwargs, "return_indices", st.booleans())
    else:
        maybe(draw, kwargs, "count_include_pad", st.booleans())
        if rank > 1:
            maybe(draw, kwargs, "divisor_override", st.one_of(st.none(), st.integers(1, 3)))
    return kwargs, shape


@RANKS
@pytest.mark.parametrize("op", ["Max", "Avg"])
@settings(max_examples=50, **SETTINGS)
@given(data=st.data())
def test_pool_matches_torch(rank, op, data):
    assert_matches_torch(f"{op}Pool{rank}d", *data.draw(pool_cases(rank, op)))


@pytest.mark.parametrize("type_name, kwargs, shape", [
    ("MaxPool1d", {"kernel_size": 3, "ceil_mode": True}, (1, 2)),                 # a window past the end
    ("MaxPool1d", {"kernel_size": 3}, (1, 2)),                                    # refused
    ("MaxPool1d", {"kernel_size": 3, "stride": 2, "ceil_mode": True}, (1, 5)),
    ("MaxPool1d", {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True}, (1, 5)),
    ("AvgPool1d", {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True}, (1, 4)),
    ("MaxPool1d", {"kernel_size": 3, "padding": 2}, (1, 10)),                     # padding > k/2: refused
    ("MaxPool2d", {"kernel_size": 2, "padding": 1, "dilation": 2}, (1, 5, 5)),
    ("AvgPool2d", {"kernel_size": 3, "divisor_override": 0}, (1, 5, 5)),          # refused
])
def test_pool_corners_match_torch(type_name, kwargs, shape):
    assert_matches_torch(type_name, kwargs, shape)


@st.composite
def adaptive_cases(draw, rank: int):
    shape = (draw(st.integers(1, 4)), *draw(st.lists(st.integers(1, 8), min_size=rank, max_size=rank)))
    sizes = st.integers(1, 6) if rank == 1 else st.one_of(st.none(), st.integers(1, 6))
    output = draw(st.integers(1, 6)) if draw(st.booleans()) else draw(st.lists(sizes, min_size=rank, max_size=rank))
    return {"output_size": output}, shape


@RANKS
@pytest.mark.parametrize("op", ["Max", "Avg"])
@settings(max_examples=25, **SETTINGS)
@given(data=st.data())
def test_adaptive_pool_matches_torch(rank, op, data):
    assert_matches_torch(f"Adaptive{op}Pool{rank}d", *data.draw(adaptive_cases(rank)))


def test_none_written_as_a_string_is_torchs_none():
    """TOML has no null: a spec writes "none" where torch takes None."""
    for type_name, kwargs, shape in [("AdaptiveAvgPool2d", {"output_size": ["none", 3]}, (2, 5, 6)),
                                     ("MaxPool2d", {"kernel_size": 2, "stride": "none"}, (1, 5, 5)),
                                     ("Softmax", {"dim": "none"}, (3, 4))]:
        as_none = {k: [None if x == "none" else x for x in v] if isinstance(v, list) else None if v == "none" else v
                   for k, v in kwargs.items()}
        assert symparam_facts(type_name, kwargs, shape) == torch_layer_facts(type_name, as_none, shape)


# --------------------------------------------------------------------------------------------------------------
# Flatten, Dropout, Identity, activations
# --------------------------------------------------------------------------------------------------------------

@st.composite
def flatten_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), max_size=3)))
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "start_dim", st.integers(-4, 3))
    maybe(draw, kwargs, "end_dim", st.integers(-4, 3))
    return kwargs, shape


@settings(max_examples=60, **SETTINGS)
@given(flatten_cases())
@example(({}, (64, 7, 7)))
@example(({"start_dim": 0, "end_dim": 0}, (3, 4)))
def test_flatten_matches_torch(case):
    kwargs, shape = case
    rank = len(shape) + 1
    start, end = kwargs.get("start_dim", 1), kwargs.get("end_dim", -1)
    if -rank <= start < rank and -rank <= end < rank and start % rank == 0 and 0 < end % rank:
        # torch merges the batch axis away; symparam refuses (see the module docstring)
        y = torch.nn.Flatten(start, end)(torch.zeros((2, *shape)))
        assert y.dim() == rank - end % rank and y.shape[0] == 2 * math.prod(shape[:end % rank])
        note("batch axis flattened: symparam refuses")
        with pytest.raises(SymparamError, match="batch axis"):
            symparam_facts("Flatten", kwargs, shape)
        return
    assert_matches_torch("Flatten", kwargs, shape)


ACTIVATIONS = ["ReLU", "GELU", "Tanh", "Sigmoid", "SiLU", "LeakyReLU", "ELU", "Softmax", "LogSoftmax", "Hardtanh",
               "ReLU6", "Mish", "Softplus", "Dropout", "Identity"]
_REAL = st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2])
ACTIVATION_ARGS = {
    "ReLU": {"inplace": st.booleans()}, "SiLU": {"inplace": st.booleans()}, "Mish": {"inplace": st.booleans()},
    "ReLU6": {"inplace": st.booleans()}, "GELU": {"approximate": st.sampled_from(["none", "tanh"])},
    "LeakyReLU": {"negative_slope": _REAL}, "ELU": {"alpha": _REAL},
    "Softmax": {"dim": st.one_of(st.none(), st.integers(-5, 4))},
    "LogSoftmax": {"dim": st.one_of(st.none(), st.integers(-5, 4))},
    "Hardtanh": {"min_val": _REAL, "max_val": _REAL}, "Softplus": {"beta": _REAL, "threshold": _REAL},
    "Dropout": {"p": st.sampled_from([0.0, 0.1, 0.5, 1.0])}, "Tanh": {}, "Sigmoid": {}, "Identity": {},
}


@pytest.mark.parametrize("type_name", ACTIVATIONS)
@settings(max_examples=20, **SETTINGS)
@given(data=st.data())
def test_activation_matches_torch(type_name, data):
    shape = tuple(data.draw(st.lists(st.integers(1, 4), max_size=3)))
    kwargs = {key: data.draw(strategy) for key, strategy in ACTIVATION_ARGS[type_name].items()
              if data.draw(st.booleans())}
    assert_matches_torch(type_name, kwargs, shape)
