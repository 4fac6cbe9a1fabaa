"""PyTorch dialect, activations (nn.*): fixed functions applied to each value (nn.Softmax and nn.LogSoftmax along
one axis); no parameters (nn.PReLU, which has some, is in torch_basic.py).

Torch's argument names and defaults; shapes without the batch axis.
"""

from __future__ import annotations

from ..errors import SymparamError, show
from . import register
from .base import Choice, Int, LayerKind, Opaque
from .core import format_shape
from .costs import activation, softmax
from .torch_args import Number


class TorchActivation(LayerKind):
    convention = "torch"
    example = ({}, ["n"], {"n": 128})
    no_params = "an activation is a fixed function applied to each value"

    def build(self, a, inputs, b):
        (x,) = inputs
        dim = getattr(a, "dim", None)
        if dim is not None and not -(len(x) + 1) <= dim <= len(x):
            raise SymparamError(f"dim must name an axis of the batched input, from {-(len(x) + 1)} to {len(x)}. "
                                f"Received: dim = {dim}, input shape {format_shape(x)}.")
        if hasattr(a, "min_val"):
            low = a.min_value if a.min_value is not None else a.min_val
            high = a.max_value if a.max_value is not None else a.max_val
            if not high > low:
                raise SymparamError(f"max_val must be greater than min_val. Received: min_val = {show(low)}, "
                                    f"max_val = {show(high)}.")
        if self.name in ("nn.Softmax", "nn.LogSoftmax"):
            softmax(b, x)
        else:
            activation(b, self.name, x)
        return x


_INPLACE = {"inplace": Opaque(False)}
_DIM = {"dim": Int(None, optional=True)}


@register
class ReLU(TorchActivation):
    name = "nn.ReLU"
    saves = ("output",)
    summary = "max(x, 0), element by element"
    args = _INPLACE


@register
class GELU(TorchActivation):
    name = "nn.GELU"
    saves = ("input",)
    summary = "the Gaussian error linear unit, element by element"
    args = {"approximate": Choice("none", "tanh", default="none", any_case=False)}


@register
class Tanh(TorchActivation):
    name = "nn.Tanh"
    saves = ("output",)
    summary = "the hyperbolic tangent, element by element"


@register
class Sigmoid(TorchActivation):
    name = "nn.Sigmoid"
    saves = ("output",)
    summary = "the logistic sigmoid, element by element"


@register
class SiLU(TorchActivation):
    name = "nn.SiLU"
    saves = ("input",)
    summary = "x * sigmoid(x), element by element"
    args = _INPLACE


@register
class LeakyReLU(TorchActivation):
    name = "nn.LeakyReLU"
    saves = ("input",)
    summary = "x, or negative_slope * x below 0"
    args = {"negative_slope": Number(0.01), **_INPLACE}


@register
class ELU(TorchActivation):
    name = "nn.ELU"
    saves = ("input",)
    summary = "x, or alpha * (exp(x) - 1) below 0"
    args = {"alpha": Number(1.0), **_INPLACE}


@register
class Softmax(TorchActivation):
    name = "nn.Softmax"
    saves = ("output",)
    summary = "exponentials normalized to sum to 1 along dim"
    args = _DIM


@register
class LogSoftmax(TorchActivation):
    name = "nn.LogSoftmax"
    saves = ("output",)
    summary = "the logarithm of the softmax along dim"
    args = _DIM


@register
class Hardtanh(TorchActivation):
    name = "nn.Hardtanh"
    saves = ("input",)
    summary = "x clipped to [min_val, max_val]"
    args = {"min_val": Number(-1.0), "max_val": Number(1.0), **_INPLACE, "min_value": Number(None, optional=True),
            "max_value": Number(None, optional=True)}


@register
class ReLU6(TorchActivation):
    name = "nn.ReLU6"
    saves = ("input",)
    summary = "min(max(x, 0), 6), element by element"
    args = _INPLACE


@register
class Mish(TorchActivation):
    name = "nn.Mish"
    saves = ("input",)
    summary = "x * tanh(softplus(x)), element by element"
    args = _INPLACE


@register
class Softplus(TorchActivation):
    name = "nn.Softplus"
    saves = ("input",)
    summary = "log(1 + exp(beta * x)) / beta, element by element"
    args = {"beta": Number(1.0), "threshold": Number(20.0)}


@register
class Hardswish(TorchActivation):
    name = "nn.Hardswish"
    saves = ("input",)
    summary = "x * relu6(x + 3) / 6, element by element (MobileNet v3)"
    args = _INPLACE


@register
class Hardsigmoid(TorchActivation):
    name = "nn.Hardsigmoid"
    saves = ("input",)
    summary = "relu6(x + 3) / 6, element by element (MobileNet v3's squeeze-and-excitation gate)"
    args = _INPLACE
