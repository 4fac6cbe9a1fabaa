"""`symparam derive SPEC`: every layer's variables, output shape and count, and the network's totals."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import SymparamError
from .common import SetOption, SymbolicOption, bindings, console


def derive(
    spec: Annotated[str, typer.Argument(help="The network spec (TOML).", show_default=False)],
    set_: SetOption = None,
    symbolic: SymbolicOption = False,
    latex: Annotated[bool, typer.Option("--latex", help="Print the worked derivation as LaTeX.")] = False,
    json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    share: Annotated[bool, typer.Option(
        "--share", help="Add each layer's share of the total, degrees, the leading term, the dominant layers.")] = False,
    leading: Annotated[bool, typer.Option(
        "--leading", help="The dominant term of the non-embedding parameters, and what it leaves out.")] = False,
    convention: Annotated[Optional[str], typer.Option(
        "--convention", help="Also count under the other framework's rules: keras or torch.")] = None,
) -> None:
    """Derive each layer's parameters and output shape, and the network's totals."""
    if latex and json:
        raise SymparamError("--latex and --json cannot be combined; choose one output format.")
    from ..engine import derive_file

    if convention is not None and convention not in ("keras", "torch"):
        raise SymparamError(f"--convention must be keras or torch. Received: --convention {convention}.")
    net = derive_file(spec, bindings(set_), use_defaults=not symbolic)
    translation = None
    if convention is not None and convention != net.convention:
        from ..twins import translate
        translation = translate(net, convention)
    dominant = None
    if leading:
        from ..sensitivity import leading as find_leading
        dominant = find_leading(net)
    report = None
    if share:
        from ..sensitivity import analyse
        report = analyse(net)
    if json:
        from ..render.json import document
        import json as json_module
        doc = document(net)
        if report is not None:
            from ..render.sensitivity import document as share_document
            doc["share"] = share_document(report)
        if translation is not None:
            from ..render.twins import document as twin_document
            doc["twin"] = twin_document(translation)
        if dominant is not None:
            from ..render.sensitivity import leading_document
            doc["leading"] = leading_document(dominant)
        typer.echo(json_module.dumps(doc, indent=2))
    elif latex:
        from ..render.latex import render
        text = render(net)
        if report is not None:
            from ..render.sensitivity import latex as share_latex
            text += share_latex(report)
        typer.echo(text, nl=False)
    else:
        from ..render.table import render
        out = console()
        render(net, out)
        if report is not None:
            from ..render.sensitivity import table as share_table
            share_table(report, out)
        if translation is not None:
            from ..render.twins import table as twin_table
            twin_table(translation, out)
        if dominant is not None:
            from ..render.sensitivity import leading_table
            leading_table(dominant, out)
