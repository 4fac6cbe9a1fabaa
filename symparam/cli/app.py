"""The Typer app: one file per command, composed here."""

from __future__ import annotations

import typer

from .derive import derive
from .diff import diff
from .explore import explore
from .layers import layers
from .quiz import quiz
from .solve import solve
from .sweep import sweep

app = typer.Typer(
    name="symparam",
    help="Exact symbolic parameter counts, output shapes and worked derivations for neural networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    """symparam: formulas for the size of a neural network, from a TOML spec."""


app.command("derive")(derive)
app.command("sweep")(sweep)
app.command("solve")(solve)
app.command("diff")(diff)
app.command("explore")(explore)
app.command("layers")(layers)
app.command("quiz")(quiz)
