"""PyTorch dialect: nn.Module, a module symparam has no rules for, described by the tensors it holds.

`symparam import` writes one for every module of a kind symparam lacks (a custom class, torchvision's LayerScale
or relative position table), so that no parameter is dropped: its parameters and buffers are listed by name and
shape, exactly as the module holds them (its own tensors, not its children's: those are layers of their own), and
its output shape as forward() returned it. Nothing is derived: the count is the sum of the listed shapes.

  [[layers]]
  type = "nn.Module"
  name = "encoder"
  module = "torchvision.models.vision_transformer.Encoder"
  parameters = { pos_embedding = [1, 197, 768] }
  output_shape = [197, 768]
"""

from __future__ import annotations

import re

from ..errors import SymparamError, show
from . import register
from .base import Arg, LayerKind, Opaque

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_TENSORS = 1000


class Tensors(Arg):
    """A table of tensors: name -> shape (a list of sizes, [] for a scalar; 0 allowed: an empty tensor)."""
    expected = "a table of tensor names and shapes, e.g. { weight = [64, 3], scale = [] }"

    def parse(self, value, key, ctx):
        if not isinstance(value, dict) or len(value) > MAX_TENSORS:
            raise self.refuse(value, key)
        out = {}
        for name, shape in value.items():
            if not isinstance(name, str) or not _IDENTIFIER.match(name):
                raise SymparamError(f"{key}: a tensor name must be an identifier (torch's own, no dots). Received: "
                                    f"{show(name)}.")
            if not isinstance(shape, list) or len(shape) > 16 or any(
                    isinstance(d, bool) or not isinstance(d, (int, str)) for d in shape):
                raise SymparamError(f"{key}: the shape of {name} must be a list of at most 16 sizes. Received: "
                                    f"{name} = {show(shape)}.")
            out[name] = tuple(ctx.size(d, f"{key}.{name}", 0) for d in shape)
        return out


class Names(Arg):
    expected = "a list of parameter names"

    def parse(self, value, key, ctx):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.refuse(value, key)
        return tuple(value)


class OutputShape(Arg):
    expected = 'a list of sizes ("none" for an axis of unknown length), or "none": the first input\'s shape'

    def parse(self, value, key, ctx):
        if value is None or (isinstance(value, str) and value.lower() == "none"):
            return None
        return ctx.shape(value, key)


@register
class Module(LayerKind):
    name = "nn.Module"
    convention = "torch"
    n_inputs = (1, None)
    summary = ("a module symparam has no rules for: its parameters and buffers as listed (counted from the tensors "
               "the module holds), its output shape as given")
    example = ({"parameters": {"scale": ["C"]}, "output_shape": ["C", "H", "W"]}, ["C", "H", "W"],
               {"C": 64, "H": 8, "W": 8})
    args = {
        "module": Opaque(""),            # the Python class it stands for, for the reader
        "parameters": Tensors({}),
        "buffers": Tensors({}),
        "frozen": Names([]),             # parameters with requires_grad = False
        "output_shape": OutputShape(None),
    }

    saves = ("unmodelled",)   # what an arbitrary forward() keeps is not known

    def build(self, a, inputs, b):
        unknown = sorted(set(a.frozen) - set(a.parameters))
        if unknown:
            raise SymparamError(f"frozen names {', '.join(map(repr, unknown))}, which is not among the parameters "
                                f"({', '.join(a.parameters) or 'none'}). Received: frozen = {show(list(a.frozen))}.")
        what = f" of {a.module}" if a.module else ""
        b.cost("matmul", None, words=f"a module symparam has no rules for{what}: its arithmetic is unknown")
        for name, shape in a.parameters.items():
            b.weight(name, shape, role=f"parameters{what}, counted from the tensor", labels=(),
                     category="bias" if name == "bias" else "weight", trainable=name not in a.frozen)
        for name, shape in a.buffers.items():
            b.weight(name, shape, role=f"buffer{what}, counted from the tensor", labels=(), category="statistic",
                     buffer=True)
        b.cost("matmul", None, words=f"unknown: the arithmetic{what} is not modelled, only its tensors are counted")
        return tuple(inputs[0]) if a.output_shape is None else a.output_shape
