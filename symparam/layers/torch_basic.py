"""PyTorch dialect, basic layers (nn.*): Linear, convolutions, normalizations, embeddings, PReLU, Flatten, Dropout
and Identity (pooling: torch_pooling.py; activations: torch_activations.py).

Torch's argument names and defaults; shapes channels-first and without the batch axis, e.g. (C, H, W) for
nn.Conv2d. in_channels / in_features / num_features / num_channels may be left out (read from the input) or
given (then checked against it). Running statistics are buffers, not parameters. Output-shape arithmetic lives in
symparam.torch_shapes, shared argument types in torch_args.
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError, show
from ..shapes import product
from ..torch_shapes import conv_length, flatten_axes, same_padding, transposed_length
from . import register
from .base import Choice, Flag, Int, LayerKind, NoTwin, Opaque, Real, Size, Twin, Unsupported
from .core import format_shape
from .costs import BN_OPS, activation, bias, convolution, identity, moves, normalization, size, statistics_ops, times
from .torch_args import DEVICE, ConvPadding, NormalizedShape, PerAxis, channels_first, given_or_inferred

_SPATIAL = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
_KERNEL = {1: ("k",), 2: ("k_h", "k_w"), 3: ("k_d", "k_h", "k_w")}


def channels_example(rank: int, args: dict) -> tuple[dict, list, dict]:
    """An input (C, spatial...) of 64 channels and 32 positions per axis (normalizations, pooling)."""
    return args, ["C", *_SPATIAL[rank]], {"C": 64, **{s: 32 for s in _SPATIAL[rank]}}


def _norm_weights(b, affine: bool, bias: bool, shape, labels, what: str) -> None:
    if affine:
        b.weight("weight", shape, role=f"scales, one per {what}", labels=labels, category="scale")
        if bias:
            b.weight("bias", shape, role=f"offsets, one per {what}", labels=labels, category="offset")


def trailing_shape(b, ns, x):
    """normalized_shape `ns`, which must match the trailing axes of the input `x` (nn.LayerNorm, nn.RMSNorm)."""
    received = f"normalized_shape = {format_shape(ns)}, input shape {format_shape(x)}"
    if len(ns) > len(x):
        raise SymparamError(f"normalized_shape must match the input's trailing axes (not the batch axis). "
                            f"Received: {received}.")
    for want, have in zip(ns, x[len(x) - len(ns):]):
        if have is not None:
            b.require(sympy.Eq(want, have), "normalized_shape", "normalized_shape must match the input's trailing "
                      "axes", received)
    return ns


def _running_stats(b, c) -> None:
    b.weight("running_mean", (c,), role="running means", labels=("C",), buffer=True, category="statistic")
    b.weight("running_var", (c,), role="running variances", labels=("C",), buffer=True, category="statistic")
    b.weight("num_batches_tracked", (), role="a count of batches seen", labels=(), buffer=True, category="statistic")


# ---------------------------------------------------------------------------------------------------------------
# Linear, convolutions
# ---------------------------------------------------------------------------------------------------------------

@register
class Linear(LayerKind):
    name = "nn.Linear"
    saves = ("input",)
    convention = "torch"
    example = ({"out_features": "out_features"}, ["in_features"], {"out_features": 10, "in_features": 256})
    summary = "fully connected on the last axis: out_features x in_features weights plus out_features biases"
    args = {"in_features": Size(None), "out_features": Size(), "bias": Flag(True), **DEVICE}

    def build(self, a, inputs, b):
        (x,) = inputs
        if not x:
            raise SymparamError("nn.Linear needs an input with at least one axis besides the batch. Received input "
                                "shape ().")
        n_in = given_or_inferred(b, a.in_features, x[-1], "in_features", "last axis", x)
        b.weight("weight", (a.out_features, n_in), role="weights", labels=("out", "in"), category="weight")
        if a.bias:
            b.weight("bias", (a.out_features,), role="biases", labels=("out",), category="bias")
        out = (*x[:-1], a.out_features)
        b.cost("matmul", times(size(x[:-1]), n_in, a.out_features), words="input rows x in x out")
        bias(b, a.bias, out)
        return out

    @classmethod
    def twin(cls, a, inputs, convention):
        return Twin("Dense", {"units": a.out_features, "use_bias": a.bias}, list(inputs))


_PADDING_MODE = Choice("zeros", "reflect", "replicate", "circular", default="zeros", any_case=False)


class TorchConv(LayerKind):
    convention = "torch"
    rank = 0
    transposed = False

    window_arg = ("kernel size", "kernel_size")

    @classmethod
    def twin(cls, a, inputs, convention):
        (x,) = inputs
        if cls.transposed:
            if a.groups != 1:
                raise NoTwin("Keras's transposed convolutions have no groups")
            return Twin(f"Conv{cls.rank}DTranspose", {"filters": a.out_channels, "kernel_size": tuple(a.kernel_size),
                                                      "use_bias": a.bias}, [(*x[1:], x[0])])
        return Twin(f"Conv{cls.rank}D", {"filters": a.out_channels, "kernel_size": tuple(a.kernel_size),
                                         "groups": a.groups, "use_bias": a.bias}, [(*x[1:], x[0])])

    @staticmethod
    def make_args(rank: int, transposed: bool) -> dict:
        sizes = {"kernel_size": PerAxis(rank), "stride": PerAxis(rank, 1)}
        if transposed:
            return {"in_channels": Size(None), "out_channels": Size(), **sizes,
                    "padding": PerAxis(rank, 0, minimum=0), "output_padding": PerAxis(rank, 0, minimum=0),
                    "groups": Size(1), "bias": Flag(True), "dilation": PerAxis(rank, 1),
                    "padding_mode": _PADDING_MODE, **DEVICE}
        return {"in_channels": Size(None), "out_channels": Size(), **sizes, "padding": ConvPadding(rank),
                "dilation": PerAxis(rank, 1), "groups": Size(1), "bias": Flag(True),
                "padding_mode": _PADDING_MODE, **DEVICE}

    def build(self, a, inputs, b):
        (x,) = inputs
        c, spatial = channels_first(x, (self.rank,), self.name)
        c_in = given_or_inferred(b, a.in_channels, c, "in_channels", "channels (its first axis)", x)
        c_out, g = a.out_channels, a.groups
        if self.transposed and a.padding_mode != "zeros":
            raise SymparamError(f'{self.name} supports only padding_mode "zeros" (as torch). Received: padding_mode = '
                                f'{show(a.padding_mode)}.')
        b.require(sympy.Eq(sympy.Mod(c_in, g), 0), "groups", "in_channels must be divisible by groups",
                  f"in_channels = {c_in}, groups = {g}")
        b.require(sympy.Eq(sympy.Mod(c_out, g), 0), "groups", "out_channels must be divisible by groups",
                  f"out_channels = {c_out}, groups = {g}")
        out = [self._length(a, b, axis, n) for axis, n in enumerate(spatial)]
        kernel = tuple(a.kernel_size)
        if self.transposed:
            shape, labels = (c_in, c_out / g, *kernel), ("C_in", "C_out/g" if g != 1 else "C_out")
        else:
            shape, labels = (c_out, c_in / g, *kernel), ("C_out", "C_in/g" if g != 1 else "C_in")
        b.weight("weight", shape, role="weights", labels=(*labels, *_KERNEL[self.rank]), category="weight")
        if a.bias:
            b.weight("bias", (c_out,), role="biases", labels=("C_out",), category="bias")
        if self.transposed:
            convolution(b, spatial, kernel, c_in, c_out / g,
                        words="input positions x kernel taps x C_in x C_out/g (each input value spread over a window)")
        else:
            convolution(b, out, kernel, c_in / g, c_out)
        bias(b, a.bias, (c_out, *out))
        return (c_out, *out)

    def _length(self, a, b, axis: int, n):
        k, s, d = a.kernel_size[axis], a.stride[axis], a.dilation[axis]
        where = f"input axis {axis + 2} (of the batch)"
        if self.transposed:
            op = a.output_padding[axis]
            b.require(sympy.Or(sympy.Lt(op, s), sympy.Lt(op, d)), "output_padding",
                      "output_padding must be smaller than either stride or dilation",
                      f"output_padding = {op}, stride = {s}, dilation = {d}")
            length, condition = transposed_length(n, k, s, a.padding[axis], op, d)
            b.require(condition if condition is not None else True, "padding",
                      f"the transposed convolution's output on {where} must have at least one position",
                      f"input length {n}, kernel_size = {k}, stride = {s}, padding = {a.padding[axis]}")
            return length
        if a.padding == "same":
            b.require(sympy.Eq(s, 1), "padding", 'padding="same" is not supported for strided convolutions',
                      f"stride = {s}")
            pads = same_padding(k, d)
            length, condition = n, None
        else:
            p = sympy.Integer(0) if a.padding == "valid" else a.padding[axis]
            pads = (p, p)
            length, condition = conv_length(n, k, s, p, d)
            b.require(condition if condition is not None else True, "kernel_size",
                      f"kernel_size: the padded {where} must be at least as long as the dilated kernel, "
                      f"{d * (k - 1) + 1}", f"input length {n}, padding = {p}")
        if n is not None and a.padding_mode in ("reflect", "circular"):
            fits = sympy.Lt if a.padding_mode == "reflect" else sympy.Le
            rule = "less than" if a.padding_mode == "reflect" else "at most"
            b.require(sympy.And(fits(pads[0], n), fits(pads[1], n)), "padding",
                      f'padding_mode="{a.padding_mode}" needs each padding {rule} the length of {where}',
                      f"padding ({pads[0]}, {pads[1]}), input length {n}")
        return length


def _conv_example(rank: int) -> tuple[dict, list, dict]:
    spatial, kernel = _SPATIAL[rank], _KERNEL[rank]
    values = {"C_in": 16, "C_out": 32, **{s: 32 for s in spatial}, **{k: 3 for k in kernel}}
    return ({"in_channels": "C_in", "out_channels": "C_out", "kernel_size": list(kernel) if rank > 1 else "k"},
            ["C_in", *spatial], values)


@register
class Conv1d(TorchConv):
    name = "nn.Conv1d"
    saves = ("input",)
    rank = 1
    args, example = TorchConv.make_args(1, transposed=False), _conv_example(1)
    summary = "a 1D convolution: weight (C_out, C_in/groups, k), one bias per output channel"


@register
class Conv2d(TorchConv):
    name = "nn.Conv2d"
    saves = ("input",)
    rank = 2
    args, example = TorchConv.make_args(2, transposed=False), _conv_example(2)
    summary = "a 2D convolution: weight (C_out, C_in/groups, k_h, k_w), one bias per output channel"


@register
class Conv3d(TorchConv):
    name = "nn.Conv3d"
    saves = ("input",)
    rank = 3
    args, example = TorchConv.make_args(3, transposed=False), _conv_example(3)
    summary = "a 3D convolution: weight (C_out, C_in/groups, k_d, k_h, k_w), one bias per output channel"


@register
class ConvTranspose1d(TorchConv):
    name = "nn.ConvTranspose1d"
    saves = ("input",)
    rank = 1
    transposed = True
    args, example = TorchConv.make_args(1, transposed=True), _conv_example(1)
    summary = "a 1D transposed convolution (upsampling): weight (C_in, C_out/groups, k), one bias per output channel"


@register
class ConvTranspose2d(TorchConv):
    name = "nn.ConvTranspose2d"
    saves = ("input",)
    rank = 2
    transposed = True
    args, example = TorchConv.make_args(2, transposed=True), _conv_example(2)
    summary = ("a 2D transposed convolution (upsampling): weight (C_in, C_out/groups, k_h, k_w), one bias per output "
               "channel")


@register
class ConvTranspose3d(TorchConv):
    name = "nn.ConvTranspose3d"
    saves = ("input",)
    rank = 3
    transposed = True
    args, example = TorchConv.make_args(3, transposed=True), _conv_example(3)
    summary = ("a 3D transposed convolution (upsampling): weight (C_in, C_out/groups, k_d, k_h, k_w), one bias per "
               "output channel")


# ---------------------------------------------------------------------------------------------------------------
# Normalizations
# ---------------------------------------------------------------------------------------------------------------

def _norm_features(b, a, c, x):
    """num_features, read from the input or checked against it; torch checks it only where something of that size
    exists (affine weights or running statistics), and so does symparam."""
    if a.affine or a.track_running_stats:
        return given_or_inferred(b, a.num_features, c, "num_features", "channels (its first axis)", x)
    return a.num_features if a.num_features is not None else c


def _norm_args(affine: bool, track: bool) -> dict:
    return {"num_features": Size(None), "eps": Opaque(1e-5), "momentum": Opaque(0.1), "affine": Flag(affine),
            "track_running_stats": Flag(track), **DEVICE, "bias": Flag(True)}


class BatchNorm(LayerKind):
    saves = ("input", "statistics")
    statistics_per_batch = True    # one mean and inverse deviation per channel for the whole batch

    @classmethod
    def saved_statistics(cls, a, inputs, output):
        return 2 * inputs[0][0]                       # the batch's mean and inverse deviation per channel

    convention = "torch"
    ranks: tuple[int, ...] = ()
    args = _norm_args(True, True)

    def build(self, a, inputs, b):
        (x,) = inputs
        c, _ = channels_first(x, self.ranks, self.name)
        c = _norm_features(b, a, c, x)
        _norm_weights(b, a.affine, a.bias, (c,), ("C",), "channel")
        if a.track_running_stats:
            _running_stats(b, c)
        normalization(b, x, BN_OPS, "inference: a multiply and an add per value (statistics and affine folded)")
        return x

    @classmethod
    def twin(cls, a, inputs, convention):
        (x,) = inputs
        note = ("PyTorch keeps the running statistics (and num_batches_tracked) as buffers; Keras's moving mean and "
                "variance are non-trainable weights, always present")
        return Twin("BatchNormalization", {"center": a.affine and a.bias, "scale": a.affine}, [(*x[1:], x[0])],
                    note=note)


class InstanceNorm(LayerKind):
    saves = ("input", "statistics", "internal")

    @classmethod
    def saved_statistics(cls, a, inputs, output):
        return 2 * inputs[0][0]                       # a mean and an inverse deviation per channel of each sample

    @classmethod
    def saved_inside(cls, a, inputs, output):
        """torch runs it as a batch norm of C·batch channels: the affine weight repeated per sample is kept."""
        return inputs[0][0] if a.affine else sympy.Integer(0)

    @classmethod
    def twin(cls, a, inputs, convention):
        (x,) = inputs
        return Twin("GroupNormalization", {"groups": None, "center": a.affine and a.bias, "scale": a.affine},
                    [(*x[1:], x[0])], note="Keras normalizes each channel alone with GroupNormalization(groups = -1); "
                                           "PyTorch's running statistics, if tracked, are buffers")

    convention = "torch"
    ranks: tuple[int, ...] = ()
    args = _norm_args(False, False)
    summary = ("normalizes each channel of each sample over its positions; weight and bias if affine, running "
               "statistics buffers if track_running_stats")

    def build(self, a, inputs, b):
        (x,) = inputs
        c, spatial = channels_first(x, self.ranks, self.name)
        c = _norm_features(b, a, c, x)
        if not a.track_running_stats and product(spatial) is not None:
            b.require(sympy.Gt(product(spatial), 1), "track_running_stats",
                      "without running statistics, instance normalization needs more than one spatial position",
                      f"input shape {format_shape(x)}")
        _norm_weights(b, a.affine, a.bias, (c,), ("C",), "channel")
        if a.track_running_stats:
            _running_stats(b, c)
        normalization(b, x, statistics_ops(a.affine, a.affine and a.bias),
                      "per value: mean and variance, normalize, the affine parts")
        return x


@register
class BatchNorm1d(BatchNorm):
    name = "nn.BatchNorm1d"
    ranks = (0, 1)
    example = channels_example(1, {})
    summary = ("batch normalization over (C,) or (C, L): weight and bias per channel; buffers running_mean, "
               "running_var (per channel) and num_batches_tracked (one)")


@register
class BatchNorm2d(BatchNorm):
    name = "nn.BatchNorm2d"
    ranks = (2,)
    example = channels_example(2, {})
    summary = ("batch normalization over (C, H, W): weight and bias per channel; buffers running_mean, running_var "
               "(per channel) and num_batches_tracked (one)")


@register
class BatchNorm3d(BatchNorm):
    name = "nn.BatchNorm3d"
    ranks = (3,)
    example = channels_example(3, {})
    summary = ("batch normalization over (C, D, H, W): weight and bias per channel; buffers running_mean, "
               "running_var (per channel) and num_batches_tracked (one)")


@register
class InstanceNorm1d(InstanceNorm):
    name = "nn.InstanceNorm1d"
    ranks = (1,)
    example = channels_example(1, {"affine": True})


@register
class InstanceNorm2d(InstanceNorm):
    name = "nn.InstanceNorm2d"
    ranks = (2,)
    example = channels_example(2, {"affine": True})


@register
class InstanceNorm3d(InstanceNorm):
    name = "nn.InstanceNorm3d"
    ranks = (3,)
    example = channels_example(3, {"affine": True})


@register
class LayerNorm(LayerKind):
    name = "nn.LayerNorm"
    saves = ("input", "statistics")

    @classmethod
    def saved_statistics(cls, a, inputs, output):
        x = inputs[0]
        return 2 * sympy.Mul(*x[:len(x) - len(a.normalized_shape)])   # a mean and an inverse deviation per group
    convention = "torch"
    example = ({"normalized_shape": "d"}, ["L", "d"], {"L": 128, "d": 512})
    summary = "normalizes over the trailing normalized_shape axes: weight and bias of that shape"
    args = {"normalized_shape": NormalizedShape(), "eps": Opaque(1e-5), "elementwise_affine": Flag(True),
            "bias": Flag(True), **DEVICE}

    def build(self, a, inputs, b):
        (x,) = inputs
        ns = trailing_shape(b, a.normalized_shape, x)
        labels = tuple(f"n{i + 1}" for i in range(len(ns))) if len(ns) > 1 else ("n",)
        _norm_weights(b, a.elementwise_affine, a.bias, ns, labels, "normalized element")
        normalization(b, x, statistics_ops(a.elementwise_affine, a.elementwise_affine and a.bias),
                      "per value: mean and variance, normalize, the affine parts")
        return x

    @classmethod
    def twin(cls, a, inputs, convention):
        axis = -1 if len(a.normalized_shape) == 1 else tuple(range(-len(a.normalized_shape), 0))
        return Twin("LayerNormalization", {"axis": axis, "scale": a.elementwise_affine,
                                           "center": a.elementwise_affine and a.bias}, list(inputs))


@register
class RMSNorm(LayerKind):
    name = "nn.RMSNorm"
    saves = ("input", "statistics")

    @classmethod
    def saved_statistics(cls, a, inputs, output):
        x = inputs[0]
        return sympy.Mul(*x[:len(x) - len(a.normalized_shape)])       # one inverse root mean square per group
    convention = "torch"
    example = ({"normalized_shape": "d"}, ["L", "d"], {"L": 128, "d": 4096})
    summary = "divides by the root mean square over the trailing normalized_shape axes: a weight of that shape"
    args = {"normalized_shape": NormalizedShape(), "eps": Opaque(None), "elementwise_affine": Flag(True), **DEVICE}

    def build(self, a, inputs, b):
        (x,) = inputs
        ns = trailing_shape(b, a.normalized_shape, x)
        if a.elementwise_affine:
            labels = tuple(f"n{i + 1}" for i in range(len(ns))) if len(ns) > 1 else ("n",)
            b.weight("weight", ns, role="scales, one per normalized element", labels=labels, category="scale")
        normalization(b, x, 2 + 1 + int(a.elementwise_affine), "per value: square and add, multiply by 1/rms, scale")
        return x

    @classmethod
    def twin(cls, a, inputs, convention):
        if not a.elementwise_affine:
            raise NoTwin("Keras's RMSNormalization always has a scale")
        axis = -1 if len(a.normalized_shape) == 1 else list(range(-len(a.normalized_shape), 0))
        return Twin("RMSNormalization", {"axis": axis}, list(inputs))


@register
class GroupNorm(LayerKind):
    @classmethod
    def twin(cls, a, inputs, convention):
        (x,) = inputs
        return Twin("GroupNormalization", {"groups": a.num_groups, "center": a.affine and a.bias, "scale": a.affine},
                    [(*x[1:], x[0])])

    name = "nn.GroupNorm"
    saves = ("input", "statistics")

    @classmethod
    def saved_statistics(cls, a, inputs, output):
        return 2 * a.num_groups                       # a mean and an inverse deviation per group of each sample
    convention = "torch"
    example = ({"num_groups": "G"}, ["C", "H", "W"], {"G": 32, "C": 256, "H": 16, "W": 16})
    summary = "normalizes each of num_groups channel groups per sample: weight and bias per channel if affine"
    args = {"num_groups": Size(), "num_channels": Size(None), "eps": Opaque(1e-5), "affine": Flag(True), **DEVICE,
            "bias": Flag(True)}

    def build(self, a, inputs, b):
        (x,) = inputs
        if not x:
            raise SymparamError("nn.GroupNorm expects an input (C, ...) with at least one axis besides the batch. "
                                "Received input shape ().")
        g = a.num_groups
        if a.num_channels is not None:
            b.require(sympy.Eq(sympy.Mod(a.num_channels, g), 0), "num_groups", "num_channels must be divisible by "
                      "num_groups", f"num_channels = {a.num_channels}, num_groups = {g}")
        # torch compares num_channels with the input only through the affine weights
        c = given_or_inferred(b, a.num_channels, x[0], "num_channels", "channels (its first axis)", x) \
            if a.affine else x[0]
        if c is not None:
            b.require(sympy.Eq(sympy.Mod(c, g), 0), "num_groups", "the input's channels must be divisible by "
                      "num_groups", f"input shape {format_shape(x)}, num_groups = {g}")
        _norm_weights(b, a.affine, a.bias, (c,), ("C",), "channel")
        normalization(b, x, statistics_ops(a.affine, a.affine and a.bias),
                      "per value: mean and variance, normalize, the affine parts")
        return x


# ---------------------------------------------------------------------------------------------------------------
# Embeddings, PReLU
# ---------------------------------------------------------------------------------------------------------------

def _padding_idx(b, idx, n) -> None:
    if idx is not None:
        b.require(sympy.And(sympy.Ge(idx, -n), sympy.Lt(idx, n)), "padding_idx",
                  "padding_idx must be within num_embeddings (from -num_embeddings to num_embeddings - 1)",
                  f"padding_idx = {idx}, num_embeddings = {n}")


_EMBEDDING = {"num_embeddings": Size(), "embedding_dim": Size()}
_TENSOR = Unsupported(None, "a tensor cannot be written in a spec")


@register
class Embedding(LayerKind):
    name = "nn.Embedding"
    saves = ("indices",)
    convention = "torch"
    example = ({"num_embeddings": "V", "embedding_dim": "D"}, ["L"], {"V": 30000, "D": 512, "L": 128})
    summary = "a lookup table: one D-vector per index, num_embeddings x embedding_dim weights; output (*input, D)"
    args = {**_EMBEDDING, "padding_idx": Int(None, optional=True), "max_norm": Opaque(), "norm_type": Opaque(2.0),
            "scale_grad_by_freq": Opaque(False), "sparse": Opaque(False), "_weight": _TENSOR, "_freeze": Flag(False),
            **DEVICE}

    def build(self, a, inputs, b):
        (x,) = inputs
        _padding_idx(b, a.padding_idx, a.num_embeddings)
        b.weight("weight", (a.num_embeddings, a.embedding_dim), role="embedding vectors", labels=("V", "D"),
                 trainable=not a._freeze, category="embedding")
        b.free("a lookup: no arithmetic")
        return (*x, a.embedding_dim)

    @classmethod
    def twin(cls, a, inputs, convention):
        return Twin("Embedding", {"input_dim": a.num_embeddings, "output_dim": a.embedding_dim}, list(inputs))


@register
class EmbeddingBag(LayerKind):
    no_twin = "Keras has no bag-of-embeddings layer"
    name = "nn.EmbeddingBag"
    saves = ("indices",)
    convention = "torch"
    example = ({"num_embeddings": "V", "embedding_dim": "D"}, ["N"], {"V": 30000, "D": 64, "N": 20})
    summary = ("each sample is a bag of indices: an input (N,) (torch's 2D (B, N) form), or flat indices () with "
               "offsets () (torch's 1D form: inputs = [indices, offsets]), and optionally per_sample_weights of the "
               "indices' shape; output (D,), the bag's sum, mean or max; num_embeddings x embedding_dim weights")
    n_inputs = (1, 3)
    args = {**_EMBEDDING, "max_norm": Opaque(), "norm_type": Opaque(2.0), "scale_grad_by_freq": Opaque(False),
            "mode": Choice("sum", "mean", "max", default="mean", any_case=False), "sparse": Opaque(False),
            "_weight": _TENSOR, "include_last_offset": Opaque(False), "padding_idx": Int(None, optional=True),
            **DEVICE}

    def build(self, a, inputs, b):
        x, rest = inputs[0], list(inputs[1:])
        if len(x) == 0:   # torch's 1D input: every bag's indices in one row, bags starting at offsets
            if not rest:
                raise SymparamError("nn.EmbeddingBag on flat indices (input shape () besides the batch: torch's 1D "
                                    "input) needs offsets: inputs = [indices, offsets] (and per_sample_weights).")
            offsets = rest.pop(0)
            if len(offsets) != 0:
                raise SymparamError(f"nn.EmbeddingBag's offsets must be 1D like the flat indices (shape () besides "
                                    f"the batch). Received offsets shape {format_shape(offsets)}.")
        elif len(x) == 1:
            if len(rest) > 1:
                raise SymparamError("nn.EmbeddingBag on bags of N indices (input (N,)) takes no offsets: inputs = "
                                    "[indices] or [indices, per_sample_weights]. Received: 3 inputs.")
        else:
            raise SymparamError("nn.EmbeddingBag expects each sample to be one bag of indices, an input (N,) "
                                "besides the batch, or flat indices () with offsets. Received input shape "
                                f"{format_shape(x)}.")
        if rest:
            (weights,) = rest
            if a.mode != "sum":
                raise SymparamError(f'per_sample_weights are supported only with mode "sum" (as torch). Received: '
                                    f'mode = {show(a.mode)}.')
            if len(weights) != len(x):
                raise SymparamError(f"per_sample_weights must have the shape of the indices. Received shapes "
                                    f"{format_shape(weights)} and {format_shape(x)}.")
            for w, n in zip(weights, x):
                if w is not None and n is not None:
                    b.require(sympy.Eq(w, n), "inputs", "per_sample_weights must have the shape of the indices",
                              f"shapes {format_shape(weights)} and {format_shape(x)}")
        _padding_idx(b, a.padding_idx, a.num_embeddings)
        b.weight("weight", (a.num_embeddings, a.embedding_dim), role="embedding vectors", labels=("V", "D"),
                 category="embedding")
        b.cost("elementwise", times(x[0], a.embedding_dim, 1 + bool(rest)) if x else None,   # flat: bags of unknown size
               words="the bag: one add (or compare) per looked-up value, and a multiply with per_sample_weights")
        return (a.embedding_dim,)


@register
class PReLU(LayerKind):
    no_twin = "Keras's PReLU holds one slope per element not shared: symparam does not pair them"
    name = "nn.PReLU"
    saves = ("input",)
    convention = "torch"
    example = ({"num_parameters": "C"}, ["C", "H", "W"], {"C": 64, "H": 32, "W": 32})
    summary = "leaky ReLU with learned slopes: one shared, or one per channel (num_parameters = C)"
    args = {"num_parameters": Size(1), "init": Opaque(0.25), **DEVICE}

    def build(self, a, inputs, b):
        (x,) = inputs
        channels = x[0] if x else sympy.Integer(1)
        n = a.num_parameters
        if channels is not None:
            b.require(sympy.Or(sympy.Eq(n, 1), sympy.Eq(n, channels)), "num_parameters",
                      "num_parameters must be 1 or the input's channels (its first axis)",
                      f"num_parameters = {n}, input shape {format_shape(x)}")
        b.weight("weight", (n,), role="slopes", labels=("n",), category="weight")
        activation(b, "prelu", x)
        return x


# ---------------------------------------------------------------------------------------------------------------
# Flatten, Dropout, Identity
# ---------------------------------------------------------------------------------------------------------------

@register
class Flatten(LayerKind):
    name = "nn.Flatten"
    saves = ("none",)
    convention = "torch"
    example = ({}, ["C", "H", "W"], {"C": 64, "H": 7, "W": 7})
    summary = "flattens the axes start_dim to end_dim into one (counted with the batch axis at 0)"
    no_params = "flattening only rearranges the values it receives"
    args = {"start_dim": Int(1), "end_dim": Int(-1)}

    def build(self, a, inputs, b):
        (x,) = inputs
        rank = len(x) + 1
        received = f"start_dim = {a.start_dim}, end_dim = {a.end_dim}, input shape {format_shape(x)}"
        axes = flatten_axes(rank, a.start_dim, a.end_dim)
        if axes is None:
            raise SymparamError(f"start_dim and end_dim must name axes of the batched input, from {-rank} to "
                                f"{rank - 1}. Received: {received}.")
        start, end = axes
        if start > end:
            raise SymparamError(f"start_dim cannot come after end_dim. Received: {received}.")
        if start == 0 and end > 0:
            raise SymparamError(f"flattening the batch axis into others (start_dim 0) is not modelled: the output "
                                f"would have no batch axis. Received: {received}.")
        moves(b)
        if start == 0:
            return x
        return (*x[:start - 1], product(x[start - 1:end]), *x[end:])


@register
class Dropout(LayerKind):
    name = "nn.Dropout"
    saves = ("mask",)
    convention = "torch"
    example = ({"p": 0.5}, ["n"], {"n": 128})
    summary = "randomly zeroes a fraction p of its inputs while training"
    no_params = "dropout only zeroes some of the values it receives"
    args = {"p": Real(0.5, 0.0, 1.0), "inplace": Opaque(False)}

    def build(self, a, inputs, b):
        identity(b)
        return inputs[0]


@register
class Identity(LayerKind):
    name = "nn.Identity"
    saves = ("none",)
    convention = "torch"
    example = ({}, ["n"], {"n": 128})
    summary = "passes its input through unchanged"
    no_params = "the identity only passes on what it receives"

    def build(self, a, inputs, b):
        identity(b)
        return inputs[0]
