"""What a kind needs to describe its twin: its own or another kind's arguments at their defaults."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from ..symbols import SymbolTable
from . import lookup
from .base import REQUIRED, Context


def defaults(kind) -> SimpleNamespace:
    """A kind's arguments at their defaults (required ones left out: the twin must give them)."""
    ctx = Context(SymbolTable(), [])
    return SimpleNamespace(**{k: None if a.default in (None, REQUIRED) else a.parse(a.default, k, ctx)
                              for k, a in kind.all_args().items()})


def wrapped(type_name: str, **values: Any):
    """A wrapped layer's (kind, arguments), as a wrapper's `layer` argument holds it."""
    kind = lookup(type_name)
    args = defaults(kind)
    for key, value in values.items():
        setattr(args, key, value)
    return kind, args
