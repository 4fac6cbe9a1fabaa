"""The Typer app: one file per command, composed here.

`build(only)` composes the app with every command, or with just the one being run: Typer inspects each command's
signature when it builds the app, and start-up is the cost users feel.
"""

from __future__ import annotations

import importlib
import keyword

import typer

COMMANDS = ("derive", "sweep", "solve", "diff", "explore", "layers", "quiz", "import", "export", "verify")


def _root() -> None:
    """symparam: formulas for the size of a neural network, from a TOML spec."""


def build(only: str | None = None) -> typer.Typer:
    app = typer.Typer(
        name="symparam",
        help="Exact symbolic parameter counts, output shapes and worked derivations for neural networks.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.callback()(_root)
    for name in COMMANDS if only not in COMMANDS else (only,):
        attribute = name + "_" if keyword.iskeyword(name) else name   # `import` lives in import_.py as import_()
        module = importlib.import_module(f"{__package__}.{attribute}")
        app.command(name)(getattr(module, attribute))
    return app


def __getattr__(name: str):
    # `from symparam.cli.app import app`: the whole app (the CLI reference, tests), built when asked for.
    if name == "app":
        return build()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
