"""A layer table's arguments read by its kind: each key checked against the kind's arguments, defaults filled in.

Also the argument that holds a whole nested layer (a wrapper's `layer = { type = "LSTM", units = 64 }`)."""

from __future__ import annotations

import difflib
from types import SimpleNamespace
from typing import Any, Iterable

from ..errors import SymparamError, show
from . import lookup
from .base import REQUIRED, Arg


def parse_args(kind, table: dict, ctx, skip: Iterable[str] = ("type",)) -> SimpleNamespace:
    """The kind's arguments from `table` (keys in `skip` belong to the spec, not the kind), defaults filled in."""
    skip = set(skip)
    accepted = kind.all_args()
    values = {}
    for key, value in table.items():
        if key in skip:
            continue
        if key not in accepted:
            close = difflib.get_close_matches(key, list(accepted), n=2)
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise SymparamError(f"{kind.name} has no argument {key!r}.{hint} Received: {key} = {show(value)}.")
        values[key] = accepted[key].parse(value, key, ctx)
    for key, arg in accepted.items():
        if key not in values:
            if arg.default is REQUIRED:
                raise SymparamError(f"{key} is required: {arg.expected}.")
            values[key] = None if arg.default is None else arg.parse(arg.default, key, ctx)
    return SimpleNamespace(**values)


def parse_layer_table(table: dict, ctx, prefix: str = ""):
    """A nested layer (a wrapper's `layer` argument): (kind, parsed arguments). No name, no inputs."""
    if "type" not in table:
        raise SymparamError(f"{prefix}type is required, e.g. {prefix}type = \"LSTM\".")
    kind = lookup(table["type"])
    if "inputs" in table:
        raise SymparamError(f"a wrapped layer takes no inputs. Received: {prefix}inputs = {show(table['inputs'])}.")
    try:
        return kind, parse_args(kind, table, ctx, skip=("type", "name"))
    except SymparamError as exc:
        raise SymparamError(f"{prefix}{exc.message}" if not exc.message.startswith(prefix) else exc.message) \
            from None


class LayerArg(Arg):
    """A wrapped layer, as an inline table with its own type: layer = { type = "LSTM", units = 64 }."""
    expected = 'an inline table with its own type, e.g. { type = "LSTM", units = 64 }'

    def __init__(self, default: Any = REQUIRED, allowed: tuple[str, ...] | None = None) -> None:
        super().__init__(default)
        self.allowed = allowed

    def parse(self, value, key, ctx):
        if not isinstance(value, dict):
            raise self.refuse(value, key)
        kind, args = parse_layer_table(value, ctx, f"{key}.")
        if self.allowed is not None and kind.name not in self.allowed:
            raise SymparamError(f"{key} must be one of {', '.join(self.allowed)}. Received: {key}.type = "
                                f"{show(kind.name)}.")
        return kind, args
