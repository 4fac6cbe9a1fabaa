"""Per-layer parameter formulas as the lesson writes them: each variable's axes multiplied, in layout order."""

from __future__ import annotations

from typing import Callable

import sympy

from ..model import LayerRecord


def product_text(dims, show: Callable[[sympy.Expr], str], times: str) -> str:
    if not dims:
        return "1"   # a scalar variable (e.g. a count) holds one value
    parts = []
    for d in dims:
        s = show(d)
        parts.append(f"({s})" if isinstance(d, sympy.Add) or (len(dims) > 1 and s.startswith("-")) else s)
    return times.join(parts)


def layer_formula(layer: LayerRecord, show: Callable[[sympy.Expr], str], times: str = "·",
                  include_buffers: bool = False) -> str:
    """'3·3·3·32 + 32' for a Conv2D; '' for a layer without parameters."""
    terms = [product_text(v.shape, show, times) for v in layer.variables
             if (include_buffers or not v.buffer) and v.counted]
    shared = [f"{v.name} tied to {v.shared_with}" for v in layer.variables if not v.counted]
    text = " + ".join(terms)
    if text and layer.repeat != 1:
        text = f"{show(layer.repeat)} × ({text})"
    if shared:
        text = (text + " " if text else "") + "(" + "; ".join(shared) + ", counted there)"
    return text
