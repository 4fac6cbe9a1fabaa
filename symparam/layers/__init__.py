"""The registry of layer kinds, keyed by the names users write (Keras class names and their aliases, nn.* names).

Family modules are found in this package, not listed: every module that registers kinds is one. Start-up matters,
so a name is looked up in an index read from the modules' text (each kind declares `name = "..."` and maybe
`aliases = (...)` as literals; tests/test_registry.py checks that the index and the registry agree) and only the
family that holds it is imported.
"""

from __future__ import annotations

import difflib
import importlib
import re
from pathlib import Path

from ..errors import SymparamError, show
from .base import LayerKind

_REGISTRY: dict[str, type[LayerKind]] = {}    # every name a kind answers to: its own and its aliases
_imported: set[str] = set()
_SHARED = ("base", "costs", "parsing", "twin", "torch_args")   # modules of shared pieces, no kinds of their own
_NAME = re.compile(r"^    name = (\"[^\"\\\\]+\")$", re.MULTILINE)
_ALIASES = re.compile(r"^    aliases = (\((?:\"[^\"\\\\]+\",? ?)*\))$", re.MULTILINE)
_STRING = re.compile(r"\"([^\"\\\\]+)\"")   # a name as written: no quote or backslash inside, so no escape to read
_index: dict[str, str] | None = None


def register(cls: type[LayerKind]) -> type[LayerKind]:
    """Class decorator: file a kind under its `name` and its `aliases`."""
    for name in (cls.name, *cls.aliases):
        if name in _REGISTRY:
            raise RuntimeError(f"layer kind {name} registered twice")
        _REGISTRY[name] = cls
    return cls


def families() -> list[str]:
    """The family modules of this package, by file name."""
    here = Path(__file__).parent
    return sorted(p.stem for p in here.glob("*.py") if not p.stem.startswith("_") and p.stem not in _SHARED)


def index() -> dict[str, str]:
    """Every kind name and alias written in a family module's text -> that module (no module is imported)."""
    global _index
    if _index is None:
        found: dict[str, str] = {}
        here = Path(__file__).parent
        for family in families():
            text = (here / f"{family}.py").read_text(encoding="utf-8")
            for match in (*_NAME.finditer(text), *_ALIASES.finditer(text)):
                for name in _STRING.findall(match.group(1)):
                    found.setdefault(name, family)
        _index = found
    return _index


def _import(family: str) -> None:
    if family not in _imported:
        importlib.import_module(f"{__name__}.{family}")
        _imported.add(family)


def kinds() -> dict[str, type[LayerKind]]:
    """Every kind, by its canonical name (aliases left out)."""
    for family in families():
        _import(family)
    return {cls.name: cls for cls in _REGISTRY.values()}


def names() -> dict[str, type[LayerKind]]:
    """Every name a kind answers to (aliases included)."""
    kinds()
    return dict(_REGISTRY)


# keras.layers classes that are no layer kind, and why: a spec naming one, or an imported config holding one, is
# refused with the reason (tests/layers/test_refused.py checks the list against keras.layers).
REFUSED: dict[str, str] = {
    "Lambda": "runs a Python function, which a spec cannot hold and symparam never runs (its shape is the function's)",
    "TFSMLayer": "loads a TensorFlow SavedModel, whose weights are in that file, not in a config",
    "JaxLayer": "wraps a JAX function, whose weights are made by that code",
    "FlaxLayer": "wraps a Flax module, whose weights are made by that code",
    "TorchModuleWrapper": "wraps a torch.nn.Module: import the module itself (symparam import module:factory "
                          "--convention torch)",
    "Pipeline": "chains preprocessing layers outside a model: write its layers one after another",
    "MaxNumBoundingBoxes": "pads or trims a dict of bounding boxes and labels, which is no tensor of a network",
    "Wrapper": "is the abstract base of the wrappers: write Bidirectional or TimeDistributed",
    "Layer": "is the base class of every layer: a custom layer's weights are made by its own code",
    "SimpleRNNCell": "is a cell: run it inside RNN (cell = { type = \"SimpleRNNCell\", units = ... })",
    "LSTMCell": "is a cell: run it inside RNN (cell = { type = \"LSTMCell\", units = ... })",
    "GRUCell": "is a cell: run it inside RNN (cell = { type = \"GRUCell\", units = ... })",
    "StackedRNNCells": "is a stack of cells: give RNN a list of cells (cell = [{ type = \"LSTMCell\", ... }, ...])",
}


def refused(type_name: str) -> SymparamError | None:
    """The error for a keras.layers class that is no layer kind (REFUSED), or None."""
    why = REFUSED.get(type_name)
    return None if why is None else SymparamError(f"keras.layers.{type_name} {why}. Received: type = "
                                                  f"{show(type_name)}.")


def lookup(type_name: object) -> type[LayerKind]:
    """The kind registered under `type_name`; an unknown name answers with the closest known ones."""
    if isinstance(type_name, str):
        if type_name not in _REGISTRY and type_name in index():
            _import(index()[type_name])
        if type_name in _REGISTRY:
            return _REGISTRY[type_name]
    known = names()
    if not isinstance(type_name, str):
        raise SymparamError(f"type must be a layer class name such as \"Conv2D\". Received: type = {show(type_name)}.")
    if type_name in known:
        return known[type_name]
    if refused(type_name):
        raise refused(type_name)
    by_lower = {n.lower(): n for n in known}
    close = difflib.get_close_matches(type_name.lower(), list(by_lower), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(by_lower[c] for c in close)}?" if close else ""
    raise SymparamError(f"unknown layer type. Received: type = {show(type_name)}.{hint}")


def default_name(type_name: str) -> str:
    """Keras's automatic layer name: the class name in snake_case (Conv2D -> conv2d; nn.Linear -> linear)."""
    name = re.sub(r"\W+", "", type_name.removeprefix("nn."))
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
