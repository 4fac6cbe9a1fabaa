"""Spec text -> a parsed spec: the TOML file's structure checked, sizes parsed, arguments read per layer kind.

Nothing here builds layers (that is symparam.engine); this module knows the file format:

    [network]   name, input (a shape, or a table of named shapes), convention
    [symbols]   name = { default = 32, doc = "..." }   (or name = 32)
    [[layers]]  type = "Conv2D", name = "...", inputs = [...], and the layer's own Keras arguments
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .errors import SymparamError, layer_where, show
from .model import Condition, Shape
from .symbols import SymbolTable

CONVENTIONS = ("keras", "torch")
MAX_FILE = 4 * 1024 * 1024
MAX_LAYERS = 100_000
_TOP = ("network", "symbols", "layers")
_NETWORK = ("name", "input", "convention")
_RESERVED = ("type", "name", "inputs")


@dataclass
class LayerSpec:
    index: int
    name: str
    type: str
    kind: Any                       # the LayerKind class
    args: SimpleNamespace           # parsed arguments, defaults filled in
    inputs: tuple[str, ...] | None  # None: the previous layer's output
    conditions: list[Condition] = field(default_factory=list)
    given: tuple[str, ...] = ()     # the argument keys the spec wrote

    @property
    def where(self) -> str:
        return layer_where(self.index, self.name, self.type)


@dataclass
class Spec:
    source: str
    name: str
    convention: str
    inputs: dict[str, Shape]
    symbols: SymbolTable
    layers: list[LayerSpec]
    conditions: list[Condition] = field(default_factory=list)   # on the network's input sizes


def load(path: str | Path) -> Spec:
    """Read and parse a spec file. Every problem is a SymparamError naming the file."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE + 1)
    except OSError as exc:
        raise SymparamError(f"cannot read the spec: {exc.strerror or exc}").in_file(source) from None
    if len(data) > MAX_FILE:
        raise SymparamError(f"the spec is larger than {MAX_FILE // (1024 * 1024)} MiB").in_file(source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SymparamError("the spec is not UTF-8 text").in_file(source) from None
    return loads(text, source)


def loads(text: str, source: str = "<spec>") -> Spec:
    import tomllib
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SymparamError(f"not valid TOML: {exc}").in_file(source) from None
    except RecursionError:
        raise SymparamError("not valid TOML: nested too deeply").in_file(source) from None
    try:
        return from_dict(document, source)
    except SymparamError as exc:
        raise exc.in_file(source)


def from_dict(document: dict, source: str = "<spec>") -> Spec:
    """Parse a spec already read into Python values (TOML-like: dicts, lists, str, int, float, bool)."""
    _only(document, _TOP, "the top level", "tables")
    network = document.get("network", {})
    if not isinstance(network, dict):
        raise SymparamError(f"[network] must be a table. Received: network = {show(network)}.")
    _only(network, _NETWORK, "[network]", "keys")
    name = network.get("name", Path(source).stem if source != "<spec>" else "network")
    if not isinstance(name, str):
        raise SymparamError(f"[network] name must be a string. Received: name = {show(name)}.").within("[network]")
    convention = network.get("convention", "keras")
    if convention not in CONVENTIONS:
        raise SymparamError(f"convention must be one of {', '.join(map(repr, CONVENTIONS))}. "
                            f"Received: convention = {show(convention)}.").within("[network]")
    symbols = _symbols(document.get("symbols", {}))
    conditions: list[Condition] = []
    inputs = _inputs(network.get("input"), symbols, conditions)
    raw_layers = document.get("layers", [])
    if not isinstance(raw_layers, list) or not all(isinstance(x, dict) for x in raw_layers):
        raise SymparamError("layers must be an array of tables ([[layers]]).")
    if not raw_layers:
        raise SymparamError("the spec has no [[layers]].")
    if len(raw_layers) > MAX_LAYERS:
        raise SymparamError(f"the spec has more than {MAX_LAYERS} layers.")
    layers = _layers(raw_layers, symbols, convention)
    return Spec(source, name, convention, inputs, symbols, layers, conditions)


def _only(table: dict, allowed: tuple[str, ...], where: str, what: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise SymparamError(f"unknown key {key!r}; {where} takes the {what} {', '.join(allowed)}.{hint}")


def _symbols(table: Any) -> SymbolTable:
    symbols = SymbolTable()
    if not isinstance(table, dict):
        raise SymparamError(f"[symbols] must be a table. Received: symbols = {show(table)}.")
    for name, entry in table.items():
        where = f"[symbols] {name}"
        if type(entry) is int:
            entry = {"default": entry}
        if not isinstance(entry, dict):
            raise SymparamError(f"a symbol is a table {{ default = 32, doc = \"...\" }} or a positive integer. "
                                f"Received: {name} = {show(entry)}.").within(where)
        try:
            _only(entry, ("default", "doc"), where, "keys")
        except SymparamError as exc:
            raise exc.within(where)
        default, doc = entry.get("default"), entry.get("doc", "")
        if default is not None and (type(default) is not int or default < 1):
            raise SymparamError(f"default must be a positive integer. Received: default = {show(default)}.").within(where)
        if not isinstance(doc, str) or "\n" in doc or len(doc) > 500:
            raise SymparamError(f"doc must be a one-line string. Received: doc = {show(doc)}.").within(where)
        try:
            symbols.declare(name, default, doc)
        except SymparamError as exc:
            raise exc.within(where)
    return symbols


def _inputs(value: Any, symbols: SymbolTable, conditions: list[Condition]) -> dict[str, Shape]:
    from .layers.base import Context

    if value is None:
        return {}
    ctx = Context(symbols, conditions)
    try:
        if isinstance(value, dict):
            shapes = {}
            for name, shape in value.items():
                _check_layer_name(name, "an input name")
                shapes[name] = ctx.shape(shape, f"input {name}")
            return shapes
        return {"input": ctx.shape(value, "input")}
    except SymparamError as exc:
        raise exc.within("[network]")


def _check_layer_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 128 or not name.isprintable():
        raise SymparamError(f"{what} must be a non-empty one-line string of at most 128 characters. "
                            f"Received: {show(name)}.")
    return name


def _convention_mismatch(kind, convention: str) -> str:
    if kind.convention == "torch":
        return (f"{kind.name} is a PyTorch layer; a spec of PyTorch layers sets [network] convention = \"torch\". "
                f"Received: convention = {convention!r}.")
    return (f"{kind.name} is a Keras layer, but [network] convention = {convention!r}; PyTorch layers are "
            f"written nn.<Class> (e.g. nn.Linear).")


def parse_layer_table(table: dict, ctx, prefix: str = ""):
    """A nested layer (a wrapper's `layer` argument): (kind, parsed arguments). No name, no inputs."""
    from .layers import lookup

    if "type" not in table:
        raise SymparamError(f"{prefix}type is required, e.g. {prefix}type = \"LSTM\".")
    kind = lookup(table["type"])
    for key in ("name", "inputs"):
        if key in table and key != "name":
            raise SymparamError(f"a wrapped layer takes no {key}. Received: {prefix}{key} = {show(table[key])}.")
    try:
        return kind, _args(kind, {k: v for k, v in table.items() if k != "name"}, ctx)
    except SymparamError as exc:
        raise SymparamError(f"{prefix}{exc.message}" if not exc.message.startswith(prefix) else exc.message) \
            from None


def _layers(raw_layers: list[dict], symbols: SymbolTable, convention: str = "keras") -> list[LayerSpec]:
    from .layers import default_name, lookup
    from .layers.base import Context

    explicit = [t.get("name") for t in raw_layers if isinstance(t.get("name"), str)]
    taken: set[str] = set(explicit)
    counters: dict[str, int] = {}
    seen: set[str] = set()
    layers = []
    for index, table in enumerate(raw_layers, start=1):
        type_name = table.get("type")
        given_name = table.get("name")
        label = given_name if isinstance(given_name, str) else "?"
        try:
            if "type" not in table:
                raise SymparamError("type is required: the layer's Keras class name, e.g. type = \"Conv2D\".")
            kind = lookup(type_name)
            if given_name is None:
                given_name = _auto_name(default_name(kind.name), counters, taken)
            label = _check_layer_name(given_name, "name")
            if label in seen:
                raise SymparamError(f"the name {label!r} is used by an earlier layer; layer names must be unique.")
            seen.add(label)
            inputs = _layer_inputs(table.get("inputs"))
            conditions: list[Condition] = []
            args = _args(kind, table, Context(symbols, conditions))
            if kind.convention != convention and not kind.any_convention:
                raise SymparamError(_convention_mismatch(kind, convention))
        except SymparamError as exc:
            raise exc.within(layer_where(index, label, type_name if isinstance(type_name, str) else "?"))
        layers.append(LayerSpec(index, label, kind.name, kind, args, inputs, conditions,
                                tuple(k for k in table if k not in _RESERVED)))
    return layers


def _auto_name(base: str, counters: dict[str, int], taken: set[str]) -> str:
    while True:
        count = counters.get(base, 0)
        counters[base] = count + 1
        name = base if count == 0 else f"{base}_{count}"
        if name not in taken:
            taken.add(name)
            return name


def _layer_inputs(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise SymparamError(f"inputs must be a list of layer or input names. Received: inputs = {show(value)}.")
    return tuple(value)


def _args(kind, table: dict, ctx) -> SimpleNamespace:
    from .layers.base import REQUIRED
    accepted = kind.all_args()
    values = {}
    for key, value in table.items():
        if key in _RESERVED:
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
