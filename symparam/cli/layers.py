"""`symparam layers [NAME]`: the catalogue of layer kinds, or one kind in detail."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .common import console


def layers(
    name: Annotated[Optional[str], typer.Argument(help="A layer kind (e.g. Conv2D) to show in detail.",
                                                  show_default=False)] = None,
) -> None:
    """List every layer kind with its parameter formula, or show one kind in detail."""
    from ..render import catalogue

    out = console()
    if name is None:
        catalogue.listing(out)
        return
    from rich.markdown import Markdown

    from ..catalogue import find
    out.print(Markdown("\n".join(catalogue.markdown_entry(find(name)))))
