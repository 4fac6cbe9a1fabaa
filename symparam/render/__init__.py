"""Renderers: a network's account (symparam.account) in, text out. Each format lives in its own module, imported
only when used, and only maps the account to its syntax, escaping user text with symparam.render.escape.

FORMATS is the one table of output formats: the CLI's --format choices and help, `Network.render(fmt)` in the API,
and the quiz's sheet formats all read it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str
    module: str          # symparam.render.<module>, whose render(account, **options) returns the text
    help: str
    suffix: str          # a file name's usual ending
    sheet: bool = False  # the quiz writes exercise sheets and keys in it


FORMATS = (
    Format("table", "table", "a summary table, like Keras's model.summary()", ".txt"),
    Format("latex", "latex", "the worked derivation as a LaTeX fragment (amsmath)", ".tex", sheet=True),
    Format("latex-document", "latex_document", "the worked derivation as a standalone LaTeX document", ".tex"),
    Format("markdown", "markdown", "the table and worked derivation in Markdown with $...$ math", ".md", sheet=True),
    Format("html", "html", "one offline HTML page with MathML formulas", ".html", sheet=True),
    Format("json", "json", "every layer's variables, formula, counts and shapes, and the totals, as JSON", ".json",
           sheet=True),
)
NAMES = tuple(f.name for f in FORMATS)


def get(name: str) -> Format:
    from ..errors import SymparamError

    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise SymparamError(f"the format must be one of {', '.join(NAMES)}. Received: {name!r}.")


def render(account, fmt: str, **options) -> str:
    """The account in format `fmt` (a name in FORMATS)."""
    module = importlib.import_module(f"{__name__}.{get(fmt).module}")
    return module.render(account, **options)


def help_text() -> str:
    """The formats for a --format option's help: 'table (default): ...; latex: ...'."""
    return "; ".join(f"{f.name}{' (default)' if i == 0 else ''}: {f.help}" for i, f in enumerate(FORMATS))
