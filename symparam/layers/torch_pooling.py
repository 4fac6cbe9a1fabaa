"""PyTorch dialect, pooling (nn.*): max, average and power-mean (LPPool) pooling over windows, adaptive pooling
to an output size, fractional max pooling (random windows, an output size or ratio) and max unpooling (a max
pooling's inverse, from the values and their indices).

Torch's argument names and defaults; shapes channels-first and without the batch axis, e.g. (C, H, W) for
nn.MaxPool2d. Output-shape arithmetic lives in symparam.torch_shapes.
"""

from __future__ import annotations

from types import SimpleNamespace

import sympy

from ..errors import SymparamError
from ..torch_shapes import pool_length, transposed_length
from . import register
from .base import Flag, Int, LayerKind, Opaque, Size
from .core import format_shape
from .costs import pooling, reads, size
from .pooling import AdaptiveAverage
from .torch_args import Number, OutputSize, PerAxis, Ratios, channels_first
from .torch_basic import channels_example


class TorchPool(LayerKind):
    convention = "torch"
    rank = 0
    unpadded_fits = False   # nn.AvgPool3d alone also wants the input itself, before padding, to fit the kernel

    window_arg = ("window", "kernel_size")

    def build(self, a, inputs, b):
        (x,) = inputs
        c, spatial = channels_first(x, (self.rank,), self.name)
        if getattr(a, "divisor_override", None) == 0:
            raise SymparamError("divisor_override must not be zero. Received: divisor_override = 0.")
        stride = a.stride if a.stride is not None else a.kernel_size
        dilation = getattr(a, "dilation", None) or (sympy.Integer(1),) * self.rank
        out = []
        for axis, n in enumerate(spatial):
            k, s, p, d = a.kernel_size[axis], stride[axis], a.padding[axis], dilation[axis]
            b.require(sympy.Le(2 * p, k), "padding", "padding must be at most half of kernel_size",
                      f"padding = {p}, kernel_size = {k}")
            if self.unpadded_fits and n is not None:
                b.require(sympy.Ge(n, k), "kernel_size", f"{self.name} needs every input axis, before padding, to "
                          f"be at least kernel_size", f"input length {n} on axis {axis + 2} (of the batch), "
                          f"kernel_size = {k}")
            length, condition = pool_length(n, k, s, p, d, a.ceil_mode)
            if condition is not None:
                b.require(condition, "kernel_size", f"the pooling's output on input axis {axis + 2} (of the batch) "
                          f"must have at least one position", f"input length {n}, kernel_size = {k}, padding = {p}")
            out.append(length)
        pooling(b, (c, *out), a.kernel_size, average=self.name.startswith("nn.Avg"))
        return (c, *out)


class AdaptivePool(LayerKind):
    convention = "torch"
    rank = 0

    def build(self, a, inputs, b):
        (x,) = inputs
        c, spatial = channels_first(x, (self.rank,), self.name)
        out = (c, *(n if o is None else o for n, o in zip(spatial, a.output_size)))
        reads(b, size(x), size(out) if "Avg" in self.name else 0)
        return out


def _pool_args(rank: int, op: str) -> dict:
    args = {"kernel_size": PerAxis(rank), "stride": PerAxis(rank, None, optional=True),
            "padding": PerAxis(rank, 0, minimum=0)}
    if op == "Max":
        return {**args, "dilation": PerAxis(rank, 1), "return_indices": Opaque(False), "ceil_mode": Flag(False)}
    extra = {"divisor_override": Int(None, optional=True)} if rank > 1 else {}
    return {**args, "ceil_mode": Flag(False), "count_include_pad": Opaque(True), **extra}


@register
class MaxPool1d(TorchPool):
    name = "nn.MaxPool1d"
    saves = ("input", "argmax")
    rank = 1
    args, example = _pool_args(1, "Max"), channels_example(1, {"kernel_size": 2})
    summary = "the maximum over each 1D window, per channel"
    no_params = "pooling only takes the maximum over each window"


@register
class MaxPool2d(TorchPool):
    name = "nn.MaxPool2d"
    saves = ("input", "argmax")
    rank = 2
    args, example = _pool_args(2, "Max"), channels_example(2, {"kernel_size": 2})
    summary = "the maximum over each 2D window, per channel"
    no_params = "pooling only takes the maximum over each window"


@register
class MaxPool3d(TorchPool):
    name = "nn.MaxPool3d"
    saves = ("input", "argmax")
    rank = 3
    args, example = _pool_args(3, "Max"), channels_example(3, {"kernel_size": 2})
    summary = "the maximum over each 3D window, per channel"
    no_params = "pooling only takes the maximum over each window"


@register
class AvgPool1d(TorchPool):
    name = "nn.AvgPool1d"
    saves = ("input",)
    rank = 1
    args, example = _pool_args(1, "Avg"), channels_example(1, {"kernel_size": 2})
    summary = "the average over each 1D window, per channel"
    no_params = "pooling only takes the average over each window"


@register
class AvgPool2d(TorchPool):
    name = "nn.AvgPool2d"
    saves = ("input",)
    rank = 2
    args, example = _pool_args(2, "Avg"), channels_example(2, {"kernel_size": 2})
    summary = "the average over each 2D window, per channel"
    no_params = "pooling only takes the average over each window"


@register
class AvgPool3d(TorchPool):
    name = "nn.AvgPool3d"
    saves = ("input",)
    rank = 3
    unpadded_fits = True
    args, example = _pool_args(3, "Avg"), channels_example(3, {"kernel_size": 2})
    summary = "the average over each 3D window, per channel"
    no_params = "pooling only takes the average over each window"


@register
class AdaptiveMaxPool1d(AdaptivePool):
    name = "nn.AdaptiveMaxPool1d"
    saves = ("input", "argmax")
    rank = 1
    args = {"output_size": OutputSize(1), "return_indices": Opaque(False)}
    example = channels_example(1, {"output_size": 1})
    summary = "the maximum over windows sized to give output_size positions per axis, per channel"
    no_params = "pooling only takes the maximum over each window"


@register
class AdaptiveMaxPool2d(AdaptivePool):
    name = "nn.AdaptiveMaxPool2d"
    saves = ("input", "argmax")
    rank = 2
    args = {"output_size": OutputSize(2), "return_indices": Opaque(False)}
    example = channels_example(2, {"output_size": 1})
    summary = "the maximum over windows sized to give output_size positions per axis, per channel"
    no_params = "pooling only takes the maximum over each window"


@register
class AdaptiveMaxPool3d(AdaptivePool):
    name = "nn.AdaptiveMaxPool3d"
    saves = ("input", "argmax")
    rank = 3
    args = {"output_size": OutputSize(3), "return_indices": Opaque(False)}
    example = channels_example(3, {"output_size": 1})
    summary = "the maximum over windows sized to give output_size positions per axis, per channel"
    no_params = "pooling only takes the maximum over each window"


@register
class AdaptiveAvgPool1d(AdaptiveAverage, AdaptivePool):
    name = "nn.AdaptiveAvgPool1d"
    rank = 1
    args, example = {"output_size": OutputSize(1)}, channels_example(1, {"output_size": 1})
    summary = "the average over windows sized to give output_size positions per axis, per channel"
    no_params = "pooling only takes the average over each window"


@register
class AdaptiveAvgPool2d(AdaptiveAverage, AdaptivePool):
    name = "nn.AdaptiveAvgPool2d"
    rank = 2
    args, example = {"output_size": OutputSize(2)}, channels_example(2, {"output_size": 1})
    summary = "the average over windows sized to give output_size positions per axis, per channel"
    no_params = "pooling only takes the average over each window"


@register
class AdaptiveAvgPool3d(AdaptiveAverage, AdaptivePool):
    name = "nn.AdaptiveAvgPool3d"
    rank = 3
    args, example = {"output_size": OutputSize(3)}, channels_example(3, {"output_size": 1})
    summary = "the average over windows sized to give output_size positions per axis, per channel"
    no_params = "pooling only takes the average over each window"


class LPPool(TorchPool):
    """The p-norm over each window: (sum of x^p)^(1/p), torch's average pooling of x^p without padding, times the
    window's size."""
    saves = ("unmodelled",)   # what torch keeps for backward is not counted yet
    no_params = "pooling only takes a power mean over each window"

    @classmethod
    def window(cls, a):
        words, kernel = super().window(a)
        return words, kernel if isinstance(kernel, tuple) else (kernel,)

    def build(self, a, inputs, b):
        kernel = a.kernel_size if isinstance(a.kernel_size, tuple) else (a.kernel_size,)
        unpadded = SimpleNamespace(**{**vars(a), "kernel_size": kernel}, padding=(sympy.Integer(0),) * self.rank)
        return super().build(unpadded, inputs, b)


def _lp_args(rank: int) -> dict:
    """nn.LPPool1d's kernel_size is one integer: torch multiplies by it, and a list fails in forward()."""
    return {"norm_type": Number(), "kernel_size": Size() if rank == 1 else PerAxis(rank),
            "stride": PerAxis(rank, None, optional=True), "ceil_mode": Flag(False)}


@register
class LPPool1d(LPPool):
    name = "nn.LPPool1d"
    rank = 1
    args, example = _lp_args(1), channels_example(1, {"norm_type": 2, "kernel_size": 2})
    summary = "the norm_type-norm of each 1D window, per channel"


@register
class LPPool2d(LPPool):
    name = "nn.LPPool2d"
    rank = 2
    args, example = _lp_args(2), channels_example(2, {"norm_type": 2, "kernel_size": 2})
    summary = "the norm_type-norm of each 2D window, per channel"


@register
class LPPool3d(LPPool):
    name = "nn.LPPool3d"
    rank = 3
    unpadded_fits = True   # as nn.AvgPool3d, which it runs
    args, example = _lp_args(3), channels_example(3, {"norm_type": 2, "kernel_size": 2})
    summary = "the norm_type-norm of each 3D window, per channel"


class FractionalMaxPool(LayerKind):
    """The maximum over windows of kernel_size at pseudo-random steps, giving output_size positions per axis, or
    int(length * output_ratio) as torch computes it: in floating point (0.7 * 90 gives 62, not 63), so a ratio needs
    input lengths that are numbers."""
    convention = "torch"
    saves = ("input", "argmax")
    rank = 0
    strict = False   # torch's 3D version wants output + kernel - 1 below the input length, its 2D one at most it
    no_params = "pooling only takes the maximum over each window"
    window_arg = ("window", "kernel_size")

    @staticmethod
    def make_args(rank: int) -> dict:
        return {"kernel_size": PerAxis(rank), "output_size": PerAxis(rank, None, optional=True),
                "output_ratio": Ratios(rank), "return_indices": Opaque(False), "_random_samples": Opaque(None)}

    def build(self, a, inputs, b):
        (x,) = inputs
        c, spatial = channels_first(x, (self.rank,), self.name)
        received = f"output_size = {a.output_size}, output_ratio = {a.output_ratio}"
        if (a.output_size is None) == (a.output_ratio is None):
            raise SymparamError(f"give exactly one of output_size and output_ratio. Received: {received}.")
        out = []
        for axis, n in enumerate(spatial):
            if a.output_size is not None:
                length = a.output_size[axis]
            elif n is None or not n.is_number:
                raise SymparamError(f"output_ratio needs input lengths that are numbers (torch computes int(length "
                                    f"* ratio) in floating point); give output_size instead. Received: {received}, "
                                    f"input shape {format_shape(x)}.")
            else:
                length = sympy.Integer(int(int(n) * float(a.output_ratio[axis])))   # torch's own arithmetic
                if length < 1:
                    raise SymparamError(f"every output length must be at least 1: int({n} * "
                                        f"{a.output_ratio[axis]}) is 0. Received: {received}.")
            if n is not None:
                reach = length + a.kernel_size[axis] - 1
                rule = "below" if self.strict else "at most"
                b.require(sympy.Lt(reach, n) if self.strict else sympy.Le(reach, n), "kernel_size",
                          f"output length + kernel_size - 1 must be {rule} the input length on each axis",
                          f"input length {n} on axis {axis + 2} (of the batch), kernel_size = "
                          f"{a.kernel_size[axis]}, output length {length}")
            out.append(length)
        pooling(b, (c, *out), a.kernel_size, average=False)
        return (c, *out)


@register
class FractionalMaxPool2d(FractionalMaxPool):
    name = "nn.FractionalMaxPool2d"
    rank = 2
    args, example = FractionalMaxPool.make_args(2), channels_example(2, {"kernel_size": 3, "output_size": 16})
    summary = "the maximum over kernel_size windows at pseudo-random steps, to output_size or output_ratio (2D)"


@register
class FractionalMaxPool3d(FractionalMaxPool):
    name = "nn.FractionalMaxPool3d"
    rank = 3
    strict = True
    args, example = FractionalMaxPool.make_args(3), channels_example(3, {"kernel_size": 3, "output_size": 16})
    summary = "the maximum over kernel_size windows at pseudo-random steps, to output_size or output_ratio (3D)"


class MaxUnpool(LayerKind):
    """A max pooling undone: each value written back at its index, zeros elsewhere; the output length per axis is
    (n - 1) * stride - 2 * padding + kernel_size, as a transposed convolution's. Called on the pooled values and
    their indices (the same shape); torch's output_size argument to forward() is not modelled."""
    convention = "torch"
    saves = ("unmodelled",)   # what torch keeps for backward is not counted yet
    rank = 0
    n_inputs = 2
    no_params = "unpooling only places the values it receives"
    no_export = "reads a max pooling's indices, its second output, which a spec cannot name"
    window_arg = ("window", "kernel_size")

    @staticmethod
    def make_args(rank: int) -> dict:
        return {"kernel_size": PerAxis(rank), "stride": PerAxis(rank, None, optional=True),
                "padding": PerAxis(rank, 0, minimum=0)}

    def build(self, a, inputs, b):
        x, indices = inputs
        c, spatial = channels_first(x, (self.rank,), self.name)
        if tuple(indices) != tuple(x):
            raise SymparamError(f"{self.name}'s indices must have the input's shape. Received input shapes "
                                f"{format_shape(x)} and {format_shape(indices)}.")
        stride = a.stride if a.stride is not None else a.kernel_size
        out = []
        for axis, n in enumerate(spatial):
            length, condition = transposed_length(n, a.kernel_size[axis], stride[axis], a.padding[axis], 0, 1)
            if condition is not None:
                b.require(condition, "padding", f"the output on input axis {axis + 2} (of the batch) must have at "
                          f"least one position", f"input length {n}, kernel_size = {a.kernel_size[axis]}, stride = "
                          f"{stride[axis]}, padding = {a.padding[axis]}")
            out.append(length)
        b.free("moves or selects values: no arithmetic")
        return (c, *out)


@register
class MaxUnpool1d(MaxUnpool):
    name = "nn.MaxUnpool1d"
    rank = 1
    args = MaxUnpool.make_args(1)
    example = ({"kernel_size": 2, "inputs": ["x", "indices"]}, {"x": ["C", "L"], "indices": ["C", "L"]}, {"C": 64, "L": 32})
    summary = "undoes nn.MaxPool1d: each value back at its index, zeros elsewhere"


@register
class MaxUnpool2d(MaxUnpool):
    name = "nn.MaxUnpool2d"
    rank = 2
    args = MaxUnpool.make_args(2)
    example = ({"kernel_size": 2, "inputs": ["x", "indices"]}, {"x": ["C", "H", "W"], "indices": ["C", "H", "W"]}, {"C": 64, "H": 32, "W": 32})
    summary = "undoes nn.MaxPool2d: each value back at its index, zeros elsewhere"


@register
class MaxUnpool3d(MaxUnpool):
    name = "nn.MaxUnpool3d"
    rank = 3
    args = MaxUnpool.make_args(3)
    example = ({"kernel_size": 2, "inputs": ["x", "indices"]}, {"x": ["C", "D", "H", "W"], "indices": ["C", "D", "H", "W"]}, {"C": 64, "D": 32, "H": 32, "W": 32})
    summary = "undoes nn.MaxPool3d: each value back at its index, zeros elsewhere"
