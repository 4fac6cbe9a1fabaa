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
    """Every identifier a file copied into generated code uses (keras_tied.py: a layer named `x` stays apart)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(getattr(node, f) for node in ast.walk(tree) for f in ("id", "arg", "attr", "name")
                     if isinstance(getattr(node, f, None), str))


RESERVED |= _names_in(Path(__file__).with_name("keras_tied.py"))


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
        if count == 1:
            yield None, 1, [layer]
            i += 1
            continue
        label = layer.name.split("/")[0]
        run = [layer]
        while (i + len(run) < len(layers) and layers[i + len(run)].name.startswith(label + "/")
               and layers[i + len(run)].record.repeat != 1):
            run.append(layers[i + len(run)])
        if label != layer.name and any(r.record.repeat != count for r in run):
            raise SymparamError(f"a repeat inside a repeated block cannot be exported yet (block use {label!r}: "
                                f"its layers repeat {sorted({str(r.record.repeat) for r in run})} times)."
                                ).within(layer.where)
        yield label, count, run
        i += len(run)


def _indices_inputs(account: Account) -> set[str]:
    """The network inputs an embedding reads (fed integer indices)."""
    out = set()
    for layer in account.layers:
        for variable in layer.record.variables:
            if variable.category == "embedding":
                out.update(n for n in layer.inputs if n in account.net.inputs)
    return out


FRAMEWORK_NAMES = {"keras": "Keras", "torch": "PyTorch"}


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
    inputs = []
    for name, shape in net.inputs.items():
        ident = python_name(name, taken)
        idents[name] = ident
        inputs.append(Input(ident, name, _flat(name), _input_shape(shape, name), name in indices))
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

    def node(layer: LayerAccount, label: str | None, count: int, local: dict[str, str], carried: str) -> Node:
        try:
            ins = tuple(local.get(n, carried if label is not None else "") or idents[n] for n in layer.inputs)
            ident = python_name(layer.name.split("/")[-1] if label else layer.name, taken)
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
            made = Node(layer, ident, obj, ins, framework_name(layer.name, label, count),
                        expected(layer, layer.record, count),
                        None, bound_value(SimpleNamespace(**layer.record.args), table), share, tuple(ties))
            kind = lookup(layer.type)
            if kind.no_export:
                raise SymparamError(f"cannot be exported to {FRAMEWORK_NAMES[target]}: {kind.name} {kind.no_export}.")
            how, there = recipe(made)
            return replace(made, recipe=how, expected=there or made.expected)
        except SymparamError as exc:
            raise exc.within(layer.where).in_file(net.source) if not exc.message.startswith("layer ") else exc

    for label, count, run in _units(account.layers):
        if any(layer.record.copies for layer in run):   # (a spec-language repeat: not written yet)
            raise SymparamError(f"{run[0].where}: the unit repeats copies that grow (each copy's shapes differ); "
                                f"export does not write such a repeat yet.").in_file(net.source)
        if label is None and run[0].name in net.inputs and not run[0].inputs:   # an InputLayer: the input itself
            continue
        read.update(n for layer in run for n in layer.inputs)
        if label is None:
            made = node(run[0], None, 1, {}, "")
            idents[run[0].name] = made.ident
            result.body.append(made)
            continue
        count = integer(count, f"{run[0].where}: repeat")
        if count == 0:   # (a spec-language repeat: not written yet)
            raise SymparamError(f"{run[0].where}: the unit is repeated 0 times; export does not write such a repeat "
                                f"yet.").in_file(net.source)
        carried = python_name(label, taken)
        local: dict[str, str] = {}
        nodes = []
        for layer in run:
            made = node(layer, label, count, local, carried)
            local[layer.name] = made.ident
            nodes.append(made)
        inside = {layer.name for layer in run}
        read_inside = {n for layer in run for n in layer.inputs}
        ends = [n for n in nodes if n.layer.name not in read_inside]
        output = ends[-1] if ends else nodes[-1]
        result.body.append(Unit(carried, label, count, tuple(nodes), output.ident, idents[run[0].inputs[0]]))
        for name in inside:
            idents[name] = carried if name == output.layer.name else f"<inside {label}>"
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
