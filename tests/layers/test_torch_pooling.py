"""symparam/layers/torch_pooling.py against real PyTorch: max and average pooling in 1 to 3 dimensions (stride,
padding, dilation, ceil_mode, divisor_override) and adaptive pooling (tests/oracle/torch_facts.py runs each on
zeros); symparam must give the same output shape and no parameters, or refuse where torch refuses."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import maybe, per_axis

SPATIAL_MAX = {1: 10, 2: 8, 3: 6}
RANKS = (1, 2, 3)


@st.composite
def pool_cases(draw, op: str, rank: int):
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
    return Case(f"nn.{op}Pool{rank}d", kwargs, shape)


@st.composite
def adaptive_cases(draw, op: str, rank: int):
    shape = (draw(st.integers(1, 4)), *draw(st.lists(st.integers(1, 8), min_size=rank, max_size=rank)))
    sizes = st.integers(1, 6) if rank == 1 else st.one_of(st.none(), st.integers(1, 6))
    output = draw(st.integers(1, 6)) if draw(st.booleans()) else draw(st.lists(sizes, min_size=rank, max_size=rank))
    return Case(f"nn.Adaptive{op}Pool{rank}d", {"output_size": output}, shape)


@st.composite
def lp_pool_cases(draw, rank: int):
    shape = (draw(st.integers(1, 4)), *draw(st.lists(st.integers(1, SPATIAL_MAX[rank]), min_size=rank,
                                                     max_size=rank)))
    kwargs: dict[str, Any] = {"norm_type": draw(st.sampled_from([1, 2, 3.5])),
                              "kernel_size": draw(per_axis(rank, 1, 4))}
    maybe(draw, kwargs, "stride", st.one_of(st.none(), per_axis(rank, 1, 3)))
    maybe(draw, kwargs, "ceil_mode", st.booleans())
    return Case(f"nn.LPPool{rank}d", kwargs, shape)


_RATIOS = st.sampled_from([0.25, 0.5, 0.7, 0.29, 0.57, 0.9, 0.0, 1.0])   # 0.7 * 10 is 7.000000000000001 in floats


@st.composite
def fractional_cases(draw, rank: int):
    shape = (draw(st.integers(1, 3)), *draw(st.lists(st.integers(1, 10), min_size=rank, max_size=rank)))
    kwargs: dict[str, Any] = {"kernel_size": draw(per_axis(rank, 1, 3))}
    which = draw(st.sampled_from(["size", "ratio", "ratio", "both", "neither"][: 5 if draw(st.integers(0, 5)) == 0
                                                                               else 3]))
    if which in ("size", "both"):
        kwargs["output_size"] = draw(per_axis(rank, 1, 6))
    if which in ("ratio", "both"):
        kwargs["output_ratio"] = draw(_RATIOS) if draw(st.booleans()) else draw(
            st.lists(_RATIOS, min_size=rank, max_size=rank))
    maybe(draw, kwargs, "return_indices", st.booleans())
    return Case(f"nn.FractionalMaxPool{rank}d", kwargs, shape)


@st.composite
def unpool_cases(draw, rank: int):
    """The values, and (mostly) their indices of the same shape (now and then another shape)."""
    shape = (draw(st.integers(1, 3)), *draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank)))
    kwargs: dict[str, Any] = {"kernel_size": draw(per_axis(rank, 1, 4))}
    maybe(draw, kwargs, "stride", st.one_of(st.none(), per_axis(rank, 1, 3)))
    maybe(draw, kwargs, "padding", per_axis(rank, 0, 2))
    kind = f"nn.MaxUnpool{rank}d"
    if draw(st.integers(0, 7)) == 0:
        return Case(kind, kwargs, {"input": shape, "indices": (shape[0], *(n + 1 for n in shape[1:]))})
    return Case(kind, kwargs, {"input": shape, "indices": shape})


GENERATED = {
    **{f"nn.MaxUnpool{rank}d": Generated(unpool_cases(rank), 40) for rank in RANKS},
    **{f"nn.FractionalMaxPool{rank}d": Generated(fractional_cases(rank), 60) for rank in (2, 3)},
    **{f"nn.LPPool{rank}d": Generated(lp_pool_cases(rank), 40) for rank in RANKS},
    **{f"nn.{op}Pool{rank}d": Generated(pool_cases(op, rank), 50) for op in ("Max", "Avg") for rank in RANKS},
    **{f"nn.Adaptive{op}Pool{rank}d": Generated(adaptive_cases(op, rank), 25)
       for op in ("Max", "Avg") for rank in RANKS},
}

EXAMPLES = [
    Case("nn.MaxUnpool2d", {"kernel_size": 2}, {"input": (3, 4, 4), "indices": (3, 4, 4)}),
    Case("nn.MaxUnpool1d", {"kernel_size": 2, "padding": 1}, {"input": (3, 1), "indices": (3, 1)}),  # length 0
    Case("nn.FractionalMaxPool2d", {"kernel_size": 2, "output_ratio": 0.7}, (1, 90, 100)),   # torch: 62 and 70
    Case("nn.FractionalMaxPool2d", {"kernel_size": 3, "output_size": [8, 9]}, (1, 10, 10)),  # refused: 9 + 3 - 1
    Case("nn.FractionalMaxPool2d", {"kernel_size": 2, "output_ratio": 0.2}, (1, 3, 3)),      # refused: length 0
    Case("nn.FractionalMaxPool3d", {"kernel_size": 2, "output_size": 3}, (2, 5, 6, 7)),
    Case("nn.LPPool2d", {"norm_type": 2, "kernel_size": 3, "stride": 2, "ceil_mode": True}, (3, 5, 5)),
    Case("nn.LPPool1d", {"norm_type": 2, "kernel_size": 6}, (3, 5)),                     # refused: window too long
    Case("nn.LPPool1d", {"norm_type": 2, "kernel_size": [2]}, (3, 5)),                   # refused: torch fails
    Case("nn.MaxPool1d", {"kernel_size": 3, "ceil_mode": True}, (1, 2)),                 # a window past the end
    Case("nn.MaxPool1d", {"kernel_size": 3}, (1, 2)),                                    # refused
    Case("nn.MaxPool1d", {"kernel_size": 3, "stride": 2, "ceil_mode": True}, (1, 5)),
    Case("nn.MaxPool1d", {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True}, (1, 5)),
    Case("nn.AvgPool1d", {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True}, (1, 4)),
    Case("nn.MaxPool1d", {"kernel_size": 3, "padding": 2}, (1, 10)),                     # padding > k/2: refused
    Case("nn.MaxPool2d", {"kernel_size": 2, "padding": 1, "dilation": 2}, (1, 5, 5)),
    Case("nn.AvgPool2d", {"kernel_size": 3, "divisor_override": 0}, (1, 5, 5)),          # refused
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


def test_a_fractional_ratio_needs_numbers_and_a_size_does_not():
    """torch computes int(length * ratio) in floating point, which no exact expression over a symbol reproduces
    (int(90 * 0.7) is 62): with a symbolic length symparam asks for output_size, which it takes."""
    import pytest

    from symparam.api import load_dict
    from symparam.errors import SymparamError

    def spec(**kwargs):
        return {"network": {"name": "f", "convention": "torch", "input": [3, "side", "side"]},
                "symbols": {"side": {"default": 90}},
                "layers": [{"type": "nn.FractionalMaxPool2d", "kernel_size": 2, **kwargs}]}

    with pytest.raises(SymparamError, match="output_ratio needs input lengths that are numbers"):
        load_dict(spec(output_ratio=0.7))
    assert tuple(load_dict(spec(output_size=40), side=50).layers[0].output_shape) == (3, 40, 40)
