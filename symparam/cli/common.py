"""Options and steps the commands share."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

SetOption = Annotated[Optional[list[str]], typer.Option(
    "--set", "-s", help="Bind a symbol: NAME=VALUE (repeatable).", metavar="NAME=VALUE")]
SymbolicOption = Annotated[bool, typer.Option(
    "--symbolic", help="Ignore the spec's symbol defaults: keep every symbol not --set free.")]
DtypeOption = Annotated[Optional[str], typer.Option(
    "--dtype", metavar="DTYPE", show_default=False,
    help="Bytes per value of the memory: fp32 (default), fp16, bf16, fp8, int8, int4.")]
OptimizerOption = Annotated[Optional[str], typer.Option(
    "--optimizer", metavar="NAME", show_default=False,
    help="Training memory under sgd, momentum, adam, adamw, adam8bit or adafactor (activations for --set "
         "batch=N examples, 1 by default).")]


def bindings(items: list[str] | None) -> dict[str, int]:
    from ..symbols import parse_binding

    values: dict[str, int] = {}
    for item in items or []:
        name, value = parse_binding(item)
        values[name] = value
    return values


def console():
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 160, emoji=False)   # a name's :smile: stays text
