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
    if isinstance(v, list):
        return "[" + ", ".join(literal(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{python(k)}: {literal(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} as Python source")


def kwargs_text(kwargs) -> str:
    return ", ".join(f"{k}={literal(x)}" for k, x in kwargs)
