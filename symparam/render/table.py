"""The Keras-summary-like table, rendered with rich, from the network's account."""

from __future__ import annotations

from ..account import Account, of
from ..printing import Shorthands, shape_text, text
from ..symbols import binding_text
from .escape import plain, terminal


LARGE = 500   # rows beyond which the table is laid out plainly (rich's layout costs milliseconds a row)
RIGHT = ("Param #", "MACs", "FLOPs")   # columns of numbers


def _count(quantity) -> str:
    return "unknown" if quantity is None else text(quantity.value)


def show(a: Account, console, share=None, translation=None, leading=None, compute=None,
         memory=None) -> None:
    """Print the table (and the --share, --convention and --leading sections asked for; MACs and FLOPs columns with
    `compute`, a symparam.compute.Report; the memory section with `memory`) to a rich console."""
    a = of(a)
    net = a.net
    graph = any(layer.inputs and i > 0 and layer.inputs != (a.layers[i - 1].name,)
                for i, layer in enumerate(a.layers))
    title = f"Network: {net.name} ({net.convention} convention)"
    headers = ["Layer (type)", "Output Shape", "Param formula", "Param #"] + (["Connected to"] if graph else [])
    headers += ["MACs", "FLOPs"] if compute is not None else []
    names = Shorthands()   # a part no line can break (make_divisible's Piecewise, a max) by a letter, defined below
    show_size = lambda expr: text(names.lettered(expr))   # noqa: E731
    shape = lambda dims: shape_text(tuple(names.lettered(d) for d in dims))   # noqa: E731
    rows = []
    for i, layer in enumerate(a.layers):
        record = layer.record
        shapes = " ".join(map(shape, record.outputs)) if record.outputs else shape(record.output_shape)
        row = [f"{layer.name} ({layer.type})", shapes, layer.formula_text(show_size) or "—",
               show_size(layer.params.value)]
        if graph:
            row.append(", ".join(layer.inputs))
        if compute is not None:
            row += [_count(compute.layers[i].macs), _count(compute.layers[i].flops)]
        rows.append(row)
    if len(rows) > LARGE:
        _plain(console, title, headers, rows)
    else:
        _rich(console, title, headers, rows)
    for label, q in (("Total params", a.total), ("Trainable params", a.trainable),
                     ("Non-trainable params", a.non_trainable)):
        line = f"[bold]{label}:[/bold] {terminal(show_size(q.value))}"
        if not q.symbolic.is_number and q.value.is_number:
            line += f"  (= {terminal(show_size(q.symbolic))})"
        console.print(line, highlight=False)
    say = lambda words: console.print(plain(words), highlight=False, markup=False)   # noqa: E731
    if names.letters:
        say("Shorthands (parts of the formulas above that no line breaks, written out once):")
        for expr, letter in list(names.letters.items()):   # defining one names none anew: its parts come first
            value = a.at_bindings(expr)
            say(f"  {letter} = {text(names.definition(expr))}" + (f" = {text(value)}" if value.is_number else ""))
    if a.sparse:
        say(f"Active params per token: {text(a.active.value)}")
    if compute is not None:
        from .compute import totals
        for line in totals(compute):
            say(line)
    if a.buffers.value != 0:
        say(f"Buffers (not parameters): {text(a.buffers.value)}")
    if a.bound:
        say("Bound: " + ", ".join(f"{k} = {binding_text(v)}" for k, v in a.bound.items()))
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
    if memory is not None:
        from .memory import table as memory_table
        memory_table(memory, console)


def _rich(console, title: str, headers: list[str], rows: list[list[str]]) -> None:
    from rich import box
    from rich.table import Table

    table = Table(title=terminal(title), box=box.SIMPLE_HEAD, title_justify="left")
    for i, header in enumerate(headers):
        table.add_column(header, no_wrap=i == 0, justify="right" if header in RIGHT else "left")
    for row in rows:
        table.add_row(*(terminal(cell) for cell in row))
    console.print(table)


def _plain(console, title: str, headers: list[str], rows: list[list[str]]) -> None:
    """The same columns without rich's layout (no wrapping): for networks of thousands of layers."""
    from rich.cells import cell_len

    cells = [[plain(c) for c in row] for row in [headers, *rows]]
    widths = [max(cell_len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row):
        return "  " + "   ".join(c.rjust(w) if headers[i] in RIGHT else c + " " * (w - cell_len(c))
                                  for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    out = [plain(title), "", line(cells[0]), " " + "─" * (sum(widths) + 3 * len(widths) - 1)]
    out += [line(row) for row in cells[1:]]
    console.print("\n".join(out) + "\n", highlight=False, markup=False, soft_wrap=True)


def render(a: Account, width: int = 160, **options) -> str:
    """The table as plain text, `width` columns at most (for a file, a notebook, the format registry)."""
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False, emoji=False)
    show(a, console, **options)
    return "".join(line.rstrip() + "\n" for line in console.file.getvalue().splitlines())
