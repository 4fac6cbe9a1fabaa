"""An account laid out as framework code: Python names for every tensor and layer, repeated units as loops, what
each layer must hold in the framework (its counts and output shapes), and the framework's layer for each one.

The plan is the one fact both sides read: the writers (`keras.write`, `torch.write`) turn it into source text, and
verify builds the same layers live from it (symparam never runs the text it writes).
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sympy

from ..account import Account, LayerAccount
from ..errors import SymparamError
from ..expr import as_sympy
from ..layers import lookup
from ..render.escape import python_name
from ..twins import bound_value

FRAMEWORKS = ("keras", "torch")

# Names the generated files use for themselves (modules, helpers, the loop variable): no layer takes them.
RESERVED = frozenset(dir(builtins)) | frozenset({"keras", "torch", "nn", "os", "self", "build", "Net", "NAME",
                                                 "TiedDense", "k", "block", "_"})


def _names_in(path: Path) -> frozenset[str]:
    """Every name a file copied into generated code binds or reads (keras_tied.py: a layer named `x` stays apart):
    not its attributes (`self.position_embeddings`, transformers' name, is no name in the file's scopes: BERT's
    position_embeddings layer keeps its name, and its torch state dict key)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(getattr(node, f) for node in ast.walk(tree) for f in ("id", "arg", "name")
                     if isinstance(getattr(node, f, None), str))


RESERVED |= _names_in(Path(__file__).with_name("keras_tied.py"))
RESERVED |= _names_in(Path(__file__).with_name("torch_modules.py"))
RESERVED |= _names_in(Path(__file__).with_name("keras_own.py"))


@dataclass(frozen=True)
class Expected:
    """What one copy of a layer holds in the target framework and what it outputs (numbers bound)."""
    params: int
    trainable: int
    non_trainable: int
    buffers: int
    outputs: tuple[tuple[int | None, ...], ...]


@dataclass(frozen=True)
class Node:
    layer: LayerAccount
    ident: str                              # the Python name of its output (and its torch attribute)
    obj: str                                # the Python name of its layer object, where the code needs one
    inputs: tuple[str, ...]                 # the Python names of its inputs
    name: tuple[str, str]                   # the framework layer name: head + (copy number) + tail, or (name, "")
    expected: Expected
    recipe: Any                             # the framework's layer(s) for it (keras.Recipe / torch.Recipe)
    args: Any = None                        # the layer's arguments with the network's numbers put in
    share: str = ""                         # the ident of the node whose layer this one calls again
    ties: tuple[tuple[str, str, str], ...] = ()   # (variable, owner's ident, owner's variable)
    at: tuple[tuple[sympy.Symbol, int], ...] = ()  # a copy of a growing repeat: its index and the copy's number
    more: tuple[str, ...] = ()              # the Python names of its outputs after the first (a recurrent layer's states)

    @property
    def called(self) -> tuple[str, ...]:
        """The inputs it is called on; those after them are its initial states (initial_state)."""
        return self.inputs[:len(self.layer.record.input_shapes)]

    @property
    def initial(self) -> tuple[str, ...]:
        return self.inputs[len(self.layer.record.input_shapes):]

    def named(self, full: str) -> dict[str, str]:
        """The Python names of its outputs by the names the spec reads them by ("enc", "enc:0", "enc:1", ...)."""
        return {full: self.ident, f"{full}:0": self.ident, **{f"{full}:{k + 1}": m for k, m in enumerate(self.more)}}

    def bind(self, expr):
        """`expr` (a twin's size, which keeps a growing repeat's index) at this copy."""
        return expr.xreplace({s: sympy.Integer(v) for s, v in self.at}) if self.at else expr

    def framework_name(self, copy: int | None = None) -> str:
        head, tail = self.name
        return head if copy is None else f"{head}{copy}{tail}"


@dataclass(frozen=True)
class Unit:
    """A repeated layer or block: `count` copies of `nodes`, each copy fed the previous one's output."""
    ident: str                              # the Python name carried from copy to copy (the unit's input, then output)
    label: str                              # the spec's name of the unit ("h")
    count: int
    nodes: tuple[Node, ...]
    output: str                             # the ident of the node that gives a copy's output
    start: str                              # the Python name of what the first copy is fed


@dataclass(frozen=True)
class Input:
    ident: str
    name: str                               # the spec's
    framework_name: str
    shape: tuple[int | None, ...]
    indices: bool                           # read by an embedding: integer indices
    dtype: str | None = None                # what a layer reading it takes where not floats (a lookup's strings)


@dataclass
class Plan:
    name: str
    source: str
    target: str                             # "keras" or "torch"
    convention: str                         # the spec's
    inputs: tuple[Input, ...]
    body: list[Node | Unit] = field(default_factory=list)
    outputs: tuple[str, ...] = ()

    def nodes(self):
        """(node, copies) in order; a unit's nodes are each made `count` times."""
        for item in self.body:
            if isinstance(item, Unit):
                for node in item.nodes:
                    yield node, item.count
            else:
                yield item, None


def integer(value: Any, what: str) -> int:
    """A bound size as a Python int; a free symbol is an error naming it."""
    if isinstance(value, bool):
        return value
    expr = as_sympy(value) if isinstance(value, int) else value
    if isinstance(expr, sympy.Basic) and expr.free_symbols:
        names = ", ".join(sorted(s.name for s in expr.free_symbols))
        raise SymparamError(f"{what} depends on {names}, which is free: bind it with --set {names.split(', ')[0]}=N "
                            f"or give it a default.")
    if not (isinstance(expr, sympy.Basic) and expr.is_Integer):
        raise SymparamError(f"{what} must be a whole number to build the network. Received: {expr}.")
    return int(expr)


def shape_of(dims, what: str) -> tuple[int | None, ...]:
    return tuple(None if d is None else integer(d, what) for d in dims)


def _flat(name: str) -> str:
    return name.replace("/", "_").replace(".", "_")


def _expand(pair: tuple[str, str], label, count: int) -> list[str]:
    return [pair[0]] if label is None else [f"{pair[0]}{k}{pair[1]}" for k in range(count)]


def _input_shape(shape, name: str) -> tuple[int | None, ...]:
    try:
        return shape_of(shape, f"input {name!r}")
    except SymparamError as exc:
        raise exc.within("[network]")


def expected(layer: LayerAccount, record, repeat: int = 1) -> Expected:
    what = f"{layer.where}: the count"

    def per_copy(value) -> int:
        return integer(value, what) // repeat

    outputs = record.outputs or (record.output_shape,)
    return Expected(per_copy(record.params), per_copy(record.trainable), per_copy(record.non_trainable),
                    per_copy(record.buffers), tuple(shape_of(s, f"{layer.where}: the output shape") for s in outputs))


def _units(layers: tuple[LayerAccount, ...]):
    """Runs of layers: (label, count, [layers]) for each repeated layer or block use, (None, 1, [layer]) else."""
    i = 0
    while i < len(layers):
        layer = layers[i]
        count = layer.record.repeat
        if count == 1 and not layer.record.copies:
            yield None, 1, [layer]
            i += 1
            continue
        label = layer.name.split("/")[0]
        run = [layer]
        while (i + len(run) < len(layers) and layers[i + len(run)].name.startswith(label + "/")
               and (layers[i + len(run)].record.repeat != 1 or layers[i + len(run)].record.copies)):
            run.append(layers[i + len(run)])
        if label != layer.name and any(r.record.repeat != count or r.record.copies != layer.record.copies
                                       for r in run):
            raise SymparamError(f"a repeat inside a repeated block cannot be exported yet (block use {label!r}: "
                                f"its layers repeat {sorted({str(r.record.repeat) for r in run})} times)."
                                ).within(layer.where)
        if layer.record.copies and (len(layer.record.copies) > 1 or count != 1):
            raise SymparamError(f"a repeat inside a repeat whose copies grow cannot be exported yet (block use "
                                f"{label!r}).").within(layer.where)
        yield label, count, run
        i += len(run)


def _indices_inputs(account: Account) -> set[str]:
    """The network inputs a lookup reads (fed integer indices): those of a kind that keeps its input as token
    indices (`saves` "indices": an embedding), not every kind holding an embedding variable (ViT's class token)."""
    return {n for layer in account.layers if "indices" in lookup(layer.type).saves
            for n in layer.inputs if n in account.net.inputs}


def _read_dtypes(account: Account) -> dict[str, str]:
    """The network inputs a layer reads as other than floats (a StringLookup's strings), by the layer's kind."""
    out = {}
    for layer in account.layers:
        dtype = lookup(layer.record.type).input_dtype(SimpleNamespace(**layer.record.args))
        if dtype:
            out.update((n, dtype) for n in layer.inputs if n in account.net.inputs)
    return out


FRAMEWORK_NAMES = {"keras": "Keras", "torch": "PyTorch"}


def _layer_of(name: str) -> str:
    """The layer an input reads: "enc" for "enc:1" (one of its outputs)."""
    owner, colon, k = name.rpartition(":")
    return owner if colon and k.isdigit() else name


def _output(run: list[LayerAccount]) -> str:
    """The full name of the layer that gives one copy's output: the last that nothing inside the unit reads."""
    read_inside = {_layer_of(n) for layer in run for n in layer.inputs}
    ends = [layer.name for layer in run if layer.name not in read_inside]
    return ends[-1] if ends else run[-1].name


def _at_copy(layer: LayerAccount, index: sympy.Symbol, k: int) -> LayerAccount:
    """One copy of a layer of a growing repeat: its record's shapes and arguments with the index bound to k."""
    table = {index: sympy.Integer(k)}
    r = layer.record

    def shape(dims):
        return tuple(None if d is None else sympy.expand(d.xreplace(table)) for d in dims)

    record = replace(r, input_shapes=tuple(shape(s) for s in r.input_shapes), output_shape=shape(r.output_shape),
                     outputs=tuple(shape(s) for s in r.outputs), copies=(),
                     variables=tuple(replace(v, shape=shape(v.shape)) for v in r.variables),
                     args={key: bound_value(v, table) for key, v in r.args.items()})
    return replace(layer, record=record)


def _unrolled(run, label: str, count: int, start: str, output: str, node, framework_name, idents) -> list[Node]:
    """A repeat whose copies grow, written as `count` runs of plain nodes, each copy fed the previous one's output."""
    index = run[0].record.copies[0][0]
    names = {layer.name: framework_name(layer.name, label, count) for layer in run}
    nodes, previous = [], idents[start]
    for k in range(count):
        local = {start: previous}
        for layer in run:
            head, tail = names[layer.name]
            made = node(_at_copy(layer, index, k), None, 1, local, "", ((f"{head}{k}{tail}", ""), ((index, k),)))
            local.update(made.named(layer.name))
            nodes.append(made)
        previous = local[output]
    idents.update({layer.name: previous if layer.name == output else f"<inside {label}>" for layer in run})
    return nodes


def plan(account: Account, target: str, recipe) -> Plan:
    """The plan of `account` for `target`; `recipe(node)` gives each layer's framework layers
    and, for a layer built under the other convention's rules, what it holds there; it raises SymparamError naming
    why a layer cannot be made)."""
    if target not in FRAMEWORKS:
        raise SymparamError(f"--to must be one of {', '.join(FRAMEWORKS)}. Received: --to {target}.")
    net = account.net
    taken = set(RESERVED)
    idents: dict[str, str] = {}
    indices = _indices_inputs(account)
    dtypes = _read_dtypes(account)
    inputs = []
    for name, shape in net.inputs.items():
        ident = python_name(name, taken)
        idents[name] = ident
        inputs.append(Input(ident, name, _flat(name), _input_shape(shape, name), name in indices,
                            dtypes.get(name)))
    result = Plan(account.name, net.source, target, net.convention, tuple(inputs))
    table = {net.symbols.get(k): as_sympy(v) for k, v in net.bindings.items()}
    names: set = {i.framework_name for i in inputs}
    read: set[str] = set()

    def framework_name(full: str, label: str | None, count: int) -> tuple[str, str]:
        """Keras names a layer's weights after it, and the torch backend refuses "." and "/" in them."""
        rest = full[len(label) + 1:] if label is not None else ""
        head, tail = (_flat(full), "") if label is None else (_flat(label) + "_", "_" + _flat(rest) if rest else "")
        pair, n = (head, tail), 1
        while any(name in names for name in _expand(pair, label, count)):
            n += 1
            pair = (f"{head}_{n}", tail) if label is None else (head, f"{tail}_{n}")
        names.update(_expand(pair, label, count))
        return pair

    def node(layer: LayerAccount, label: str | None, count: int, local: dict[str, str], carried: str,
             copy: tuple[tuple[str, str], tuple] | None = None) -> Node:
        """`copy`: (its framework name, its index binding) for one copy of a growing repeat, unrolled."""
        try:
            ins = tuple(local.get(n, carried if label is not None else "") or idents[n] for n in layer.inputs)
            ident = python_name(copy[0][0] if copy else layer.name.split("/")[-1] if label else layer.name, taken)
            share, ties = "", []
            for term in layer.tied:
                owner, _, var = term.variable.shared_with.rpartition("/")
                owner_ident = local.get(owner) or idents.get(owner, "")
                ties.append((term.variable.name, owner_ident, var))
            owners = {t.variable.shared_with.rpartition("/")[0] for t in layer.tied}
            if (layer.tied and len(layer.tied) == len(layer.variables) and len(owners) == 1
                    and account.layer(owners.pop()).type == layer.type
                    and all(v == w for v, _, w in ties)):
                share, ties = ties[0][1], []
            obj = python_name(ident + "_layer", taken)
            more = tuple(python_name(f"{ident}_{k}", taken) for k in range(1, len(layer.record.outputs)))
            at = copy[1] if copy else ()
            here = table | {s: sympy.Integer(v) for s, v in at}
            made = Node(layer, ident, obj, ins, copy[0] if copy else framework_name(layer.name, label, count),
                        expected(layer, layer.record, count),
                        None, bound_value(SimpleNamespace(**layer.record.args), here), share, tuple(ties), at, more)
            kind = lookup(layer.type)
            if kind.no_export:
                raise SymparamError(f"cannot be exported to {FRAMEWORK_NAMES[target]}: {kind.name} {kind.no_export}.")
            how, there = recipe(made)
            return replace(made, recipe=how, expected=there or made.expected)
        except SymparamError as exc:
            raise exc.within(layer.where).in_file(net.source) if not exc.message.startswith("layer ") else exc

    alias: dict[str, str] = {}   # a unit of 0 copies: its output is its input

    def reads(run):
        read.update(alias.get(n, n) for layer in run for n in layer.inputs for n in (_layer_of(n),))

    for label, count, run in _units(account.layers):
        if label is None and run[0].name in net.inputs and not run[0].inputs:   # an InputLayer: the input itself
            continue
        if label is None:
            reads(run)
            made = node(run[0], None, 1, {}, "")
            idents.update(made.named(run[0].name))
            result.body.append(made)
            continue
        growing = run[0].record.copies
        count = integer(growing[0][1] if growing else count, f"{run[0].where}: repeat")
        start = run[0].inputs[0]
        output = _output(run)
        if count == 0:   # nothing written: what reads the unit reads its input
            alias.update({layer.name: alias.get(start, start) for layer in run})
            for layer in run:
                idents[layer.name] = idents[start] if layer.name == output else f"<inside {label}>"
            continue
        reads(run)
        if growing:   # copies that grow: unrolled, copy k's sizes bound with the index = k
            result.body.extend(_unrolled(run, label, count, start, output, node, framework_name, idents))
            continue
        carried = python_name(label, taken)
        local: dict[str, str] = {}
        nodes = []
        for layer in run:
            made = node(layer, label, count, local, carried)
            local.update(made.named(layer.name))
            nodes.append(made)
        last = next(n for n in nodes if n.layer.name == output)
        result.body.append(Unit(carried, label, count, tuple(nodes), last.ident, idents[start]))
        for layer in run:
            idents[layer.name] = carried if layer.name == output else f"<inside {label}>"
    sinks = []
    for item in result.body:
        full = item.nodes[-1].layer.name if isinstance(item, Unit) else item.layer.name
        if isinstance(item, Unit):
            if not any(n.layer.name in read for n in item.nodes if n.ident == item.output):
                sinks.append(item.ident)
        elif full not in read:
            sinks.append(item.ident)
    result.outputs = tuple(sinks) or tuple(i.ident for i in inputs)   # only an InputLayer: the input itself
    return result
