"""The Keras-summary-like table, rendered with rich."""

from __future__ import annotations

from ..model import Network
from ..totals import grouping, readable, text
from .formula import layer_formula


def _shape(shape) -> str:
    items = [text(d).replace(",", "") if d is not None and d.is_number else text(d) for d in shape]
    return "(" + ", ".join(items) + (",)" if len(items) == 1 else ")")


def _value(expr) -> str:
    return text(readable(expr))


def render(net: Network, console) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    symbolic = net.unbound
    graph = any(layer.inputs and i > 0 and layer.inputs != (net.layers[i - 1].name,)
                for i, layer in enumerate(net.layers))
    table = Table(title=escape(f"Network: {net.name} ({net.convention} convention)"), box=box.SIMPLE_HEAD,
                  title_justify="left")
    table.add_column("Layer (type)", no_wrap=True)
    table.add_column("Output Shape")
    table.add_column("Param formula")
    table.add_column("Param #", justify="right")
    if graph:
        table.add_column("Connected to")
    for layer, sym_layer in zip(net.layers, symbolic.layers):
        formula = layer_formula(sym_layer, text) or "—"
        shapes = " ".join(_shape(s) for s in layer.outputs) if layer.outputs else _shape(layer.output_shape)
        row = [f"{layer.name} ({layer.type})", shapes, formula, _value(layer.params)]
        if graph:
            row.append(", ".join(layer.inputs))
        table.add_row(*(escape(cell) for cell in row))
    console.print(table)
    for label, expr, sym_expr in (("Total params", net.total, symbolic.total),
                                  ("Trainable params", net.trainable, symbolic.trainable),
                                  ("Non-trainable params", net.non_trainable, symbolic.non_trainable)):
        group = grouping(net)
        line = f"[bold]{label}:[/bold] {text(readable(expr, group))}"
        if not sym_expr.is_number and expr.is_number:
            line += f"  (= {text(readable(sym_expr, group))})"
        console.print(line, highlight=False)
    if net.buffers != 0:
        console.print(f"Buffers (not parameters): {_value(net.buffers)}", highlight=False, markup=False)
    if net.bindings:
        console.print("Bound: " + ", ".join(f"{k} = {v}" for k, v in net.bindings.items()), highlight=False,
                      markup=False)
    free = net.free_symbols
    if free:
        console.print("Free symbols: " + ", ".join(free), highlight=False, markup=False)
    for where, condition in net.assumptions:
        console.print(f"Assumes: {text(condition.relation).replace('·', '*')}  ({where}: {condition.key})",
                      highlight=False, markup=False)
