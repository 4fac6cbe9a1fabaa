"""The layer catalogue as Markdown (docs/layers.md is generated from it; a test keeps the file current) and as
the `symparam layers` listing."""

from __future__ import annotations

from ..catalogue import Entry, entries
from ..layers.base import BASE_ARGS, REQUIRED, Opaque
from ..printing import text
from ..totals import readable
from .escape import terminal


def _default(arg) -> str:
    if arg.default is REQUIRED:
        return "required"
    value = arg.default
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return '"none"'
    return f'"{value}"' if isinstance(value, str) else str(value)


def _shape(shape) -> str:
    return "(" + ", ".join("None" if d is None else text(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def formula(e: Entry) -> str:
    if e.symbolic is None:
        return "?"
    return text(readable(e.symbolic.params.value))


def markdown_entry(e: Entry) -> list[str]:
    kind = e.kind
    lines = [f"## {kind.name}", "", kind.summary[:1].upper() + kind.summary[1:] + ".", ""]
    if kind.aliases:
        lines += ["Also written " + ", ".join(f"`{a}`" for a in kind.aliases) + " (Keras exports the class under "
                  + ("these names" if len(kind.aliases) > 1 else "this name") + " too).", ""]
    if e.symbolic is not None:
        account, layer = e.symbolic, e.symbolic.record
        shapes = ", ".join(_shape(s) for s in layer.input_shapes) or "—"
        lines += [f"- Example input: `{shapes}` → output `{_shape(layer.output_shape)}`"]
        if layer.variables:
            lines += [f"- Parameters: `{account.formula_text()}` = `{formula(e)}`"]
            lines += [f"  - `{v.name}`: shape `{_shape(v.shape)}`" + ("" if v.trainable else ", not trainable")
                      + (", buffer" if v.buffer else "") for v in layer.variables]
        twin = e.twin
        other = "PyTorch" if kind.convention == "keras" else "Keras"
        if twin is not None and twin.record is not None and layer.variables:
            same = (twin.record.params - layer.params) == 0
            lines += [f"- {other} twin `{twin.record.type}`: `{text(readable(twin.record.params))}` parameters"
                      + (f" + `{text(readable(twin.record.buffers))}` in buffers" if twin.record.buffers != 0
                         else "") + (" (the same count)" if same else
                                     f"; difference `{text(readable(twin.record.params - layer.params))}`"
                                     + (f": {twin.twin.note}" if twin.twin.note else ""))]
        elif twin is not None and twin.reason:
            lines += [f"- No {other} twin: {twin.reason}."]
        worked = e.worked
        values = ", ".join(f"{k} = {v}" for k, v in kind.example[2].items())
        if worked is not None and values:
            lines += [f"- Worked: with {values}: `{worked.formula(bound=True) or '0'}` = "
                      f"{text(worked.params.value)} parameters, output `{_shape(worked.record.output_shape)}`"]
        lines.append("")
    if kind.no_params:
        lines += [f"No parameters: {kind.no_params}.", ""]
    counted = [(k, a) for k, a in kind.args.items() if not isinstance(a, Opaque)]
    ignored = [k for k, a in kind.args.items() if isinstance(a, Opaque)]
    if counted:
        lines += ["| argument | expects | default |", "|---|---|---|"]
        lines += [f"| `{k}` | {a.expected} | {_default(a)} |" for k, a in counted]
        lines.append("")
    if ignored:
        lines += ["Accepted, not affecting the count: " + ", ".join(f"`{k}`" for k in ignored) + ".", ""]
    return lines


def render() -> str:
    lines = ["# Layer catalogue", "",
             "Generated from symparam's registry (`python -m symparam.render.catalogue > docs/layers.md`).",
             "Every Keras kind also takes Keras's base-layer arguments: " + ", ".join(f"`{k}`" for k in BASE_ARGS)
             + " (`trainable = false` makes all its variables non-trainable).", ""]
    for e in entries():
        lines += markdown_entry(e)
    return "\n".join(lines)


def listing(console) -> None:
    from rich import box
    from rich.table import Table

    t = Table(box=box.SIMPLE_HEAD)
    t.add_column("Layer kind", no_wrap=True)
    t.add_column("Parameters (on its example)")
    t.add_column("What it does")
    for e in entries():
        t.add_row(terminal(e.kind.name), terminal(formula(e) if e.kind.example else "?"), terminal(e.kind.summary))
    console.print(t)


if __name__ == "__main__":
    print(render(), end="")
