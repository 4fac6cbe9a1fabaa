"""Core kinds: InputLayer, Dense, Flatten, Reshape, Dropout, Activation."""

from __future__ import annotations

import sympy

from ..errors import SymparamError, show
from ..shapes import product, split_channels
from . import register
from .base import (REQUIRED, ActivationName, Arg, AxisRule, Choice, Flag, Int, LayerKind, NoTwin, Opaque, Real, Size,
                   Twin, Unsupported)
from .costs import activation, bias, identity, moves, size, times

KERNEL_ARGS = {
    "kernel_initializer": Opaque(), "bias_initializer": Opaque(), "kernel_regularizer": Opaque(),
    "bias_regularizer": Opaque(), "kernel_constraint": Opaque(), "bias_constraint": Opaque(),
}


class ShapeArg(Arg):
    """A shape without the batch axis (or with it, for batch_shape), or "none"."""
    expected = 'a list of positive sizes (or "none" for an unknown length)'

    def __init__(self, default=REQUIRED, batch: bool = False) -> None:
        super().__init__(default)
        self.batch = batch

    def parse(self, value, key, ctx):
        if isinstance(value, str) and value.lower() == "none":
            return None
        if self.batch and isinstance(value, list):
            if not value:
                raise self.refuse(value, key)
            value = value[1:]
        return ctx.shape(value, key)


def lora_rank(value) -> int:
    """Keras enables LoRA when lora_rank is truthy: none or 0 mean no LoRA."""
    if value is None or value == 0:
        return 0
    if value < 0:
        raise SymparamError(f"lora_rank must be a positive integer, 0 or \"none\". Received: lora_rank = {value}.")
    return value


def last_axis(shape, key_layer: str) -> sympy.Expr:
    if not shape:
        raise SymparamError(f"{key_layer} needs an input with at least one axis. Received input shape ().")
    if shape[-1] is None:
        raise SymparamError(f"{key_layer} needs the last input axis to have a known length. Received input shape "
                            f"{format_shape(shape)}.")
    return shape[-1]


def format_shape(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


@register
class InputLayer(LayerKind):
    name = "InputLayer"
    saves = ("none",)
    example = ({"shape": ["h", "w", "c"]}, None, {"h": 32, "w": 32, "c": 3})
    summary = "the network's input: a shape, no parameters"
    no_params = "an input layer only names the shape of the data that comes in"
    n_inputs = 0
    args = {
        "shape": ShapeArg(None), "batch_size": Opaque(), "dtype": Opaque(), "sparse": Opaque(),
        "ragged": Opaque(), "batch_shape": ShapeArg(None, batch=True),
        "input_tensor": Unsupported(None, "a tensor cannot be written in a spec"), "optional": Opaque(),
    }

    def build(self, a, inputs, b):
        if a.shape is not None and a.batch_shape is not None:
            raise SymparamError("give shape or batch_shape, not both")
        if a.shape is None and a.batch_shape is None:
            raise SymparamError("shape is required (the input shape without the batch axis)")
        b.free("names the input: no arithmetic")
        return a.shape if a.shape is not None else a.batch_shape


@register
class Dense(LayerKind):
    name = "Dense"
    saves = ("input", "activation")
    example = ({"units": "units"}, ["n_in"], {"units": 10, "n_in": 256})
    summary = "fully connected: inputs x units weights plus units biases, on the last axis"
    lesson = ("every one of the $n_out$ outputs is a weighted sum of all $n_in$ inputs plus its own bias, so the "
              "layer holds an $n_in × n_out$ weight matrix and $n_out$ biases")
    legend = {"n_in": ("inputs", "input"), "n_out": ("outputs", "units"), "r": ("the LoRA rank", "lora_rank")}
    args = {
        "units": Size(), "activation": ActivationName(None), "use_bias": Flag(True), **KERNEL_ARGS,
        "lora_rank": Int(None, optional=True), "lora_alpha": Opaque(),
        "quantization_config": Unsupported(None, "quantized layers are not modelled"),
    }

    def build(self, a, inputs, b):
        (x,) = inputs
        n_in = last_axis(x, "Dense")
        lora = lora_rank(a.lora_rank)
        b.weight("kernel", (n_in, a.units), role="weights", labels=("n_in", "n_out"), trainable=not lora, category="weight")
        if a.use_bias:
            b.weight("bias", (a.units,), role="biases", labels=("n_out",), category="bias")
        if lora:
            r = sympy.Integer(lora)
            b.weight("lora_kernel_a", (n_in, r), role="LoRA down-projection", labels=("n_in", "r"), category="weight")
            b.weight("lora_kernel_b", (r, a.units), role="LoRA up-projection", labels=("r", "n_out"), category="weight")
        out = (*x[:-1], a.units)
        rows = size(x[:-1])
        b.cost("matmul", times(rows, n_in, a.units), words="input rows x n_in x units")
        if lora:
            b.cost("matmul", times(rows, r, n_in + a.units), words="LoRA: input rows x r x (n_in + units)")
            b.cost("elementwise", times(2, size(out)), words="LoRA: scale and add its product, per output value")
        bias(b, a.use_bias, out)
        activation(b, a.activation, out)
        return out

    @classmethod
    def twin(cls, a, inputs, convention):
        if lora_rank(a.lora_rank):
            raise NoTwin("PyTorch's nn.Linear has no LoRA weights")
        (x,) = inputs
        return Twin("nn.Linear", {"in_features": x[-1], "out_features": a.units, "bias": a.use_bias}, [x])


@register
class Flatten(LayerKind):
    name = "Flatten"
    saves = ("none",)
    example = ({}, ["h", "w", "c"], {"h": 7, "w": 7, "c": 64})
    summary = "flattens every axis but the batch into one"
    lesson = "flattening lays the values out in one long vector: its length is the product of the input's axes"

    @classmethod
    def shape_rule(cls, a, inputs):
        (x,) = inputs
        if any(d is None for d in x) or len(x) < 2:
            return ()
        symbols = [sympy.Symbol(f"a{i}", integer=True, positive=True) for i in range(len(x))]
        return (AxisRule("length", sympy.Mul(*symbols, evaluate=False),
                         tuple((sym, f"d_{i + 1}", d, i, "")
                               for i, (sym, d) in enumerate(zip(symbols, x))), 0, ""),)
    no_params = "flattening only rearranges the values it receives"
    args = {"data_format": Choice("channels_last", "channels_first", default="channels_last")}

    def build(self, a, inputs, b):
        (x,) = inputs
        moves(b)
        return (product(x),)


class TargetShape(Arg):
    expected = "a list of positive sizes, at most one of them -1"

    def parse(self, value, key, ctx):
        if not isinstance(value, list) or len(value) > 16:
            raise self.refuse(value, key)
        dims = tuple(None if v == -1 and type(v) is int else ctx.size(v, key) for v in value)
        if sum(d is None for d in dims) > 1:
            raise SymparamError(f"{key} may contain -1 only once. Received: {key} = {show(value)}.")
        return dims


@register
class Reshape(LayerKind):
    name = "Reshape"
    saves = ("none",)
    example = ({"target_shape": [-1, "c"]}, ["h", "w", "c"], {"h": 7, "w": 7, "c": 64})
    summary = "rearranges the values into target_shape (one axis may be -1: inferred)"
    no_params = "reshaping only rearranges the values it receives"
    args = {"target_shape": TargetShape()}

    def build(self, a, inputs, b):
        (x,) = inputs
        moves(b)
        total = product(x)
        dims = a.target_shape
        known = sympy.Mul(*(d for d in dims if d is not None))
        if total is None:
            return tuple(d for d in dims)
        if None in dims:
            b.require(sympy.Eq(sympy.Mod(total, known), 0), "target_shape",
                      f"target_shape: the input's {total} values must divide into {known}", f"target_shape {dims}")
            inferred = total / known
            return tuple(inferred if d is None else d for d in dims)
        b.require(sympy.Eq(total, known), "target_shape",
                  f"target_shape: must hold as many values as the input ({total})", f"{known} values")
        return dims


@register
class Dropout(LayerKind):
    name = "Dropout"
    saves = ("mask",)
    example = ({"rate": 0.5}, ["n"], {"n": 128})
    summary = "randomly zeroes a fraction rate of its inputs while training"
    no_params = "dropout only zeroes some of the values it receives"
    args = {"rate": Real(REQUIRED, 0.0, 1.0), "noise_shape": Opaque(), "seed": Opaque()}

    def build(self, a, inputs, b):
        identity(b)
        return inputs[0]


@register
class Activation(LayerKind):
    name = "Activation"
    saves = ("activation",)
    example = ({"activation": "relu"}, ["n"], {"n": 128})
    summary = "applies an activation function element by element"
    no_params = "an activation is a fixed function applied to each value"
    args = {"activation": ActivationName()}

    def build(self, a, inputs, b):
        if a.activation in (None, "linear"):
            identity(b)
        activation(b, a.activation, inputs[0])
        return inputs[0]


def channels_of(shape, data_format: str, kind: str, rank: int):
    """Check an input of rank `rank` spatial axes plus channels; return (channels, spatial)."""
    if len(shape) != rank + 1:
        layout = "(channels, spatial...)" if data_format == "channels_first" else "(spatial..., channels)"
        raise SymparamError(f"{kind} expects an input with {rank + 1} axes {layout} besides the batch. "
                            f"Received input shape {format_shape(shape)}.")
    channels, spatial = split_channels(shape, data_format)
    return channels, spatial
