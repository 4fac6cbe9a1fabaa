"""symparam/layers/torch_basic.py against real PyTorch: nn.Linear, convolutions and transposed convolutions,
batch/instance/layer/group norms, embeddings, PReLU, Flatten, Dropout and Identity (pooling:
test_torch_pooling.py; activations: test_torch_activations.py).

torch runs each case forward on zeros (tests/oracle/torch_facts.py); symparam must report the same
named_parameters() and named_buffers(), counts and output shape, or refuse where torch refuses (at construction or
in forward). Two deliberate differences, each asserted rather than skipped:
- torch lets some layers output an axis of length 0 (a transposed convolution that shrinks to nothing); symparam
  requires every length to be at least 1, so it must refuse those (tests/oracle/cases.py).
- nn.Flatten with start_dim 0 merges the batch axis into the others; an output without a batch axis cannot be
  described by a batch-less shape, so symparam must refuse it (start_dim = end_dim = 0 changes nothing and is
  accepted): ``flatten_check`` below.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import strategies as st

from oracle.cases import (Case, Generated, assert_matches, framework_facts, framework_tests, note, require,
                          symparam_facts)
from oracle.strategies import checked_size, divisors, maybe, per_axis
from symparam.errors import SymparamError

SPATIAL_MAX = {1: 10, 2: 8, 3: 6}
RANKS = (1, 2, 3)


@st.composite
def linear_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=3)))
    kwargs: dict[str, Any] = {"out_features": draw(st.integers(1, 6))}
    checked_size(draw, kwargs, "in_features", shape[-1])
    maybe(draw, kwargs, "bias", st.booleans())
    return Case("nn.Linear", kwargs, shape)


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
        maybe(draw, kwargs, "padding", st.one_of(st.sampled_from(["same", "valid"]), per_axis(rank, 0, 3)))
        maybe(draw, kwargs, "padding_mode", st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    if groups != 1 or draw(st.booleans()):
        kwargs["groups"] = groups
    maybe(draw, kwargs, "bias", st.booleans())
    return Case(f"nn.ConvTranspose{rank}d" if transposed else f"nn.Conv{rank}d", kwargs, (c_in, *spatial))


NORM_RANKS = {"nn.BatchNorm1d": (0, 1), "nn.BatchNorm2d": (2,), "nn.BatchNorm3d": (3,), "nn.InstanceNorm1d": (1,),
              "nn.InstanceNorm2d": (2,), "nn.InstanceNorm3d": (3,)}   # spatial axes besides the channels


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
    return Case(type_name, kwargs, shape)


@st.composite
def layer_norm_cases(draw, type_name: str = "nn.LayerNorm"):
    """nn.LayerNorm or nn.RMSNorm (no bias) over trailing axes, now and then not matching the input."""
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    k = draw(st.integers(1, len(shape)))
    normalized = list(shape[len(shape) - k:])
    if draw(st.integers(0, 4)) == 0:   # now and then a mismatch
        normalized[0] = draw(st.integers(1, 5))
    kwargs: dict[str, Any] = {"normalized_shape": normalized[0] if k == 1 and draw(st.booleans()) else normalized}
    maybe(draw, kwargs, "elementwise_affine", st.booleans())
    if type_name == "nn.LayerNorm":
        maybe(draw, kwargs, "bias", st.booleans())
    return Case(type_name, kwargs, shape)


@st.composite
def group_norm_cases(draw):
    c = draw(st.integers(1, 8))
    shape = (c, *draw(st.lists(st.integers(1, 4), max_size=2)))
    kwargs: dict[str, Any] = {"num_groups": draw(st.one_of(st.sampled_from(divisors(c)), st.integers(1, 4)))}
    checked_size(draw, kwargs, "num_channels", c)
    maybe(draw, kwargs, "affine", st.booleans())
    maybe(draw, kwargs, "bias", st.booleans())
    return Case("nn.GroupNorm", kwargs, shape)


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
    return Case("nn.EmbeddingBag" if bag else "nn.Embedding", kwargs, shape)


@st.composite
def bag_call_cases(draw):
    """nn.EmbeddingBag called as torch allows: flat indices () with offsets (), or bags (N,); per_sample_weights
    now and then (of the indices' shape, or rarely not; torch takes them with mode "sum" only), offsets now and
    then of the wrong rank. A spec's second input is the offsets for flat indices, the per-sample weights for bags
    of N: the names below are torch's keywords."""
    n = draw(st.integers(1, 10))
    kwargs: dict[str, Any] = {"num_embeddings": n, "embedding_dim": draw(st.integers(1, 6))}
    maybe(draw, kwargs, "mode", st.sampled_from(["sum", "sum", "mean", "max"]))
    maybe(draw, kwargs, "include_last_offset", st.booleans())
    maybe(draw, kwargs, "padding_idx", st.one_of(st.none(), st.integers(-12, 12)))
    flat = draw(st.booleans())
    indices = () if flat else (draw(st.integers(1, 5)),)
    inputs: dict[str, tuple] = {"input": indices}
    if flat:
        inputs["offsets"] = () if draw(st.integers(0, 5)) else (draw(st.integers(1, 3)),)
    if draw(st.booleans()):
        inputs["per_sample_weights"] = indices if draw(st.integers(0, 5)) or flat else (draw(st.integers(1, 5)),)
    return Case("nn.EmbeddingBag", kwargs, inputs)


@st.composite
def prelu_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 5), max_size=3)))
    channels = shape[0] if shape else 1
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "num_parameters", st.sampled_from([1, channels, channels, 2, 3]))
    return Case("nn.PReLU", kwargs, shape)


@st.composite
def flatten_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), max_size=3)))
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "start_dim", st.integers(-4, 3))
    maybe(draw, kwargs, "end_dim", st.integers(-4, 3))
    return Case("nn.Flatten", kwargs, shape)


def flatten_check(case: Case) -> None:
    """nn.Flatten from the batch axis on merges the batch away: torch does it, symparam refuses (see above)."""
    shape, kwargs = case.inputs, case.kwargs
    rank = len(shape) + 1
    start, end = kwargs.get("start_dim", 1), kwargs.get("end_dim", -1)
    if -rank <= start < rank and -rank <= end < rank and start % rank == 0 and 0 < end % rank:
        torch = require("torch")
        y = torch.nn.Flatten(start, end)(torch.zeros((2, *shape)))
        assert y.dim() == rank - end % rank and y.shape[0] == 2 * math.prod(shape[:end % rank])
        note("batch axis flattened: symparam refuses")
        with pytest.raises(SymparamError, match="batch axis"):
            symparam_facts(case)
        return
    assert_matches(case)


_P = st.sampled_from([0.0, 0.1, 0.5, 1.0])
ELEMENTWISE_ARGS = {"nn.Dropout": {"p": _P}, "nn.Identity": {}}   # basic kinds that pass each value on


@st.composite
def elementwise_cases(draw, type_name: str):
    shape = tuple(draw(st.lists(st.integers(1, 4), max_size=3)))
    kwargs = {key: draw(strategy) for key, strategy in ELEMENTWISE_ARGS[type_name].items() if draw(st.booleans())}
    return Case(type_name, kwargs, shape)


GENERATED = {
    "nn.Linear": Generated(linear_cases(), 50),
    **{f"nn.Conv{rank}d": Generated(conv_cases(rank, transposed=False), 60) for rank in RANKS},
    **{f"nn.ConvTranspose{rank}d": Generated(conv_cases(rank, transposed=True), 50) for rank in RANKS},
    **{type_name: Generated(norm_cases(type_name), 40) for type_name in sorted(NORM_RANKS)},
    "nn.LayerNorm": Generated(layer_norm_cases(), 50),
    "nn.RMSNorm": Generated(layer_norm_cases("nn.RMSNorm"), 40),
    "nn.GroupNorm": Generated(group_norm_cases(), 50),
    "nn.Embedding": Generated(embedding_cases(bag=False), 50),
    "nn.EmbeddingBag": Generated(st.one_of(embedding_cases(bag=True), bag_call_cases()), 80),
    "nn.PReLU": Generated(prelu_cases(), 40),
    "nn.Flatten": Generated(flatten_cases(), 60, check=flatten_check),
    **{type_name: Generated(elementwise_cases(type_name), 20) for type_name in ELEMENTWISE_ARGS},
}

EXAMPLES = [
    Case("nn.Linear", {"in_features": 256, "out_features": 10}, (256,)),
    Case("nn.Linear", {"in_features": 4, "out_features": 3}, (5,)),   # refused: in_features is not the last axis
    Case("nn.RMSNorm", {"normalized_shape": [3, 8]}, (5, 3, 8)),
    Case("nn.RMSNorm", {"normalized_shape": 8, "elementwise_affine": False}, (5, 8)),
    Case("nn.RMSNorm", {"normalized_shape": 5}, (5, 8)),              # refused: not the trailing axis
    Case("nn.Conv2d", {"in_channels": 3, "out_channels": 32, "kernel_size": 3, "padding": 1}, (3, 32, 32)),
    Case("nn.Conv1d", {"out_channels": 2, "kernel_size": 4, "padding": "same", "dilation": 3}, (2, 5)),
    Case("nn.Conv1d", {"out_channels": 2, "kernel_size": 6, "padding": "same", "padding_mode": "reflect"}, (1, 3)),
    Case("nn.Conv1d", {"out_channels": 2, "kernel_size": 7, "padding": "same", "padding_mode": "circular"}, (1, 3)),
    Case("nn.Conv1d", {"out_channels": 2, "kernel_size": 1, "padding": 3, "padding_mode": "circular"}, (1, 3)),
    Case("nn.Conv1d", {"out_channels": 2, "kernel_size": 1, "padding": 4, "padding_mode": "circular"}, (1, 3)),
    Case("nn.Conv2d", {"out_channels": 2, "kernel_size": 3, "stride": 2, "padding": "same"}, (1, 6, 6)),
    Case("nn.Conv2d", {"out_channels": 6, "kernel_size": 1, "groups": 4}, (4, 3, 3)),
    Case("nn.Conv3d", {"out_channels": 4, "kernel_size": [1, 2, 3], "stride": [1, 2, 3], "groups": 2},
         (2, 4, 5, 6)),
    Case("nn.ConvTranspose2d", {"out_channels": 4, "kernel_size": 3, "stride": [1, 2], "output_padding": [0, 1],
                                "groups": 2}, (2, 2, 6)),
    Case("nn.ConvTranspose1d", {"out_channels": 2, "kernel_size": 3, "stride": 1, "output_padding": 1}, (2, 4)),
    Case("nn.ConvTranspose1d", {"out_channels": 2, "kernel_size": 3, "stride": 2, "output_padding": 2,
                                "dilation": 3}, (2, 4)),
    Case("nn.ConvTranspose1d", {"out_channels": 1, "kernel_size": 1, "padding": 1}, (1, 2)),   # torch: length 0
    Case("nn.ConvTranspose1d", {"out_channels": 1, "kernel_size": 1, "padding": 1}, (1, 1)),   # torch: refused
    Case("nn.ConvTranspose1d", {"out_channels": 1, "kernel_size": 3, "padding_mode": "reflect"}, (1, 4)),
    Case("nn.InstanceNorm1d", {"num_features": 3}, (3, 1)),                                 # one position: refused
    Case("nn.InstanceNorm1d", {"num_features": 3, "track_running_stats": True}, (3, 1)),
    Case("nn.InstanceNorm1d", {"num_features": 3}, (4, 2)),                                 # torch only warns
    Case("nn.InstanceNorm1d", {"num_features": 3, "affine": True}, (4, 2)),
    Case("nn.BatchNorm1d", {"num_features": 3, "affine": True, "bias": False}, (3,)),
    Case("nn.EmbeddingBag", {"num_embeddings": 5, "embedding_dim": 3}, (4, 2)),   # a bag per sample: refused
    Case("nn.EmbeddingBag", {"num_embeddings": 5, "embedding_dim": 3}, ()),       # torch would need offsets
    Case("nn.EmbeddingBag", {"num_embeddings": 5, "embedding_dim": 3}, {"input": (), "offsets": ()}),
    Case("nn.EmbeddingBag", {"num_embeddings": 5, "embedding_dim": 3, "mode": "sum", "include_last_offset": True},
         {"input": (), "offsets": (), "per_sample_weights": ()}),
    Case("nn.EmbeddingBag", {"num_embeddings": 5, "embedding_dim": 3, "mode": "sum"},
         {"input": (4,), "per_sample_weights": (4,)}),
    Case("nn.EmbeddingBag", {"num_embeddings": 5, "embedding_dim": 3},            # mode "mean": refused
         {"input": (4,), "per_sample_weights": (4,)}),
    Case("nn.EmbeddingBag", {"num_embeddings": 5, "embedding_dim": 3}, {"input": (), "offsets": (2,)}),   # refused
    Case("nn.Flatten", {}, (64, 7, 7)),
    Case("nn.Flatten", {"start_dim": 0, "end_dim": 0}, (3, 4)),
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


@pytest.mark.parametrize("type_name, kwargs, shape", [
    ("nn.AdaptiveAvgPool2d", {"output_size": ["none", 3]}, (2, 5, 6)),
    ("nn.MaxPool2d", {"kernel_size": 2, "stride": "none"}, (1, 5, 5)),
    ("nn.Softmax", {"dim": "none"}, (3, 4)),
])
def test_none_written_as_a_string_is_torchs_none(torch, type_name, kwargs, shape):
    """TOML has no null: a spec writes "none" where torch takes None."""
    as_none = {k: [None if x == "none" else x for x in v] if isinstance(v, list) else None if v == "none" else v
               for k, v in kwargs.items()}
    assert symparam_facts(Case(type_name, kwargs, shape)) == framework_facts(Case(type_name, as_none, shape))
