"""`symparam import SOURCE`: a model described elsewhere (a Hugging Face config.json, a Keras model config, a
PyTorch module factory) written as a symparam spec, printed or saved with --output."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import SymparamError


def import_(
    source: Annotated[str, typer.Argument(
        help="config.json, model.json or model.keras, or MODULE:FACTORY for a PyTorch module.", show_default=False)],
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", metavar="FILE", show_default=False,
        help="Write the spec to FILE (whole or not at all) instead of printing it.")] = None,
    convention: Annotated[Optional[str], typer.Option(
        "--convention", help="The source's framework when the file does not say: keras or torch.")] = None,
    symbol: Annotated[Optional[list[str]], typer.Option(
        "--symbol", metavar="NAME=VALUE", show_default=False,
        help="Lift VALUE into a declared symbol NAME wherever the model carries it (repeatable).")] = None,
    input_: Annotated[Optional[list[str]], typer.Option(
        "--input", metavar="SHAPE[:DTYPE]", show_default=False,
        help="A PyTorch module's example input without the batch axis, e.g. 3,224,224 or 128:long (repeatable).")] = None,
) -> None:
    """Write a model from another tool as a symparam spec."""
    from ..importing import Options, convert
    from ..symbols import parse_binding

    if convention is not None and convention not in ("keras", "torch"):
        raise SymparamError(f"--convention must be keras or torch. Received: --convention {convention}.")
    lifted: dict[str, int] = {}
    for item in symbol or []:
        name, value = parse_binding(item, positive=True)   # a size lifted to a symbol
        lifted[name] = value
    if output is not None:
        from ..fileio import check_outputs
        check_outputs({"--output": output}, inputs=[source] if ":" not in source else [])
    text = convert(source, Options(convention=convention, symbols=lifted, inputs=list(input_ or [])))
    if output is None:
        typer.echo(text, nl=False)
        return
    from ..fileio import write_atomic
    from ..render.escape import plain
    write_atomic(output, text)
    typer.echo(f"Wrote {plain(output)}.")
