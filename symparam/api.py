"""The public API for scripts, notebooks and tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from .engine import bind, derive, derive_file
from .model import LayerRecord, Network
from .spec import from_dict, loads

__all__ = ["load", "load_text", "layer_record", "derive_spec_file", "Network", "LayerRecord"]


def load(path: str | Path, *, symbolic: bool = False, **bindings: int) -> Network:
    """Derive a spec file. Symbol defaults apply unless `symbolic`; keyword arguments bind symbols."""
    return derive_file(path, bindings, use_defaults=not symbolic)


def load_text(text: str, *, source: str = "<spec>", symbolic: bool = False, **bindings: int) -> Network:
    net = derive(loads(text, source))
    values = {**({} if symbolic else net.symbols.defaults(bindings)), **bindings}
    return bind(net, values)


def derive_spec_file(path: str | Path) -> Network:
    return load(path)


def layer_record(type_name: str, kwargs: Mapping[str, Any], input_shape: tuple, *,
                 convention: str = "keras") -> LayerRecord:
    """One layer built on an input of `input_shape` (no batch axis): its variables, counts and output shape."""
    document = {
        "network": {"name": "one_layer", "input": list(input_shape), "convention": convention},
        "layers": [{"type": type_name, **kwargs}],
    }
    return derive(from_dict(document, "<layer>")).layers[0]
