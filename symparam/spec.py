"""Spec text -> a parsed spec: the TOML file's structure checked, sizes parsed, arguments read per layer kind.

Nothing here builds layers (that is symparam.engine); this module knows the file format:

    [network]   name, input (a shape, or a table of named shapes), convention
    [symbols]   name = { default = 32, doc = "..." }   (or name = 32)
    [[layers]]  type = "Conv2D", name = "...", inputs = [...], and the layer's own Keras arguments
"""

from __future__ import annotations

import difflib
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .errors import SymparamError, escaped, layer_where, show
from .model import Condition, Shape
from .expr import MAX_LITERAL_BITS, check_name
from .symbols import SymbolTable

CONVENTIONS = ("keras", "torch")
MAX_FILE = 4 * 1024 * 1024
MAX_LAYERS = 100_000
MAX_NAME = 128      # characters in a network, layer, block or input name
MAX_DOC = 500       # characters in a symbol's or a block's doc
MAX_SYMBOLS = 1_000
_TOP = ("network", "symbols", "blocks", "layers")
_NETWORK = ("name", "input", "outputs", "convention")
_RESERVED = ("type", "name", "inputs", "repeat", "share", "tie")
_BLOCK = ("args", "inputs", "output", "layers", "doc")


@dataclass
class BlockDef:
    """A reusable sub-network: [blocks.NAME] with args (name -> default text, or None: required), its input names,
    the layer that gives its output, and its layer tables (parsed anew at every use, in the caller's terms)."""
    name: str
    args: dict[str, Any]
    inputs: tuple[str, ...]
    output: str | None
    layers: list[dict]
    doc: str = ""
    size: int | None = None         # layers one use adds to the network (worked out once, by block_size)


@dataclass
class LayerSpec:
    index: int                      # 1-based position in the network as the table numbers it (blocks expanded)
    name: str                       # the full name: a block's layers carry the use's name, "h/attn"
    type: str
    kind: Any                       # the LayerKind class (None for a block)
    args: SimpleNamespace           # parsed arguments, defaults filled in (a block: its arguments as expressions)
    inputs: tuple[str, ...] | None  # None: the previous layer's output
    conditions: list[Condition] = field(default_factory=list)
    given: tuple[str, ...] = ()     # the argument keys the spec wrote
    block: BlockDef | None = None   # set when the type names a block
    repeat: Any = None              # an expression: how many times the layer or block is stacked
    share: str | None = None        # the layer whose weights this one reuses
    tie: dict[str, str] = field(default_factory=dict)   # variable -> "layer/variable" it is the same tensor as
    local: str = ""                 # the name in its own table (the full name without the block use's prefix)
    in_block: str = ""              # the block whose table it is in ("" for the network's own)

    @property
    def where(self) -> str:
        return layer_where(self.index, self.name, self.type) + (f" in block {self.in_block}" if self.in_block else "")


@dataclass
class Spec:
    source: str
    name: str
    convention: str
    inputs: dict[str, Shape]
    symbols: SymbolTable
    layers: list[LayerSpec]
    conditions: list[Condition] = field(default_factory=list)   # on the network's input sizes
    blocks: dict[str, BlockDef] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()   # the layers that give the network's outputs ([network] outputs)


def load(path: str | Path) -> Spec:
    """Read and parse a spec file. Every problem is a SymparamError naming the file."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE + 1)
    except OSError as exc:
        raise SymparamError(f"cannot read the spec: {exc.strerror or exc}").in_file(source) from None
    if len(data) > MAX_FILE:
        raise SymparamError(f"the spec is larger than {MAX_FILE // (1024 * 1024)} MiB (a fixed limit)").in_file(source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SymparamError("the spec is not UTF-8 text").in_file(source) from None
    return loads(text, source)


_LAYER_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*layers[ \t]*\]\][ \t]*(?:#.*)?$", re.MULTILINE)


def loads(text: str, source: str = "<spec>") -> Spec:
    import tomllib
    # Counted before parsing (reading 100,000 tables takes seconds): a line that is only a [[layers]] header is one,
    # since no value a spec may hold (names, docs, sizes: one line each) can contain such a line.
    if len(_LAYER_HEADER.findall(text)) > MAX_LAYERS:
        raise SymparamError(f"the spec has more than {MAX_LAYERS:,} layers (a fixed limit).").in_file(source)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SymparamError(f"not valid TOML: {exc}").in_file(source) from None
    except RecursionError:
        raise SymparamError("not valid TOML: nested too deeply").in_file(source) from None
    except ValueError:   # tomllib's int() of a literal longer than Python converts
        raise SymparamError(f"not valid TOML: an integer has more than {sys.get_int_max_str_digits():,} digits "
                            f"(Python's limit for reading one)").in_file(source) from None
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
    name = escaped(Path(source).stem)[:MAX_NAME] if source != "<spec>" else "network"   # the file's, made printable
    if "name" in network:
        try:
            name = _check_text(network["name"], "name", MAX_NAME)
        except SymparamError as exc:
            raise exc.within("[network]")
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
        raise SymparamError(f"the spec has {len(raw_layers):,} layers; symparam builds at most {MAX_LAYERS:,} (a fixed "
                            f"limit).")
    blocks = _blocks(document.get("blocks", {}))
    layers = _layers(raw_layers, symbols, convention, blocks)
    outputs = network.get("outputs", [])
    if isinstance(outputs, str):
        outputs = [outputs]
    if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
        raise SymparamError(f"outputs must be a list of layer names. Received: outputs = {show(outputs)}."
                            ).within("[network]")
    names = {layer.name for layer in layers}
    for output in outputs:
        if output not in names:
            raise SymparamError(f"outputs names {output!r}, which is not a layer.").within("[network]")
    check_symbols(symbols)
    return Spec(source, name, convention, inputs, symbols, layers, conditions, blocks, tuple(outputs))


def check_symbols(symbols: SymbolTable) -> None:
    count = len(symbols.names())
    if count > MAX_SYMBOLS:
        raise SymparamError(f"the spec uses {count:,} symbols; symparam works with at most {MAX_SYMBOLS:,} (a fixed "
                            f"limit)")


def _blocks(table: Any) -> dict[str, BlockDef]:
    from .layers import kinds

    if not isinstance(table, dict):
        raise SymparamError(f"[blocks] must be a table of blocks. Received: blocks = {show(table)}.")
    if not table:
        return {}
    known = kinds()
    blocks = {}
    for name, entry in table.items():
        where = f"[blocks.{name}]"
        try:
            _check_layer_name(name, "a block name")
            if name in known:
                raise SymparamError(f"a block may not take the name of a layer kind. Received: {name!r}.")
            if not isinstance(entry, dict):
                raise SymparamError(f"a block is a table with args, inputs, output and [[...layers]]. "
                                    f"Received: {show(entry)}.")
            _only(entry, _BLOCK, where, "keys")
            args = entry.get("args", {})
            if not isinstance(args, dict):
                raise SymparamError(f"args must be a table of argument = default (\"required\" for none). "
                                    f"Received: args = {show(args)}.")
            for arg in args:
                check_name(arg)
                if arg in _RESERVED:
                    raise SymparamError(f"{arg!r} is reserved and cannot be a block argument.")
            inputs = entry.get("inputs", ["input"])
            if isinstance(inputs, str):
                inputs = [inputs]
            if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) for i in inputs):
                raise SymparamError(f"inputs must be a list of names. Received: inputs = {show(inputs)}.")
            for input_name in inputs:
                _check_text(input_name, "an input name", MAX_NAME)
            output = entry.get("output")
            if output is not None and not isinstance(output, str):
                raise SymparamError(f"output must be the name of one of the block's layers. Received: output = "
                                    f"{show(output)}.")
            layers = entry.get("layers", [])
            if not isinstance(layers, list) or not layers or not all(isinstance(x, dict) for x in layers):
                raise SymparamError("a block needs its layers as an array of tables ([[blocks.NAME.layers]]).")
            doc = _check_text(entry.get("doc", ""), "doc", MAX_DOC, empty=True)
        except SymparamError as exc:
            raise exc.within(where)
        blocks[name] = BlockDef(name, {k: (None if v == "required" else v) for k, v in args.items()},
                                tuple(inputs), output, layers, doc)
    return blocks


def _only(table: dict, allowed: tuple[str, ...], where: str, what: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise SymparamError(f"unknown key {key!r}; {where} takes the {what} {', '.join(allowed)}.{hint}")


def _symbols(table: Any) -> SymbolTable:
    symbols = SymbolTable()
    expressions: dict[str, str] = {}
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
        if default is not None and not isinstance(default, str) and (type(default) is not int or default < 1):
            raise SymparamError(f"default must be a positive integer or an expression of other symbols. Received: "
                                f"default = {show(default)}.").within(where)
        if type(default) is int and default.bit_length() > MAX_LITERAL_BITS:
            raise SymparamError(f"default is too large (at most 2**{MAX_LITERAL_BITS}). Received: default = "
                                f"{show(default)}.").within(where)
        try:
            _check_text(doc, "doc", MAX_DOC, empty=True)
        except SymparamError as exc:
            raise exc.within(where)
        try:
            symbols.declare(name, None if isinstance(default, str) else default, doc)
        except SymparamError as exc:
            raise exc.within(where)
        if isinstance(default, str):
            expressions[name] = default
    for name, text in expressions.items():   # after every declaration, so defaults may name later symbols
        try:
            expr = symbols.parse(text, "default")
            if name in {s.name for s in expr.free_symbols}:
                raise SymparamError(f"a default may not refer to its own symbol. Received: default = {text!r}.")
            symbols.set_default(name, expr)
        except SymparamError as exc:
            raise exc.within(f"[symbols] {name}")
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
    return _check_text(name, what, MAX_NAME)


# Characters no name or doc may hold: control (ESC, newline, tab), format (bidi overrides, zero-width), line and
# paragraph separators, surrogates, private-use and unassigned code points. Letters of every script are fine.
_REFUSED = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"))


def _check_text(value: Any, what: str, most: int, empty: bool = False) -> str:
    """A name or a doc as the outputs will print it: one line of printable text, at most `most` characters."""
    if (not isinstance(value, str) or (not empty and not value.strip()) or len(value) > most
            or any(unicodedata.category(c) in _REFUSED for c in value)):
        raise SymparamError(f"{what} must be a {'' if empty else 'non-empty '}one-line string of at most {most} "
                            f"characters, without control, format or line-break characters. Received: {show(value)}.")
    return value


def _convention_mismatch(kind, convention: str) -> str:
    if kind.convention == "torch":
        return (f"{kind.name} is a PyTorch layer; a spec of PyTorch layers sets [network] convention = \"torch\". "
                f"Received: convention = {convention!r}.")
    return (f"{kind.name} is a Keras layer, but [network] convention = {convention!r}; PyTorch layers are "
            f"written nn.<Class> (e.g. nn.Linear).")


def _layers(raw_layers: list[dict], symbols, convention: str = "keras",
            blocks: dict[str, BlockDef] | None = None, start: int = 1, prefix: str = "",
            in_block: str = "") -> list[LayerSpec]:
    """Parse layer tables. `symbols` is the network's table, or a block's scope (ScopedTable). `start` is the
    network position of the first table, `prefix` the block use's name ("h/") that full names begin with."""
    blocks = blocks or {}
    from .layers import default_name, lookup
    from .layers.base import Context
    from .layers.parsing import parse_args

    explicit = [t.get("name") for t in raw_layers if isinstance(t.get("name"), str)]
    taken: set[str] = set(explicit)
    counters: dict[str, int] = {}
    seen: set[str] = set()
    layers = []
    index = start
    for table in raw_layers:
        type_name = table.get("type")
        given_name = table.get("name")
        label = given_name if isinstance(given_name, str) else "?"
        try:
            if "type" not in table:
                raise SymparamError("type is required: the layer's Keras class name, e.g. type = \"Conv2D\".")
            block = blocks.get(type_name) if isinstance(type_name, str) else None
            kind = None if block is not None else lookup(type_name)
            if given_name is None:
                base = default_name(block.name) if block is not None else default_name(kind.name)
                given_name = _auto_name(base, counters, taken)
            label = _check_layer_name(given_name, "name")
            if label in seen:
                raise SymparamError(f"the name {label!r} is used by an earlier layer; layer names must be unique.")
            seen.add(label)
            inputs = _layer_inputs(table.get("inputs"))
            conditions: list[Condition] = []
            ctx = Context(symbols, conditions)
            repeat = ctx.size(table["repeat"], "repeat") if "repeat" in table else None
            share, tie = _sharing(table)
            if block is not None:
                args = _block_args(block, table, ctx)
            else:
                args = parse_args(kind, table, ctx, _RESERVED)
                if kind.convention != convention and not kind.any_convention:
                    raise SymparamError(_convention_mismatch(kind, convention))
        except SymparamError as exc:
            where = layer_where(index, prefix + label, type_name if isinstance(type_name, str) else "?")
            raise exc.within(where + (f" in block {in_block}" if in_block else ""))
        layers.append(LayerSpec(index, prefix + label, block.name if block is not None else kind.name, kind, args,
                                inputs, conditions, tuple(k for k in table if k not in _RESERVED), block, repeat,
                                share, tie, local=label, in_block=in_block))
        index += block_size(block, blocks) if block is not None else 1
    return layers


def block_size(block: BlockDef, blocks: dict[str, BlockDef], depth: int = 0) -> int:
    """How many layers one use of `block` adds to the network (nested blocks expanded; a repeat adds none: a
    repeated unit is built once)."""
    if depth > 16:
        raise SymparamError(f"blocks are nested more than 16 deep (does block {block.name} use itself?).")
    if block.size is None:
        block.size = sum(block_size(blocks[t["type"]], blocks, depth + 1)
                         if isinstance(t.get("type"), str) and t["type"] in blocks else 1 for t in block.layers)
    return block.size


def _sharing(table: dict) -> tuple[str | None, dict[str, str]]:
    share, tie = table.get("share"), table.get("tie", {})
    if share is not None and (not isinstance(share, str) or not share):
        raise SymparamError(f"share must name an earlier layer whose weights this one reuses. Received: share = "
                            f"{show(share)}.")
    if not isinstance(tie, dict) or not all(isinstance(k, str) and isinstance(v, str) and "/" in v
                                            for k, v in tie.items()):
        raise SymparamError(f"tie must be a table variable = \"layer/variable\", e.g. tie = {{ kernel = "
                            f"\"wte/embeddings\" }}. Received: tie = {show(tie)}.")
    if share is not None and tie:
        raise SymparamError("give share (all weights) or tie (some), not both.")
    return share, dict(tie)


def _block_args(block: BlockDef, table: dict, ctx) -> SimpleNamespace:
    """A block call's arguments, parsed in the caller's terms (defaults are parsed later, in the block's)."""
    values = {}
    for key, value in table.items():
        if key in _RESERVED:
            continue
        if key not in block.args:
            close = difflib.get_close_matches(key, list(block.args), n=2)
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise SymparamError(f"block {block.name} has no argument {key!r}.{hint} Received: {key} = {show(value)}.")
        values[key] = ctx.size(value, key)
    for key, default in block.args.items():
        if default is None and key not in values:
            raise SymparamError(f"{key} is required by block {block.name}.")
    return SimpleNamespace(**values)


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
