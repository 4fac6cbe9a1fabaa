"""symparam/layers/torch_shape.py against real PyTorch: nn.Unflatten, nn.Upsample, nn.PixelShuffle/Unshuffle,
nn.ChannelShuffle, the padding modules (zero, constant, reflection, replication, circular; 1D to 3D),
nn.LocalResponseNorm, nn.Bilinear (the one kind here with parameters: weight and bias), nn.Fold and nn.Unfold.

torch runs each case forward on zeros (tests/oracle/torch_facts.py); symparam must report the same output shape
and parameters, or refuse where torch refuses. Deliberate difference, asserted
rather than skipped: where torch would rearrange the batch axis itself (nn.Unflatten of dim 0), symparam refuses,
as for nn.Flatten; nn.Unfold and nn.Fold given one axis too few, which torch reads as an unbatched input
(the batch axis taken for the channels); and negative padding (torch crops), which symparam does not model.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_facts, framework_tests, symparam_facts
from oracle.strategies import divisors, maybe, per_axis
from symparam.errors import SymparamError


@st.composite
def unflatten_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 12), min_size=1, max_size=3)))
    rank = len(shape) + 1
    dim = draw(st.sampled_from([d for d in range(-rank - 1, rank + 1) if d % rank != 0 or not -rank <= d < rank]))
    n = shape[dim % rank - 1] if -rank <= dim < rank else draw(st.integers(1, 12))
    if draw(st.booleans()):   # sizes that multiply to n, now and then with -1 for one of them
        first = draw(st.sampled_from(divisors(n)))
        second = draw(st.sampled_from(divisors(n // first)))
        sizes = [first, second, n // (first * second)][:draw(st.integers(1, 3))]
        sizes[-1] = n // math.prod(sizes[:-1])
        if draw(st.booleans()):
            sizes[draw(st.integers(0, len(sizes) - 1))] = -1
    else:
        sizes = draw(st.lists(st.sampled_from([-1, 1, 2, 3, 4, 5]), min_size=1, max_size=3))
    return Case("nn.Unflatten", {"dim": dim, "unflattened_size": sizes}, shape)


_SCALES = st.sampled_from([0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3])
_MODES = ["nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact"]


@st.composite
def upsample_cases(draw):
    rank = draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 3)), *draw(st.lists(st.integers(1, 6), min_size=rank, max_size=rank)))
    if draw(st.integers(0, 5)) == 0:
        shape = shape[:draw(st.integers(0, 1))]   # too few axes
    kwargs: dict[str, Any] = {}
    n_values = draw(st.sampled_from([None, rank, rank, 1, 2, 3]))
    rare = lambda: draw(st.integers(0, 5)) == 0  # noqa: E731
    if draw(st.booleans()):
        kwargs["size"] = draw(st.integers(1, 7)) if n_values is None else draw(
            st.lists(st.integers(1, 7), min_size=n_values, max_size=n_values))
        if rare():
            kwargs["scale_factor"] = draw(_SCALES)
    else:
        kwargs["scale_factor"] = draw(_SCALES) if n_values is None else draw(
            st.lists(_SCALES, min_size=n_values, max_size=n_values))
    interpolating = {1: "linear", 2: draw(st.sampled_from(["bilinear", "bicubic"])), 3: "trilinear"}[rank]
    mode = draw(st.sampled_from([interpolating, interpolating, "nearest", "area", "nearest-exact", *_MODES]))
    if mode != "nearest" or draw(st.booleans()):
        kwargs["mode"] = mode
    if rare() or (mode == interpolating and draw(st.booleans())):
        kwargs["align_corners"] = draw(st.booleans())
    if rare() or ("scale_factor" in kwargs and draw(st.booleans())):
        kwargs["recompute_scale_factor"] = draw(st.booleans())
    return Case("nn.Upsample", kwargs, shape)


@st.composite
def pixel_shuffle_cases(draw, kind: str):
    r = draw(st.integers(1, 3))
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=1)))
    if kind == "nn.PixelShuffle":
        c = r * r * draw(st.integers(1, 2)) if draw(st.booleans()) else draw(st.integers(1, 9))
        shape = (*lead, c, draw(st.integers(1, 4)), draw(st.integers(1, 4)))
        key = "upscale_factor"
    else:
        side = lambda: r * draw(st.integers(1, 3)) if draw(st.booleans()) else draw(st.integers(1, 7))  # noqa: E731
        shape = (*lead, draw(st.integers(1, 3)), side(), side())
        key = "downscale_factor"
    return Case(kind, {key: r}, shape)


@st.composite
def channel_shuffle_cases(draw):
    shape = (draw(st.integers(1, 8)), *draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    return Case("nn.ChannelShuffle", {"groups": draw(st.sampled_from([*divisors(shape[0]), 2, 3]))}, shape)


PAD_MODES = ("Zero", "Constant", "Reflection", "Replication", "Circular")


@st.composite
def pad_cases(draw, mode: str, rank: int):
    """Inputs with rank - 1 to rank + 2 axes besides the batch; the constant modes never fewer than rank (torch
    would pad the batch axis)."""
    low = rank if mode in ("Zero", "Constant") else rank - 1
    n_axes = draw(st.sampled_from([rank, rank, rank + 1, rank + 1, *range(low, rank + 3)]))
    shape = tuple(draw(st.lists(st.integers(1, 6), min_size=n_axes, max_size=n_axes)))
    kwargs: dict[str, Any] = {"padding": draw(st.one_of(*(per_axis(2 * rank, 0, high) for high in (1, 2, 5))))}
    if mode == "Constant":
        kwargs["value"] = draw(st.sampled_from([0.0, -1.5, 2]))
    return Case(f"nn.{mode}Pad{rank}d", kwargs, shape)


@st.composite
def local_response_norm_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=draw(st.sampled_from([0, 1, 2, 2, 3])), max_size=4)))
    kwargs: dict[str, Any] = {"size": draw(st.sampled_from([0, 1, 2, 3, 5, 6]))}
    for key in ("alpha", "beta", "k"):
        maybe(draw, kwargs, key, st.sampled_from([0.5, 1.0, 2]))
    return Case("nn.LocalResponseNorm", kwargs, shape)


@st.composite
def fixed_mode_upsample_cases(draw, type_name: str):
    """nn.UpsamplingNearest2d / nn.UpsamplingBilinear2d: nn.Upsample's cases without the mode arguments."""
    case = draw(upsample_cases())
    kwargs = {k: v for k, v in case.kwargs.items() if k in ("size", "scale_factor")}
    return Case(type_name, kwargs, case.inputs)


@st.composite
def bilinear_cases(draw):
    """Two inputs (..., in1) and (..., in2); torch needs in1_features and in2_features, now and then wrong."""
    lead = draw(st.lists(st.integers(1, 4), max_size=2))
    n1, n2 = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    other = list(lead)
    if other and draw(st.integers(0, 4)) == 0:
        other[0] += 1
    elif draw(st.integers(0, 6)) == 0:
        other = [*other, 2]
    kwargs: dict[str, Any] = {"in1_features": n1 if draw(st.integers(0, 5)) else n1 + 1, "in2_features": n2,
                              "out_features": draw(st.integers(1, 5))}
    maybe(draw, kwargs, "bias", st.booleans())
    return Case("nn.Bilinear", kwargs, {"x1": (*lead, n1), "x2": (*other, n2)})


def _window(draw) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"kernel_size": draw(per_axis(2, 1, 3))}
    for key, low, high in (("dilation", 1, 2), ("padding", 0, 2), ("stride", 1, 3)):
        maybe(draw, kwargs, key, per_axis(2, low, high))
    return kwargs


def _blocks(n: int, k: int, d: int, p: int, s: int) -> int:
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _pair(value) -> tuple[int, int]:
    return tuple(value) if isinstance(value, list) else (value, value)


@st.composite
def unfold_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 6), min_size=3, max_size=4)))   # fewer: see below
    return Case("nn.Unfold", _window(draw), shape)


@st.composite
def fold_cases(draw):
    """Columns (C * k_h * k_w, L), mostly with the right number of blocks L for output_size."""
    kwargs = {"output_size": draw(per_axis(2, 1, 6)), **_window(draw)}
    window = [_pair(kwargs.get(key, default)) for key, default in
              (("kernel_size", 1), ("dilation", 1), ("padding", 0), ("stride", 1))]
    blocks = [_blocks(n, *(w[axis] for w in window)) for axis, n in enumerate(_pair(kwargs["output_size"]))]
    columns = window[0][0] * window[0][1] * draw(st.integers(1, 2))
    length = max(blocks[0], 0) * max(blocks[1], 0)
    shape = (columns if draw(st.integers(0, 4)) else columns + 1, length if draw(st.integers(0, 4)) else length + 1)
    if draw(st.integers(0, 8)) == 0:
        shape = (*shape, 2)   # too many axes
    return Case("nn.Fold", kwargs, shape)


GENERATED = {
    "nn.Unflatten": Generated(unflatten_cases(), 60),
    "nn.Upsample": Generated(upsample_cases(), 120),
    "nn.PixelShuffle": Generated(pixel_shuffle_cases("nn.PixelShuffle"), 40),
    "nn.PixelUnshuffle": Generated(pixel_shuffle_cases("nn.PixelUnshuffle"), 40),
    "nn.ChannelShuffle": Generated(channel_shuffle_cases(), 30),
    "nn.LocalResponseNorm": Generated(local_response_norm_cases(), 30),
    **{name: Generated(fixed_mode_upsample_cases(name), 60) for name in ("nn.UpsamplingNearest2d",
                                                                      "nn.UpsamplingBilinear2d")},
    "nn.Bilinear": Generated(bilinear_cases(), 50),
    "nn.Unfold": Generated(unfold_cases(), 50),
    "nn.Fold": Generated(fold_cases(), 60),
    **{f"nn.{mode}Pad{rank}d": Generated(pad_cases(mode, rank), 40) for mode in PAD_MODES for rank in (1, 2, 3)},
}

EXAMPLES = [
    Case("nn.Unflatten", {"dim": 1, "unflattened_size": [3, 32, 32]}, (3072,)),
    Case("nn.Unflatten", {"dim": -1, "unflattened_size": [2, -1]}, (5, 6)),
    Case("nn.Unflatten", {"dim": 1, "unflattened_size": [4, -1]}, (6,)),          # refused: 6 % 4
    Case("nn.Upsample", {"scale_factor": 2, "mode": "bilinear"}, (3, 5, 7)),
    Case("nn.Upsample", {"scale_factor": [1.5, 0.5]}, (3, 5, 7)),
    Case("nn.Upsample", {"scale_factor": 0.25}, (3, 3)),                           # refused: length 0
    Case("nn.Upsample", {"size": [4, 6], "mode": "bicubic", "align_corners": True}, (3, 5, 7)),
    Case("nn.Upsample", {"size": 4, "mode": "linear"}, (3, 5, 7)),                 # refused: rank
    Case("nn.PixelShuffle", {"upscale_factor": 2}, (12, 4, 5)),
    Case("nn.PixelUnshuffle", {"downscale_factor": 2}, (3, 4, 6)),
    Case("nn.ChannelShuffle", {"groups": 4}, (8, 2, 2)),
    Case("nn.ReflectionPad2d", {"padding": [1, 2, 3, 0]}, (3, 4, 5)),
    Case("nn.ReflectionPad1d", {"padding": 3}, (2, 3)),                             # refused: 3 is not < 3
    Case("nn.CircularPad1d", {"padding": 3}, (2, 3)),
    Case("nn.CircularPad1d", {"padding": [0, 4]}, (2, 3)),                           # refused: 4 > 3
    Case("nn.ZeroPad2d", {"padding": [1, 0, 2, 0]}, (2, 3, 4, 5)),
    Case("nn.LocalResponseNorm", {"size": 5}, (96, 55, 55)),
    Case("nn.UpsamplingBilinear2d", {"scale_factor": 2}, (3, 5, 7)),
    Case("nn.UpsamplingBilinear2d", {"size": [4, 9]}, (3, 5, 7)),
    Case("nn.UpsamplingBilinear2d", {"scale_factor": 2}, (3, 5)),                # refused: bilinear needs (C, H, W)
    Case("nn.UpsamplingNearest2d", {"scale_factor": 3}, (2, 4)),                 # nearest: any rank
    Case("nn.Bilinear", {"in1_features": 3, "in2_features": 4, "out_features": 5},
         {"x1": (6, 3), "x2": (6, 4)}),
    Case("nn.Bilinear", {"in1_features": 3, "in2_features": 4, "out_features": 5},
         {"x1": (6, 3), "x2": (1, 4)}),                                              # refused: no broadcasting
    Case("nn.Unfold", {"kernel_size": [2, 3], "padding": 1, "stride": 2}, (3, 8, 9)),
    Case("nn.Fold", {"output_size": [4, 5], "kernel_size": 2}, (8, 12)),
    Case("nn.Fold", {"output_size": [4, 5], "kernel_size": 2}, (8, 13)),            # refused: 12 blocks
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


@pytest.mark.parametrize("kwargs, shape", [({"dim": 0, "unflattened_size": [2, 1]}, (6,)),
                                           ({"dim": -3, "unflattened_size": [1, 2]}, (6, 4))])
def test_unflattening_the_batch_axis_is_refused(torch, kwargs, shape):
    """torch splits the batch axis itself; the output would have another batch axis: symparam refuses."""
    y = torch.nn.Unflatten(kwargs["dim"], tuple(kwargs["unflattened_size"]))(torch.zeros((2, *shape)))
    assert y.dim() == len(shape) + 2
    with pytest.raises(SymparamError, match="batch axis"):
        symparam_facts(Case("nn.Unflatten", kwargs, shape))


def test_negative_padding_is_refused(torch):
    """torch crops with a negative padding; symparam does not model it and says so."""
    assert torch.nn.ConstantPad1d((-1, 0), 0.0)(torch.zeros((2, 3, 4))).shape == (2, 3, 3)
    with pytest.raises(SymparamError, match="negative padding"):
        symparam_facts(Case("nn.ConstantPad1d", {"padding": [-1, 0], "value": 0.0}, (3, 4)))


@pytest.mark.parametrize("type_name, kwargs, shape", [("nn.Unfold", {"kernel_size": 1}, (3, 4)),
                                                      ("nn.Fold", {"output_size": 2, "kernel_size": 1}, (4,))])
def test_an_input_torch_would_read_as_unbatched_is_refused(torch, type_name, kwargs, shape):
    """Given one axis too few, torch takes the batch axis for the channels (an unbatched input): the output has no
    batch axis left, and symparam refuses."""
    module = getattr(torch.nn, type_name.removeprefix("nn."))(**kwargs)
    x = torch.zeros((2, *shape))
    assert module(x).shape == module(x.unsqueeze(0)).shape[1:]   # torch read x as one unbatched input
    with pytest.raises(SymparamError, match="besides the batch"):
        symparam_facts(Case(type_name, kwargs, shape))


@pytest.mark.parametrize("kwargs", [{"size": "none", "scale_factor": 2, "align_corners": "none"},
                                    {"size": [3, 4], "scale_factor": "none", "recompute_scale_factor": "none"}])
def test_none_written_as_a_string_is_torchs_none(torch, kwargs):
    """TOML has no null: a spec writes "none" where torch takes None."""
    as_none = {k: None if v == "none" else v for k, v in kwargs.items()}
    assert symparam_facts(Case("nn.Upsample", kwargs, (2, 5, 6))) == framework_facts(Case("nn.Upsample", as_none,
                                                                                          (2, 5, 6)))
