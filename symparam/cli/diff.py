"""`symparam diff A.toml B.toml`: how the totals differ, symbolically and in numbers, layer by layer."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import SymparamError
from .common import DtypeOption, OptimizerOption, SetOption, SymbolicOption, bindings, console


def diff(
    spec_a: Annotated[str, typer.Argument(help="The first spec (A).", show_default=False)],
    spec_b: Annotated[str, typer.Argument(help="The second spec (B).", show_default=False)],
    set_: SetOption = None,
    symbolic: SymbolicOption = False,
    json: Annotated[bool, typer.Option("--json", help="B - A, per layer and by category, as JSON.")] = False,
    memory: Annotated[bool, typer.Option(
        "--memory", help="Also B - A in bytes of memory (weights at --dtype; with --optimizer training). The "
                         "FLOPs and activations are for --set batch=N examples (1 by default).")] = False,
    dtype: DtypeOption = None,
    optimizer: OptimizerOption = None,
) -> None:
    """Compare two specs: B's total minus A's, the layers whose names match, and where B - A comes from (weights,
    biases, scales, offsets, embeddings, statistics)."""
    from ..account import build
    from ..diff import compare
    from ..engine import derive, resolved
    from ..spec import load

    given = bindings(set_)
    nets = [derive(load(path)) for path in (spec_a, spec_b)]
    memory = memory or dtype is not None or optimizer is not None
    known = set(nets[0].symbols.names()) | set(nets[1].symbols.names())
    from ..compute import take_batch
    batch, given = take_batch(given, known, symbolic)   # the FLOPs' and the memory's examples
    for name in given:
        if name not in known:
            raise SymparamError(f"--set names {name!r}, which neither spec uses; their symbols are: "
                                f"{', '.join(sorted(known)) or 'none'}.")
    accounts = [build(resolved(net, {k: v for k, v in given.items() if k in net.symbols}, defaults=not symbolic))
                for net in nets]
    d = compare(*accounts, batch=batch)
    memories = None
    if memory:
        from ..memory import estimate
        memories = [estimate(a, dtype or "fp32", optimizer, batch=batch) for a in accounts]
    if json:
        import json as json_module

        from ..render.diff import document
        doc = document(d)
        if memories is not None:
            from ..render.memory import diff_document
            doc["memory"] = diff_document(*memories)
        typer.echo(json_module.dumps(doc, indent=2))
        return
    from ..render.diff import table
    table(d, console())
    if memories is not None:
        from ..render.memory import diff_table
        diff_table(*memories, console())
