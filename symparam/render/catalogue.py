"""The layer catalogue as Markdown (docs/layers.md is generated from it; a test keeps the file current)."""

from __future__ import annotations

from ..layers import kinds
from ..layers.base import REQUIRED, BASE_ARGS, Opaque


def _default(arg) -> str:
    if arg.default is REQUIRED:
        return "required"
    value = arg.default
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return '"none"'
    return f'"{value}"' if isinstance(value, str) else str(value)


def render() -> str:
    lines = ["# Layer catalogue", "",
             "Generated from symparam's registry (`python -m symparam.render.catalogue > docs/layers.md`).",
             "Every kind also takes Keras's base-layer arguments: " + ", ".join(f"`{k}`" for k in BASE_ARGS)
             + " (`trainable = false` makes all its variables non-trainable).", ""]
    for name, kind in sorted(kinds().items()):
        lines += [f"## {name}", "", kind.summary[:1].upper() + kind.summary[1:] + ".", ""]
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
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
