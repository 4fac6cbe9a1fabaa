"""Spec argument values as Python values for a framework constructor, and those values as Python source.

Every string in the generated code is a literal made by render.escape.python; numbers are written as Python reads
them back (an infinity as float("inf")); nothing else from a spec reaches the source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import sympy

from ..render.escape import python
from ..errors import SymparamError, show
from .plan import integer


@dataclass(frozen=True)
class Call:
    """A constructor call: `function` (a dotted name the generated file imports, never user text) with keyword
    arguments (Python values, or nested Calls)."""
    function: str
    kwargs: tuple[tuple[str, Any], ...] = ()
    args: tuple[Any, ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.kwargs).get(key, default)


def wrapped(value: Any) -> bool:
    """A wrapped layer as the spec parser holds it: (kind, parsed arguments)."""
    return isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], SimpleNamespace)


def value(v: Any, what: str, layer=None) -> Any:
    """A parsed argument as a plain Python value (sizes bound to ints; `layer(kind, args)` makes a wrapped layer)."""
    if v is None or isinstance(v, (bool, str, float)):
        return v
    if isinstance(v, int):
        return v
    if wrapped(v):
        if layer is None:
            raise ValueError(f"{what}: a wrapped layer where none is expected")
        return layer(*v)
    if hasattr(v, "values") and isinstance(v, tuple):   # an array argument (layers.preprocessing.Array): its numbers
        return value(v.values, what, layer)
    if isinstance(v, sympy.Basic):
        if v.is_Float:
            return float(v)
        return integer(v, what)
    if isinstance(v, (tuple, list)):
        return type(v)(value(x, what, layer) for x in v)
    if isinstance(v, dict):
        return {str(k): value(x, what, layer) for k, x in v.items()}
    raise ValueError(f"{what}: cannot write {type(v).__name__} values")


def number(v: Any, what: str) -> float:
    """A real-valued argument (an epsilon, a momentum) as a float."""
    if isinstance(v, bool) or not isinstance(v, (int, float, sympy.Number)):
        raise SymparamError(f"{what} must be a number to be exported. Received: {what} = {show(v)}.")
    return float(v)


def written(arg, v: Any) -> bool:
    """Whether an argument goes into the generated code: not one the count ignores and symparam does not check
    (an initializer's, regularizer's or constraint's name or table, a dtype, a device) unless it is a plain number or
    boolean. The file then builds with the framework's defaults for those."""
    from ..layers.base import Opaque
    return not isinstance(arg, Opaque) or v is None or isinstance(v, (bool, int, float))


def literal(v: Any) -> str:
    """Python source for a value made by `value` (or a Call)."""
    if isinstance(v, Call):
        parts = [literal(a) for a in v.args] + [f"{k}={literal(x)}" for k, x in v.kwargs]
        return f"{v.function}({', '.join(parts)})"
    if v is None or isinstance(v, bool):
        return repr(v)
    if isinstance(v, int):
        return repr(int(v))
    if isinstance(v, float):
        if math.isnan(v):
            return 'float("nan")'
        if math.isinf(v):
            return 'float("inf")' if v > 0 else '-float("inf")'
        return repr(v)
    if isinstance(v, str):
        return python(v)
    if isinstance(v, tuple):
        return "(" + ", ".join(literal(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, list) and isinstance(getattr(v, "source", None), str):   # layers.index_lookup.Placeholders
        return v.source
    if isinstance(v, list):
        return "[" + ", ".join(literal(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{python(k)}: {literal(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} as Python source")


def kwargs_text(kwargs) -> str:
    return ", ".join(f"{k}={literal(x)}" for k, x in kwargs)


def scale_args(node) -> tuple[tuple[str, Any], ...]:
    """LayerScale's and CustomScaleLayer's arguments, for the class each framework's file defines for it."""
    a = node.args
    if node.layer.type == "LayerScale":
        return ("init_values", number(a.init_values, "init_values")), \
            ("projection_dim", integer(a.projection_dim, "projection_dim"))
    return (("scale", number(a.scale, "scale")),)


def attention_args(node) -> tuple[tuple[str, int], ...]:
    """A ScaledDotProductAttention's heads, key and value heads and head width, for the class each framework's file
    defines for it (keras_own.py, torch_modules.py)."""
    a, shapes = node.args, node.layer.record.input_shapes
    heads = integer(a.num_heads, "num_heads")
    kv = heads if a.num_kv_heads is None else integer(a.num_kv_heads, "num_kv_heads")
    width = integer(shapes[0][-1], "the queries' width")
    d = integer(a.head_dim, "head_dim") if a.head_dim is not None else \
        width // (heads + 2 * kv if len(shapes) == 1 else heads)
    return ("num_heads", heads), ("num_kv_heads", kv), ("head_dim", d)


def experts_args(node) -> tuple[tuple[str, int], ...]:
    """A MixtureOfExperts's sizes, for the class each framework's file defines for it (the hidden size read from the
    input where the spec leaves it out)."""
    a, x = node.args, node.layer.record.input_shapes[0]
    hidden = integer(x[-1] if a.hidden_size is None else a.hidden_size, "hidden_size")
    return (("num_experts", integer(a.num_experts, "num_experts")), ("top_k", integer(a.top_k, "top_k")),
            ("intermediate_size", integer(a.intermediate_size, "intermediate_size")), ("hidden_size", hidden))


def vit_args(node) -> tuple[tuple[str, Any], ...]:
    """A ViTEmbeddings's sizes, for the class each framework's file defines for it: the channels read from the
    image where the spec leaves them out, the patches from the output (its tokens less the class token)."""
    a, record = node.args, node.layer.record
    channels = record.input_shapes[0][0] if a.num_channels is None else a.num_channels
    return (("hidden_size", integer(a.hidden_size, "hidden_size")), ("patch_size", integer(a.patch_size, "patch_size")),
            ("num_channels", integer(channels, "num_channels")),
            ("num_patches", integer(record.output_shape[0], "the tokens") - 1), ("use_mask_token", a.use_mask_token))
