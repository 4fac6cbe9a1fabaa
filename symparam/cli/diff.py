"""`symparam diff A.toml B.toml`: how the totals differ, symbolically and in numbers, layer by layer."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import SymparamError
from .common import SetOption, SymbolicOption, bindings, console


def diff(
    spec_a: Annotated[str, typer.Argument(help="The first spec (A).", show_default=False)],
    spec_b: Annotated[str, typer.Argument(help="The second spec (B).", show_default=False)],
    set_: SetOption = None,
    symbolic: SymbolicOption = False,
    json: Annotated[bool, typer.Option("--json", help="B - A, per layer and by category, as JSON.")] = False,
) -> None:
    """Compare two specs: B's total minus A's, the layers whose names match, and where B - A comes from (weights,
    biases, scales, offsets, embeddings, statistics)."""
    from ..account import build
    from ..diff import compare
    from ..engine import derive, resolved
    from ..spec import load

    given = bindings(set_)
    nets = [derive(load(path)) for path in (spec_a, spec_b)]
    known = set(nets[0].symbols.names()) | set(nets[1].symbols.names())
    for name in given:
        if name not in known:
            raise SymparamError(f"--set names {name!r}, which neither spec uses; their symbols are: "
                                f"{', '.join(sorted(known)) or 'none'}.")
    accounts = [build(resolved(net, {k: v for k, v in given.items() if k in net.symbols}, defaults=not symbolic))
                for net in nets]
    d = compare(*accounts)
    if json:
        import json as json_module

        from ..render.diff import document
        typer.echo(json_module.dumps(document(d), indent=2))
        return
    from ..render.diff import table
    table(d, console())
