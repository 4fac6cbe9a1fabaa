"""Spec text -> a parsed spec: the TOML file's structure checked, sizes parsed, arguments read per layer kind.

Nothing here builds layers (that is symparam.engine); this module knows the file format:

    [network]   name, input (a shape, or a table of named shapes), convention
    [symbols]   name = { default = 32, doc = "...", type = "positive" }   (or name = 32); types in symbols.TYPES
    [helpers]   name = { args = ["v", "d"], formula = "..." }   named formulas, expanded where they are called
    [blocks]    NAME = { args, inputs, output, [[layers]] }      reusable sub-networks
    [[layers]]  type = "Conv2D", name = "...", inputs = [...], when, repeat, index, share, tie, and the layer's own
                Keras arguments
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

import sympy

from .errors import SymparamError, escaped, layer_where, show
from .model import Condition, Shape
from .expr import MAX_LITERAL_BITS, Helper, check_name, parse_expression
from .symbols import STRUCTURAL, TYPES, SymbolTable, check_value, describe_type, exact

CONVENTIONS = ("keras", "torch")
MAX_FILE = 4 * 1024 * 1024
MAX_LAYERS = 100_000
MAX_NAME = 128      # characters in a network, layer, block or input name
MAX_DOC = 500       # characters in a symbol's or a block's doc
MAX_SYMBOLS = 1_000
MAX_HELPERS = 64
_TOP = ("network", "symbols", "helpers", "blocks", "layers")
_NETWORK = ("name", "input", "outputs", "convention")
_RESERVED = ("type", "name", "inputs", "repeat", "index", "when", "share", "tie", "initial_state")
_BLOCK = ("args", "inputs", "output", "layers", "doc")
_SYMBOL = ("default", "doc", "type", "values")


@dataclass(frozen=True)
class ArgDecl:
    """A block argument: its type (symbols.TYPES, "string" for a free string), its default (None: required; a
    size's default is text or a number, parsed at each use in the block's terms) and a string's allowed values."""
    type: str = "positive"
    default: Any = None
    values: tuple[str, ...] = ()


@dataclass
class BlockDef:
    """A reusable sub-network: [blocks.NAME] with args (name -> default text, or None: required), its input names,
    the layer that gives its output, and its layer tables (parsed anew at every use, in the caller's terms)."""
    name: str
    args: dict[str, ArgDecl]
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
    copy_index: Any = None          # the repeat's index Symbol (0 for the first copy), when the spec names one
    share: str | None = None        # the layer whose weights this one reuses
    tie: dict[str, str] = field(default_factory=dict)   # variable -> "layer/variable" it is the same tensor as
    local: str = ""                 # the name in its own table (the full name without the block use's prefix)
    in_block: str = ""              # the block whose table it is in ("" for the network's own)
    initial_state: tuple[str, ...] = ()   # a recurrent layer's initial states: earlier outputs ("enc:1")

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
    document: dict | None = field(default=None, repr=False)   # the parsed TOML, to read again at other structure
    off: dict[str, str] = field(default_factory=dict)         # layers a `when` switched off -> where


def load(path: str | Path) -> Spec:
    """Read and parse a spec file. Every problem is a SymparamError naming the file."""
    from .reading import read_text

    source = str(path)
    try:
        text = read_text(path, MAX_FILE, "spec")
    except SymparamError as exc:
        raise exc.in_file(source) from None
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


def from_dict(document: dict, source: str = "<spec>", structure: dict | None = None) -> Spec:
    """Parse a spec already read into Python values (TOML-like: dicts, lists, str, int, float, bool). `structure`:
    values of the structural (bool, choice) symbols to read it at (their defaults otherwise)."""
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
    symbols.strict = "symbols" in document
    symbols.fix(symbols.structural(structure))
    symbols.at = {k: v for k, v in (structure or {}).items() if symbols.decide_at(k) is not None}
    symbols.helpers = _helpers(document.get("helpers", {}))
    symbols.indexes = _indexes(document)
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
    off: dict[str, str] = {}
    layers = _layers(raw_layers, symbols, convention, blocks, off=off)
    conditions.extend(symbols.decisions)   # each `when` decided at a size's value holds only where it is decided so
    outputs = network.get("outputs", [])
    if isinstance(outputs, str):
        outputs = [outputs]
    if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
        raise SymparamError(f"outputs must be a list of layer names. Received: outputs = {show(outputs)}."
                            ).within("[network]")
    names = {layer.name for layer in layers}
    for output in outputs:
        if output not in names:
            why = f" ({off[output]})" if output in off else ""
            raise SymparamError(f"outputs names {output!r}, which is not a layer{why}.").within("[network]")
    check_symbols(symbols)
    return Spec(source, name, convention, inputs, symbols, layers, conditions, blocks, tuple(outputs), document, off)


def _helpers(table: Any) -> dict[str, Helper]:
    """[helpers]: name = { args = ["v", "d"], formula = "..." }. A helper may call the helpers written before it."""
    if not isinstance(table, dict):
        raise SymparamError(f"[helpers] must be a table of name = {{ args = [...], formula = \"...\" }}. Received: "
                            f"helpers = {show(table)}.")
    if len(table) > MAX_HELPERS:
        raise SymparamError(f"[helpers] has {len(table)} helpers; symparam takes at most {MAX_HELPERS} (a fixed "
                            f"limit).")
    helpers: dict[str, Helper] = {}
    for name, entry in table.items():
        where = f"[helpers] {name}"
        try:
            check_name(name)
            if not isinstance(entry, dict):
                raise SymparamError(f"a helper is a table {{ args = [\"v\", \"d\"], formula = \"...\" }}. Received: "
                                    f"{name} = {show(entry)}.")
            _only(entry, ("args", "formula", "doc"), where, "keys")
            params, formula = entry.get("args", []), entry.get("formula")
            if not isinstance(params, list) or not all(isinstance(a, str) for a in params) or len(params) > 8 \
                    or len(set(params)) != len(params):
                raise SymparamError(f"args must be a list of at most 8 distinct parameter names. Received: args = "
                                    f"{show(params)}.")
            for param in params:
                check_name(param)
            if not isinstance(formula, str):
                raise SymparamError(f"formula must be an expression over the helper's args. Received: formula = "
                                    f"{show(formula)}.")
            _check_text(entry.get("doc", ""), "doc", MAX_DOC, empty=True)
        except SymparamError as exc:
            raise exc.within(where)
        helpers[name] = Helper(name, tuple(params), formula, dict(helpers))
    for helper in helpers.values():   # each formula read once here, with its parameters free, so a mistake in a
        try:                              # helper is reported at [helpers] even where no layer calls it
            probe = {p: sympy.Symbol(p, integer=True, positive=True) for p in helper.params}
            parse_expression(helper.formula, lambda n: _param(helper, probe, n), helper.earlier)
        except SymparamError as exc:
            raise SymparamError(f"formula is not valid: {exc.message}. Received: formula = "
                                f"{show(helper.formula)}.").within(f"[helpers] {helper.name}")
    return helpers


def _param(helper: Helper, values: dict, name: str):
    if name in values:
        return values[name]
    raise SymparamError(f"the helper {helper.name} may use only its parameters ({', '.join(helper.params)}), not "
                        f"{name!r}")


def _indexes(document: dict) -> dict[str, str]:
    """Every repeat index the spec names (index = "i") -> where: only its repeat may use the name."""
    found: dict[str, str] = {}
    tables = [("[[layers]]", t) for t in document.get("layers", []) if isinstance(t, dict)]
    blocks = document.get("blocks", {})
    if isinstance(blocks, dict):
        for name, block in blocks.items():
            if isinstance(block, dict) and isinstance(block.get("layers"), list):
                tables += [(f"[blocks.{name}]", t) for t in block["layers"] if isinstance(t, dict)]
    for where, table in tables:
        index = table.get("index")
        if isinstance(index, str):
            label = table.get("name") if isinstance(table.get("name"), str) else table.get("type")
            found.setdefault(index, f"{where} {label!r}")
    return found


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
            decls = {}
            for arg, value in args.items():
                check_name(arg)
                if arg in _RESERVED:
                    raise SymparamError(f"{arg!r} is reserved and cannot be a block argument.")
                decls[arg] = _arg_decl(arg, value)
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
        blocks[name] = BlockDef(name, decls, tuple(inputs), output, layers, doc)
    return blocks


def _declared_type(entry: dict, default: Any, what: str) -> str:
    """A symbol's or block argument's type: as written, else from its default (an integer >= 1 or an expression:
    positive; 0: natural; a float: rational; a bool: bool; `values` given: choice)."""
    kind = entry.get("type")
    allowed = TYPES + (("string",) if what == "argument" else ())
    if kind is not None:
        if kind not in allowed:
            raise SymparamError(f"type must be one of {', '.join(map(repr, allowed))}. Received: type = "
                                f"{show(kind)}.")
        return kind
    if "values" in entry:
        return "choice"
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, float):
        return "rational"
    if type(default) is int and default == 0:
        return "natural"
    return "positive"


def _choices(entry: dict, kind: str) -> tuple[str, ...]:
    values = entry.get("values", [])
    if kind not in ("choice", "string") and "values" in entry:
        raise SymparamError(f"values is for a choice (type = \"choice\"). Received: values = {show(values)}.")
    if (kind == "choice" or "values" in entry) and (not isinstance(values, list) or not values or len(values) > 64 or not all(
            isinstance(v, str) and v and len(v) <= MAX_NAME for v in values)):
        raise SymparamError(f"a choice needs values, a list of at most 64 strings. Received: values = "
                            f"{show(values)}.")
    return tuple(values)


def _arg_decl(name: str, value: Any) -> ArgDecl:
    """A block's argument as its args table writes it: "required", a default, or { default, type, values }."""
    entry = value if isinstance(value, dict) else {"default": value}
    _only(entry, ("default", "type", "values"), f"the argument {name}", "keys")
    default = entry.get("default", "required")
    kind = _declared_type(entry, default, "argument")
    values = _choices(entry, kind)
    if default == "required":
        return ArgDecl(kind, None, values)
    if kind == "string":
        if not isinstance(default, str) or (values and default not in values):
            raise SymparamError(f"the default of {name} must be a string{' of ' + str(list(values)) if values else ''}"
                                f". Received: default = {show(default)}.")
    elif kind in ("bool", "choice", "rational") and check_value(kind, default, values) is None:
        raise SymparamError(f"the default of {name} must be {describe_type(kind, values)}. Received: default = "
                            f"{show(default)}.")
    return ArgDecl(kind, default, values)


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
        if type(entry) in (int, float, bool):
            entry = {"default": entry}
        if not isinstance(entry, dict):
            raise SymparamError(f"a symbol is a table {{ default = 32, doc = \"...\" }} or a positive integer. "
                                f"Received: {name} = {show(entry)}.").within(where)
        try:
            _only(entry, _SYMBOL, where, "keys")
            default, doc = entry.get("default"), entry.get("doc", "")
            kind = _declared_type(entry, default, "symbol")
            values = _choices(entry, kind)
            value = _symbol_default(kind, default, values)
            _check_text(doc, "doc", MAX_DOC, empty=True)
            symbols.declare(name, value, doc, kind, values)
        except SymparamError as exc:
            raise exc.within(where)
        if isinstance(default, str) and kind not in STRUCTURAL:
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


def _symbol_default(kind: str, default: Any, values: tuple[str, ...]) -> Any:
    """A symbol's default as the table holds it (None for a formula, read once every symbol is declared)."""
    if type(default) is int and default.bit_length() > MAX_LITERAL_BITS:
        raise SymparamError(f"default is too large (at most 2**{MAX_LITERAL_BITS}). Received: default = "
                            f"{show(default)}.")
    if kind in STRUCTURAL and default is None:
        raise SymparamError(f"a {kind} symbol needs a default (it decides which layers the network has). "
                            f"Received: no default.")
    if default is None or (isinstance(default, str) and kind not in STRUCTURAL):
        return None
    value = check_value(kind, default, values)
    if value is None:
        also = " or an expression of other symbols" if kind not in STRUCTURAL else ""
        raise SymparamError(f"default must be {describe_type(kind, values)}{also}. Received: default = "
                            f"{show(default)}.")
    return value


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
            in_block: str = "", off: dict[str, str] | None = None) -> list[LayerSpec]:
    """Parse layer tables. `symbols` is the network's table, or a block's scope (ScopedTable). `start` is the
    network position of the first table, `prefix` the block use's name ("h/") that full names begin with. Layers a
    `when` switches off are left out (and noted in `off`: name -> why)."""
    blocks = blocks or {}
    off = off if off is not None else {}
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
            if "when" in table and not _switched_on(table["when"], symbols, prefix + label):   # (its name stays free for an
                off.setdefault(label, f"switched off by when = {show(table['when'])}")   # alternative)
                continue
            if label in seen:
                raise SymparamError(f"the name {label!r} is used by an earlier layer; layer names must be unique.")
            seen.add(label)
            off.pop(label, None)
            inputs = _layer_inputs(table.get("inputs"))
            conditions: list[Condition] = []
            ctx = Context(symbols, conditions)
            repeat = ctx.size(table["repeat"], "repeat", minimum=0) if "repeat" in table else None
            index_symbol, scope = _index(table, symbols)
            share, tie = _sharing(table)
            initial = _initial_state(table, kind)
            values = {k: _literal(symbols, v) for k, v in table.items()}
            inner = Context(scope, conditions)
            if block is not None:
                args = _block_args(block, values, inner)
            else:
                args = parse_args(kind, values, inner, _RESERVED)
                if kind.convention != convention and not kind.any_convention:
                    raise SymparamError(_convention_mismatch(kind, convention))
        except SymparamError as exc:
            where = layer_where(index, prefix + label, type_name if isinstance(type_name, str) else "?")
            raise exc.within(where + (f" in block {in_block}" if in_block else ""))
        layers.append(LayerSpec(index, prefix + label, block.name if block is not None else kind.name, kind, args,
                                inputs, conditions, tuple(k for k in table if k not in _RESERVED), block, repeat,
                                index_symbol, share, tie, local=label, in_block=in_block,
                                initial_state=initial))
        index += block_size(block, blocks) if block is not None else 1
    return layers


def _initial_state(table: dict, kind) -> tuple[str, ...]:
    """initial_state = ["enc:1", "enc:2"]: the states a recurrent layer starts from (they add no parameters)."""
    if "initial_state" not in table:
        return ()
    states = _layer_inputs(table["initial_state"])
    n_states = getattr(kind, "n_states", None)
    if not isinstance(n_states, int):
        raise SymparamError(f"initial_state is for a recurrent layer (SimpleRNN, LSTM, GRU). Received: "
                            f"initial_state = {show(table['initial_state'])}.")
    if len(states) != n_states:
        raise SymparamError(f"initial_state takes {n_states} state(s) for {kind.name}. Received: initial_state = "
                            f"{show(table['initial_state'])}.")
    return states


def _switched_on(value: Any, symbols, label: str, key: str = "when") -> bool:
    """A `when`, decided now: over booleans, choices, block arguments and numbers; over sizes (alpha > 1/2) at the
    value the network is read at (its --set value, else its default), noted as a condition of the network so that
    where the size is left free (--symbolic, a sweep's compiled points) the layers are said to stand for the values
    deciding it the same way. Over a size with no value (a repeat's index, a symbol without a default) it is an
    error."""
    decided = symbols.condition(value, "when")
    if decided is sympy.true or decided is sympy.false:
        return decided is sympy.true
    table = symbols.root   # inside a block or a repeat too, the network's own table decides and records
    at = {s: table.decide_at(s.name) for s in decided.free_symbols}
    if all(v is not None for v in at.values()):
        on = decided.xreplace(at)
        if on is sympy.true or on is sympy.false:
            table.decided.update({s.name: v for s, v in at.items()})
            shown = ", ".join(f"{s.name} = {v}" for s, v in sorted(at.items(), key=lambda item: item[0].name))
            table.decisions.append(Condition(decided if on is sympy.true else sympy.Not(decided), key,
                                             f"{key} = {show(value)} is {'true' if on is sympy.true else 'false'} "
                                             f"at {shown}", where=label))
            return on is sympy.true
    names = sorted(s.name for s, v in at.items() if v is None) or sorted(s.name for s in decided.free_symbols)
    raise SymparamError(f"when must be decided as the spec is read (by booleans, choices, block arguments, numbers "
                        f"and sizes with a default), and {show(value)} depends on {', '.join(names)}. Received: when = "
                        f"{show(value)}.")


def _index(table: dict, symbols):
    """The repeat's index symbol (0 for the first copy, a non-negative integer) and the names its copies see."""
    if "index" not in table:
        return None, symbols
    name = table["index"]
    if "repeat" not in table:
        raise SymparamError(f"index names the copy of a repeat; give repeat too. Received: index = {show(name)}.")
    if not isinstance(name, str):
        raise SymparamError(f"index must be a name (index = \"i\"). Received: index = {show(name)}.")
    check_name(name)
    if _bound(symbols, name):
        raise SymparamError(f"index {name!r} is already a symbol or an argument here; give the copy index a name of "
                            f"its own. Received: index = {show(name)}.")
    from .symbols import ScopedTable
    symbol = sympy.Symbol(name, integer=True, nonnegative=True)
    return symbol, ScopedTable(symbols, {name: symbol})


def _bound(symbols, name: str) -> bool:
    while hasattr(symbols, "values"):
        if name in symbols.values:
            return True
        symbols = symbols.outer
    return name in symbols


def _literal(symbols, value: Any) -> Any:
    """A layer argument written as the name of a bool or string symbol or block argument takes its value."""
    found = symbols.literal(value)
    return value if found is None else found


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
        values[key] = arg_value(block.args[key], key, value, ctx)
    for key, decl in block.args.items():
        if decl.default is None and key not in values:
            raise SymparamError(f"{key} is required by block {block.name}.")
    return SimpleNamespace(**values)


def arg_value(decl: ArgDecl, key: str, value: Any, ctx) -> Any:
    """A block argument's value as its type holds it: a size or a rational as an expression, a bool, a string."""
    value = _literal(ctx.symbols, value)
    if decl.type in ("positive", "natural"):
        if isinstance(value, float):
            raise SymparamError(f"{key} must be {describe_type(decl.type)} or an expression over symbols; a "
                                f"rational where an integer is needed. Received: {key} = {show(value)}.")
        return ctx.size(value, key, minimum=1 if decl.type == "positive" else 0)
    if decl.type == "rational":
        number = exact(value)
        if number is not None:
            if number <= 0:
                raise SymparamError(f"{key} must be {describe_type('rational')}. Received: {key} = {show(value)}.")
            return sympy.Rational(number.numerator, number.denominator)
        return ctx.symbols.parse(value, key)
    if decl.type == "bool":
        decided = value if isinstance(value, bool) else _switched_on(value, ctx.symbols, "", key)
        return bool(decided)
    if not isinstance(value, str) or (decl.values and value not in decl.values):
        expected = describe_type("choice", decl.values) if decl.values else "a string"
        raise SymparamError(f"{key} must be {expected}. Received: {key} = {show(value)}.")
    return value


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
