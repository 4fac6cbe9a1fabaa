"""`symparam verify SPEC`: build the network in the installed framework and compare every layer with symparam's
account; print the first disagreement (exit status 1) or "verified"."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import SetOption, bindings
from .export import ToOption


def verify(
    spec: Annotated[str, typer.Argument(help="The network spec (TOML).", show_default=False)],
    to: ToOption = None,
    set_: SetOption = None,
) -> None:
    """Build the network in Keras or PyTorch and check every layer's counts and output shape against symparam (exit
    status 1 at the first disagreement)."""
    from ..errors import SymparamError
    from ..export import FRAMEWORKS
    from ..verify import require, verify as check

    if to is not None and to not in FRAMEWORKS:
        raise SymparamError(f"--to must be one of {', '.join(FRAMEWORKS)}. Received: --to {to}.")
    from ..account import build
    from ..engine import derive_file

    account = build(derive_file(spec, bindings(set_)))
    require(to or account.convention)
    report = check(account, to)
    from ..render.escape import plain
    typer.echo(plain(report.text()))
    if not report.verified:
        raise typer.Exit(1)
