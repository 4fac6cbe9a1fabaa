"""`symparam export SPEC --to keras|torch`: a runnable Python file that builds the network, its sizes bound from
--set and the spec's defaults."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .common import SetOption, bindings

ToOption = Annotated[Optional[str], typer.Option(
    "--to", metavar="FRAMEWORK", show_default=False,
    help="keras (the functional API) or torch (an nn.Module); default: the spec's own convention.")]


def export(
    spec: Annotated[str, typer.Argument(help="The network spec (TOML).", show_default=False)],
    to: ToOption = None,
    set_: SetOption = None,
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", metavar="FILE", show_default=False,
        help="Write the code to FILE (whole or not at all) instead of printing it.")] = None,
) -> None:
    """Write Python code that builds the network in Keras or PyTorch."""
    from ..export import FRAMEWORKS, export as write

    from ..errors import SymparamError
    if to is not None and to not in FRAMEWORKS:
        raise SymparamError(f"--to must be one of {', '.join(FRAMEWORKS)}. Received: --to {to}.")
    if output is not None:
        from ..fileio import check_outputs
        check_outputs({"--output": output}, inputs=[spec])
    from ..account import build
    from ..engine import derive_file

    account = build(derive_file(spec, bindings(set_)))
    text = write(account, to or account.convention)
    if output is None:
        typer.echo(text, nl=False)
        return
    from ..fileio import write_atomic
    from ..render.escape import plain
    write_atomic(output, text)
    typer.echo(f"Wrote {plain(output)}.")
