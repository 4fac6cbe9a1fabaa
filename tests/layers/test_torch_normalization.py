"""symparam/layers/torch_normalization.py against real PyTorch: nn.SyncBatchNorm (run in eval mode on the CPU,
where it is a batch norm: the same weights and buffers over any (C, ...) input) and nn.CrossMapLRN2d (only (C, H,
W) inputs); tests/oracle/torch_facts.py runs each on zeros."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import checked_size, maybe


@st.composite
def sync_batch_norm_cases(draw):
    c = draw(st.integers(1, 6))
    shape = (c, *draw(st.lists(st.integers(1, 3), max_size=3))) if draw(st.integers(0, 7)) else ()
    kwargs: dict[str, Any] = {}
    checked_size(draw, kwargs, "num_features", c)
    for key in ("affine", "track_running_stats", "bias"):
        maybe(draw, kwargs, key, st.booleans())
    maybe(draw, kwargs, "momentum", st.sampled_from([None, 0.1, 0.5]))
    return Case("nn.SyncBatchNorm", kwargs, shape)


@st.composite
def cross_map_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=draw(st.sampled_from([1, 2, 3, 3, 3, 4])), max_size=4)))
    kwargs: dict[str, Any] = {"size": draw(st.sampled_from([1, 2, 3, 5]))}
    for key in ("alpha", "beta", "k"):
        maybe(draw, kwargs, key, st.sampled_from([0.5, 1.0, 2]))
    return Case("nn.CrossMapLRN2d", kwargs, shape)


GENERATED = {"nn.SyncBatchNorm": Generated(sync_batch_norm_cases(), 40),
             "nn.CrossMapLRN2d": Generated(cross_map_cases(), 30)}
EXAMPLES = [Case("nn.SyncBatchNorm", {"num_features": 8}, (8, 4, 4)),
            Case("nn.SyncBatchNorm", {"num_features": 8}, (4, 4)),                 # refused: 4 channels, not 8
            Case("nn.CrossMapLRN2d", {"size": 5}, (96, 27, 27))]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
