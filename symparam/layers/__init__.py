"""The registry of layer kinds, keyed by the names users write (Keras class names)."""

from __future__ import annotations

import difflib
import importlib
import re

from ..errors import SymparamError, show
from .base import LayerKind

_FAMILIES = (
    "core", "convolutional", "pooling", "normalization",
    # Keras dialect, catalogue
    "conv_variants", "reshaping", "normalization_extra", "activations", "preprocessing",
    "embedding", "recurrent", "wrappers", "merging", "attention",
    # PyTorch dialect (nn.*)
    "torch_basic", "torch_recurrent", "torch_attention",
)
_REGISTRY: dict[str, type[LayerKind]] = {}
_imported: set[str] = set()


def register(cls: type[LayerKind]) -> type[LayerKind]:
    """Class decorator: file a kind under its `name`."""
    if cls.name in _REGISTRY:
        raise RuntimeError(f"layer kind {cls.name} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def _families(type_name: str | None = None):
    """Family modules, imported one at a time (start-up matters): a name's likely families first."""
    for family in _FAMILIES:
        if type_name is not None and type_name.startswith("nn.") != family.startswith("torch_"):
            continue
        yield family
    if type_name is not None:
        yield from _FAMILIES


def _import(family: str) -> None:
    if family not in _imported:
        importlib.import_module(f"{__name__}.{family}")
        _imported.add(family)


def kinds() -> dict[str, type[LayerKind]]:
    for family in _FAMILIES:
        _import(family)
    return dict(_REGISTRY)


def lookup(type_name: object) -> type[LayerKind]:
    """The kind registered under `type_name`; an unknown name answers with the closest known ones.

    Families are imported until the name is found, so a network of common layers loads only their modules."""
    if isinstance(type_name, str):
        for family in _families(type_name):
            if type_name in _REGISTRY:
                return _REGISTRY[type_name]
            _import(family)
        if type_name in _REGISTRY:
            return _REGISTRY[type_name]
    kinds()
    if not isinstance(type_name, str):
        raise SymparamError(f"type must be a layer class name such as \"Conv2D\". Received: type = {show(type_name)}.")
    by_lower = {n.lower(): n for n in _REGISTRY}
    close = difflib.get_close_matches(type_name.lower(), list(by_lower), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(by_lower[c] for c in close)}?" if close else ""
    raise SymparamError(f"unknown layer type. Received: type = {show(type_name)}.{hint}")


def default_name(type_name: str) -> str:
    """Keras's automatic layer name: the class name in snake_case (Conv2D -> conv2d; nn.Linear -> linear)."""
    name = re.sub(r"\W+", "", type_name.removeprefix("nn."))
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
