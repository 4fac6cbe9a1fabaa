"""The Keras-summary-like table, rendered with rich, from the network's account."""

from __future__ import annotations

from ..account import Account, of
from ..printing import shape_text, text
from .escape import plain, terminal


def show(a: Account, console, share=None, translation=None, leading=None) -> None:
    """Print the table (and the --share, --convention and --leading sections asked for) to a rich console."""
    from rich import box
    from rich.table import Table

    a = of(a)
    net = a.net
    graph = any(layer.inputs and i > 0 and layer.inputs != (a.layers[i - 1].name,)
                for i, layer in enumerate(a.layers))
    table = Table(title=terminal(f"Network: {net.name} ({net.convention} convention)"), box=box.SIMPLE_HEAD,
                  title_justify="left")
    table.add_column("Layer (type)", no_wrap=True)
    table.add_column("Output Shape")
    table.add_column("Param formula")
    table.add_column("Param #", justify="right")
    if graph:
        table.add_column("Connected to")
    for layer in a.layers:
        record = layer.record
        shapes = " ".join(map(shape_text, record.outputs)) if record.outputs else shape_text(record.output_shape)
        row = [f"{layer.name} ({layer.type})", shapes, layer.formula_text() or "—", text(layer.params.value)]
        if graph:
            row.append(", ".join(layer.inputs))
        table.add_row(*(terminal(cell) for cell in row))
    console.print(table)
    for label, q in (("Total params", a.total), ("Trainable params", a.trainable),
                     ("Non-trainable params", a.non_trainable)):
        line = f"[bold]{label}:[/bold] {terminal(text(q.value))}"
        if not q.symbolic.is_number and q.value.is_number:
            line += f"  (= {terminal(text(q.symbolic))})"
        console.print(line, highlight=False)
    say = lambda words: console.print(plain(words), highlight=False, markup=False)   # noqa: E731
    if a.buffers.value != 0:
        say(f"Buffers (not parameters): {text(a.buffers.value)}")
    if a.bindings:
        say("Bound: " + ", ".join(f"{k} = {v}" for k, v in a.bindings.items()))
    if a.free:
        say("Free symbols: " + ", ".join(a.free))
    for x in a.assumptions:
        say(f"Assumes: {x.text}  ({x.layer or x.where}: {x.key})")
    if share is not None:
        from .sensitivity import table as share_table
        share_table(share, console)
    if translation is not None:
        from .twins import table as twin_table
        twin_table(translation, console)
    if leading is not None:
        from .sensitivity import leading_table
        leading_table(leading, console)


def render(a: Account, width: int = 160, **options) -> str:
    """The table as plain text, `width` columns at most (for a file, a notebook, the format registry)."""
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False, emoji=False)
    show(a, console, **options)
    return "".join(line.rstrip() + "\n" for line in console.file.getvalue().splitlines())
