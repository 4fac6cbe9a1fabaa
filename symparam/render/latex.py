"""The worked derivation in LaTeX, the way the lesson writes it: per layer the formula in letters, the same with
the spec's sizes, the numbers, the value; layers without parameters say why; then the sum.

The output is a fragment that compiles inside a plain `article` with amsmath.
"""

from __future__ import annotations

import sympy

from ..layers import lookup
from ..model import LayerRecord, Network
from ..totals import readable
from .formula import product_text
from .latex_printer import label, latex, text

TIMES = r" \cdot "


def _shape(shape) -> str:
    if len(shape) == 0:
        return "()"
    return r"(" + r" \times ".join(r"\mathrm{None}" if d is None else latex(d) for d in shape) + r")"


def _chain(*steps: str) -> str:
    """'a = b = c' without repeating a step."""
    out: list[str] = []
    for step in steps:
        if step and (not out or out[-1] != step):
            out.append(step)
    return " = ".join(out)


def _layer(layer: LayerRecord, sym: LayerRecord, index: int) -> list[str]:
    kind = lookup(layer.type)
    lines = [rf"\subsection*{{Layer {index}: {text(layer.name)} ({text(layer.type)})}}"]
    shapes = ", ".join(_shape(s) for s in layer.input_shapes)
    into = f"Input shape ${shapes}$, output shape " if shapes else "Output shape "
    lines.append(f"{text(kind.summary[:1].upper() + kind.summary[1:])}. {into}${_shape(layer.output_shape)}$.")
    if not sym.variables:
        reason = kind.no_params or "it declares no variables"
        lines.append(rf"No parameters: {text(reason)}." + "\n")
        return lines
    rows = []
    for v, sv in zip(layer.variables, sym.variables):
        word = text(f"{v.role} ({v.name})" if v.role else v.name)
        if not v.trainable:
            word += r", \text{not trainable}"
        letters = TIMES.join(label(x) for x in sv.labels) if len(sv.labels) == len(sv.shape) else ""
        rows.append(rf"\text{{{word}}} &= " + _chain(letters, product_text(sv.shape, latex, TIMES),
                                                    product_text(v.shape, latex, TIMES), latex(v.size)))
    sizes = [latex(v.size) for v in layer.variables]
    total = latex(readable(layer.params))
    rows.append(r"\text{parameters} &= " + _chain(" + ".join(sizes) if len(sizes) > 1 else "", total))
    lines.append(r"\begin{align*}" + "\n" + " \\\\\n".join(rows) + "\n" + r"\end{align*}")
    return lines


def render(net: Network) -> str:
    sym = net.unbound
    out = [rf"\section*{{Parameters of {text(net.name)}}}"]
    if net.bindings:
        out.append("With " + ", ".join(f"${latex(sympy.Symbol(k))} = {v:,}$".replace(",", "{,}")
                                       for k, v in net.bindings.items()) + ".")
    for i, (layer, sym_layer) in enumerate(zip(net.layers, sym.layers), start=1):
        out.extend(_layer(layer, sym_layer, i))
    counts = [latex(readable(layer.params)) for layer in net.layers]
    total = latex(readable(net.total))
    out.append(r"\subsection*{Total}")
    out.append(r"\begin{align*}" + "\n" + r"\text{total} &= " + _chain(" + ".join(counts), total))
    if not sym.total.is_number and net.total.is_number:
        out[-1] += " \\\\\n" + r"&= " + latex(readable(sym.total))
    rows = [rf"\text{{trainable}} &= {latex(readable(net.trainable))}",
            rf"\text{{non-trainable}} &= {latex(readable(net.non_trainable))}"]
    out[-1] += " \\\\\n" + " \\\\\n".join(rows) + "\n" + r"\end{align*}"
    if net.assumptions:
        conds = ", ".join(f"${latex(c.relation)}$" for _, c in net.assumptions)
        out.append(f"Valid when {conds}.")
    return "\n".join(out) + "\n"
