"""`symparam derive SPEC`: every layer's variables, output shape and count, and the network's totals."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import SymparamError


def derive(
    spec: Annotated[str, typer.Argument(help="The network spec (TOML).", show_default=False)],
    set_: Annotated[Optional[list[str]], typer.Option(
        "--set", "-s", help="Bind a symbol: NAME=VALUE (repeatable).", metavar="NAME=VALUE")] = None,
    symbolic: Annotated[bool, typer.Option(
        "--symbolic", help="Ignore the spec's symbol defaults: keep every symbol not --set free.")] = False,
    latex: Annotated[bool, typer.Option("--latex", help="Print the worked derivation as LaTeX.")] = False,
    json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Derive each layer's parameters and output shape, and the network's totals."""
    if latex and json:
        raise SymparamError("--latex and --json cannot be combined; choose one output format.")
    from ..engine import derive_file
    from ..symbols import parse_binding

    bindings: dict[str, int] = {}
    for item in set_ or []:
        name, value = parse_binding(item)
        bindings[name] = value
    net = derive_file(spec, bindings, use_defaults=not symbolic)
    if json:
        from ..render.json import render
        typer.echo(render(net))
    elif latex:
        from ..render.latex import render
        typer.echo(render(net), nl=False)
    else:
        import sys

        from rich.console import Console

        from ..render.table import render
        console = Console(width=None if sys.stdout.isatty() else 160)
        render(net, console)
