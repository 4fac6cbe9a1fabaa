"""`symparam explore SPEC --output page.html`: a self-contained page with a slider per symbol and live counts."""

from __future__ import annotations

from typing import Annotated, Optional

import typer


def explore(
    spec: Annotated[str, typer.Argument(help="The network spec (TOML).", show_default=False)],
    output: Annotated[str, typer.Option(
        "--output", "-o", help="The HTML file to write.", metavar="PAGE.html", show_default=False)],
    set_: Annotated[Optional[list[str]], typer.Option(
        "--set", "-s", help="Fix a symbol: NAME=VALUE (repeatable); it gets no slider.",
        metavar="NAME=VALUE")] = None,
    symbolic: Annotated[bool, typer.Option(
        "--symbolic", help="Ignore the spec's symbol defaults: sliders start at 8.")] = False,
) -> None:
    """Write one HTML file (no network, no server) to explore the network: a slider and a number box per free
    symbol, and every layer's output shape and parameter count, recomputed exactly in the browser."""
    from ..engine import derive_file
    from ..fileio import check_outputs, write_atomic
    from ..symbols import parse_binding

    check_outputs({"--output": output}, inputs=[spec])
    bindings: dict[str, int] = {}
    for item in set_ or []:
        name, value = parse_binding(item)
        bindings[name] = value
    net = derive_file(spec, bindings, use_defaults=not symbolic)

    from ..account import build
    from ..render.escape import plain
    from ..render.explore import render, sliders as slider_names
    account = build(net)
    write_atomic(output, render(account, fixed=bindings))
    sliders = slider_names(account, fixed=bindings)
    typer.echo(f"Wrote {plain(output)}" + (f": sliders for {', '.join(sliders)}." if sliders else "."))
