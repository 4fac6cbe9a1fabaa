"""A parsed spec -> a Network of layer records with exact expressions; and binding symbols to numbers."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Iterable, Mapping

import sympy

from .errors import SymparamError, layer_where
from .expr import as_sympy, check_bound, check_expansion, expansion, product_bound, sum_bound
from .layers.base import Build
from .model import Condition, LayerRecord, Network, Shape
from .printing import spec_text
from .spec import MAX_LAYERS, LayerSpec, Spec, _layers, arg_value, block_size, check_symbols
from .symbols import ScopedTable
from .expr import input_axis


MAX_DEPTH = 16   # blocks within blocks


class _Scope:
    """Where layers are built: the network itself, or one use of a block (its names prefixed by the use's)."""

    def __init__(self, spec: Spec, shapes: dict[str, Shape], layers: list[LayerSpec], prefix: str = "",
                 repeat: sympy.Expr = sympy.Integer(1), records: list | None = None,
                 conditions: list | None = None, depth: int = 0, full: dict[str, str] | None = None,
                 copies: tuple = (), off: dict[str, str] | None = None) -> None:
        self.spec, self.shapes, self.layers, self.prefix, self.repeat = spec, shapes, layers, prefix, repeat
        self.copies = copies            # the enclosing growing or indexed repeats: (index, count), outermost first
        self.off = off if off is not None else {}   # layers a `when` switched off -> why
        self.counts: dict[str, sympy.Expr] = {}     # a repeated layer's count, by its local name
        self.records: list[LayerRecord] = records if records is not None else []
        self.conditions: list[Condition] = conditions if conditions is not None else []
        self.depth = depth
        # the full name behind each name of this scope (a block's input is a layer of the caller's)
        self.full: dict[str, str] = full if full is not None else {name: name for name in shapes}

    def record(self, name: str) -> LayerRecord | None:
        """An earlier layer's record, by its name in this scope or its full name."""
        for candidate in (self.prefix + name, name):
            for record in self.records:
                if record.name == candidate:
                    return record
        return None


def derive(spec: Spec) -> Network:
    """Build every layer in order; each layer reads the shapes of its inputs from earlier layers."""
    _check_instances(spec)
    scope = _Scope(spec, dict(spec.inputs), spec.layers, conditions=list(spec.conditions), off=spec.off)
    _run(scope, next(iter(spec.inputs), None) if len(spec.inputs) == 1 else None)
    if spec.outputs:
        _check_connected(spec)
    records = scope.records
    inputs = dict(spec.inputs)
    if not inputs and records and spec.layers[0].kind is not None and spec.layers[0].kind.n_inputs == 0:
        inputs = {records[0].name: records[0].output_shape}
    net = Network(spec.name, spec.convention, spec.source, inputs, tuple(records), spec.symbols,
                  conditions=tuple(scope.conditions), spec=spec)
    _check_sizes(net)
    return replace(net, assumptions=_assumptions(net))


def _check_instances(spec: Spec) -> None:
    """Refuse, before building anything, blocks that would expand to more than MAX_LAYERS layers. Uses multiply with
    depth (ten uses of a block that holds ten uses of another, fifteen deep, are 10**15 layers); spec.block_size
    counts each block once, from its definition."""
    total = 0
    for layer in spec.layers:
        total += 1 if layer.block is None else block_size(layer.block, spec.blocks)
        if total > MAX_LAYERS:
            raise SymparamError(f"with its blocks expanded the network has more than {MAX_LAYERS:,} layers (each use "
                                f"of a block builds all its layers, and uses within blocks multiply); symparam "
                                f"builds at most {MAX_LAYERS:,} (a fixed limit)").within(layer.where).in_file(spec.source)


MAX_TOTAL_TERMS = 5_000   # terms of a network's expanded total


def _check_sizes(net: Network) -> None:
    """Refuse, before anything expands or prints them, lengths and counts too large to work with: each layer's output
    lengths and count (symparam.expr: terms once expanded, digits), the total's terms, the number of symbols."""
    check_symbols(net.symbols)
    at = (" at " + ", ".join(f"{k}={v}" for k, v in net.bindings.items())) if net.bindings else ""
    distinct: dict[tuple, tuple[int, LayerRecord]] = {}   # a count met again adds no terms to the total
    for layer in net.layers:
        try:
            for shape in (layer.output_shape, *layer.outputs):
                for axis, dim in enumerate(shape, start=1):
                    if dim is not None:
                        check_expansion(dim, f"output axis {axis}{at}")
            sizes = [product_bound([expansion(d) for d in v.shape]) for v in layer.variables]
            if not sizes:
                continue
            count = product_bound([expansion(layer.repeat), sum_bound(sizes)])
            check_bound(count, f"the parameter count{at}")
        except SymparamError as exc:
            raise exc.within(layer_where(layer.index, layer.name, layer.type)).in_file(net.source)
        key = (layer.repeat, *(v.shape for v in layer.variables))
        if key not in distinct and not all(d.is_number for part in key[1:] for d in part):
            distinct[key] = (count[0], layer)
    if sum(terms for terms, _ in distinct.values()) > MAX_TOTAL_TERMS:   # a bound: count exactly when it is over
        monomials = set()
        for _, layer in distinct.values():
            expanded = sympy.expand(layer.params + layer.buffers)
            monomials.update(term.as_coeff_Mul()[1] for term in sympy.Add.make_args(expanded))
            if len(monomials) > MAX_TOTAL_TERMS:
                raise SymparamError(f"the total would expand to more than {MAX_TOTAL_TERMS:,} terms; symparam works "
                                    f"with at most {MAX_TOTAL_TERMS:,} (a fixed limit: use fewer symbols)"
                                    ).in_file(net.source)


def _run(scope: _Scope, previous: str | None) -> str | None:
    """Build the scope's layers in order; return the local name of the last (a block's default output)."""
    for layer in scope.layers:
        try:
            shape, full = _step(layer, scope, previous)
        except SymparamError as exc:
            raise exc.within(layer.where).in_file(scope.spec.source)
        scope.shapes[layer.local] = shape
        scope.full[layer.local] = full
        previous = layer.local
    return previous


def _check_connected(spec: Spec) -> None:
    """With [network] outputs given, every layer must lead to one of them (Keras would leave it out)."""
    feeds: dict[str, tuple[str, ...]] = {}
    previous = next(iter(spec.inputs), None) if len(spec.inputs) == 1 else None
    for layer in spec.layers:
        feeds[layer.name] = layer.inputs if layer.inputs is not None else ((previous,) if previous else ())
        if layer.kind is not None and layer.kind.n_inputs == 0:
            feeds[layer.name] = ()
        previous = layer.name
    reached: set[str] = set()
    stack = list(spec.outputs)
    while stack:
        name = stack.pop()
        if name not in reached:
            reached.add(name)
            stack.extend(feeds.get(name, ()))
    loose = [layer for layer in spec.layers if layer.name not in reached]
    if loose:
        names = ", ".join(repr(layer.name) for layer in loose)
        raise SymparamError(f"{names} {'is' if len(loose) == 1 else 'are'} not connected to the outputs "
                            f"({', '.join(spec.outputs)}); the outputs are reached from: "
                            f"{', '.join(sorted(reached - set(spec.outputs) - set(spec.inputs))) or 'no layer'}."
                            ).within(loose[0].where).in_file(spec.source)


def _input_names(layer: LayerSpec, scope: _Scope, previous: str | None) -> tuple[str, ...]:
    kind = layer.kind
    if kind is not None and kind.n_inputs == 0:
        if layer.inputs:
            raise SymparamError(f"{kind.name} takes no inputs. Received: inputs = {list(layer.inputs)}.")
        return ()
    if layer.inputs is not None:
        for name in layer.inputs:
            if name not in scope.shapes:
                later = any(l.local == name for l in scope.layers)
                reason = "it is defined later (a layer may only take inputs from earlier layers)" if later \
                    else scope.off[name] if name in scope.off else f"known are: {', '.join(scope.shapes) or 'none'}"
                raise SymparamError(f"inputs names {name!r}, which is not an input or an earlier layer; {reason}.")
            count = scope.counts.get(name)
            if count is not None and count.is_zero:
                raise SymparamError(f"inputs names {name!r}, which is repeated 0 times here, so it has no output "
                                    f"to read (a unit repeated 0 times passes its input on only to the next layer).")
            if count is not None and count.is_positive is not True:
                scope.conditions.append(Condition(sympy.Gt(count, 0), "inputs", f"inputs names {name!r}, which is "
                                                  f"repeated {count} times, and must be repeated at least once for "
                                                  f"this layer to read its output", where=layer.where))
        return layer.inputs
    if previous is None:
        what = "several inputs: name one with inputs = [...]" if len(scope.shapes) > 1 \
            else "no input: give [network] input or start with an InputLayer"
        raise SymparamError(f"this layer has {what}.")
    return (previous,)


def _step(layer: LayerSpec, scope: _Scope, previous: str | None) -> tuple[Shape, str]:
    """Build one layer (or one use of a block) in `scope`; return its output shape and the full name of the layer
    that gives it (a block use's output layer)."""
    names = _input_names(layer, scope, previous)
    input_shapes = tuple(scope.shapes[n] for n in names)
    if layer.repeat is None:
        return _unit(layer, scope, names, input_shapes, scope.repeat, scope.copies)
    # A repeated unit's first input feeds the next copy; any others (the encoder's output that a decoder block's
    # cross-attention reads) reach every copy as they are.
    if not input_shapes:
        raise SymparamError("repeat needs a unit with an input (its output feeds the next copy).")
    scope.counts[layer.local] = layer.repeat
    return _repeated(layer, scope, names, input_shapes)


def _unit(layer: LayerSpec, scope: _Scope, names, input_shapes, repeat, copies) -> tuple[Shape, str]:
    """One layer or block use built once, standing for `repeat` copies (times the sums over `copies`)."""
    layer = _read_inputs(layer, input_shapes)
    if layer.block is not None:
        scope.conditions.extend(replace(c, where=layer.where) for c in layer.conditions)
        return _call_block(layer, scope, names, input_shapes, repeat, copies)
    record = _build(layer, tuple(scope.full[n] for n in names), input_shapes, repeat)
    record = replace(_share(layer, record, scope), copies=copies)
    if layer.initial_state:
        record = replace(record, inputs=record.inputs + _initial_states(layer, scope))
    scope.records.append(record)
    for k, shape in enumerate(record.outputs):   # a layer's several outputs, read as "name:k"
        scope.shapes[f"{layer.local}:{k}"], scope.full[f"{layer.local}:{k}"] = shape, f"{record.name}:{k}"
    return record.output_shape, record.name


def _initial_states(layer: LayerSpec, scope: _Scope) -> tuple[str, ...]:
    """The full names of a recurrent layer's initial states, each an earlier output of shape (units,)."""
    units = layer.args.units
    for name in layer.initial_state:
        if name not in scope.shapes:
            raise SymparamError(f"initial_state names {name!r}, which is no earlier output; known are: "
                                f"{', '.join(scope.shapes)}.")
        if not same_shape(scope.shapes[name], (units,)):
            raise SymparamError(f"initial_state {name!r} must have the layer's state shape ({units},). Received: "
                                f"{_text(scope.shapes[name])}.")
    return tuple(scope.full[name] for name in layer.initial_state)


def _repeated(layer: LayerSpec, scope: _Scope, names, shapes) -> tuple[Shape, str]:
    """A repeated unit. Copies that keep their input's shape (and use no index) are built once and counted times
    the repeat. Copies that grow (DenseNet's channels c0 + i*k) or read their index are built once for copy i, on
    the input c0 + i*(c1 - c0) the first copy's output c1 implies; copy i's output must be copy i + 1's input
    (checked symbolically), and the counts are the closed-form sums over i < repeat."""
    count = layer.repeat
    first, rest = shapes[0], tuple(shapes[1:])   # the other inputs reach every copy as they are
    marks = len(scope.records), len(scope.conditions)
    out, full = _unit(layer, scope, names, (first, *rest), scope.repeat * count, scope.copies)
    if layer.copy_index is None and same_shape(out, first):
        return out, full
    del scope.records[marks[0]:], scope.conditions[marks[1]:]
    index = layer.copy_index if layer.copy_index is not None else sympy.Symbol("i", integer=True, nonnegative=True)
    if any(index == i for i, _ in scope.copies):
        raise SymparamError(f"the index {index} is already the index of an enclosing repeat.")
    start = tuple(None if d is None else d.xreplace({index: 0}) for d in out)
    if len(start) != len(first) or any((a is None) != (b is None) for a, b in zip(start, first)):
        raise SymparamError(f"a repeated unit must keep its number of axes (each copy feeds the next). Received: "
                            f"input {_text(first)} -> output {_text(out)}.")
    grown = tuple(None if d is None else sympy.expand(d + index * (o - d)) for d, o in zip(first, start))
    out, full = _unit(layer, scope, names, (grown, *rest), scope.repeat, scope.copies + ((index, count),))
    following = tuple(None if d is None else d.xreplace({index: index + 1}) for d in grown)
    if not same_shape(out, following):
        raise SymparamError(f"a repeated unit must map its output shape onto its input shape (each copy feeds the "
                            f"next; copies may grow, by the same amount each time): copy {index} takes "
                            f"{_text(grown)} and gives {_text(out)}, but copy {index} + 1 takes {_text(following)}.")
    return tuple(None if d is None else sympy.expand(d.xreplace({index: count})) for d in grown), full


def _read_inputs(layer: LayerSpec, input_shapes) -> LayerSpec:
    """The layer's arguments with `input_shape[k]` replaced by its (first) input's length on axis k."""
    found = set()
    _placeholders(vars(layer.args), found)
    if not found:
        return layer
    if not input_shapes:
        raise SymparamError("input_shape is read from a layer's input, and this layer has none.")
    shape, table = input_shapes[0], {}
    for symbol in found:
        axis = input_axis(symbol)
        if not -len(shape) <= axis < len(shape):
            raise SymparamError(f"input_shape[{axis}] is outside the input's {len(shape)} axes (the batch axis "
                                f"left out). Received: input shape {_text(shape)}.")
        if shape[axis] is None:
            raise SymparamError(f"input_shape[{axis}] is an axis of unknown length. Received: input shape "
                                f"{_text(shape)}.")
        table[symbol] = shape[axis]
    args = type(layer.args)(**{k: _substituted(v, table) for k, v in vars(layer.args).items()})
    conditions = [replace(c, relation=c.relation.xreplace(table)) for c in layer.conditions]
    return replace(layer, args=args, conditions=conditions)


def _placeholders(value, found: set) -> None:
    if isinstance(value, sympy.Basic):
        found.update(s for s in value.free_symbols if input_axis(s) is not None)
    elif isinstance(value, (tuple, list)):
        for v in value:
            _placeholders(v, found)
    elif isinstance(value, dict):
        for v in value.values():
            _placeholders(v, found)
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        _placeholders(vars(value), found)


def _substituted(value, table):
    if isinstance(value, sympy.Basic):
        return value.xreplace(table)
    if isinstance(value, tuple):
        return tuple(_substituted(v, table) for v in value)
    if isinstance(value, list):
        return [_substituted(v, table) for v in value]
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return type(value)(**{k: _substituted(v, table) for k, v in vars(value).items()})
    return value


def _call_block(layer: LayerSpec, scope: _Scope, names, input_shapes, repeat, copies=()) -> tuple[Shape, str]:
    block = layer.block
    if scope.depth >= MAX_DEPTH:
        raise SymparamError(f"blocks are nested more than {MAX_DEPTH} deep (does block {block.name} use itself?).")
    if len(names) != len(block.inputs):
        raise SymparamError(f"block {block.name} takes {len(block.inputs)} input(s) ({', '.join(block.inputs)}). "
                            f"Received: inputs = {list(names)}.")
    values: dict[str, sympy.Expr] = {}
    table = ScopedTable(scope.spec.symbols, values)
    given = vars(layer.args)
    from .layers.base import Context
    defaults: list[Condition] = []
    for name, decl in block.args.items():
        values[name] = given[name] if name in given else arg_value(decl, name, decl.default,
                                                                   Context(table, defaults))
    off: dict[str, str] = {}
    decided = len(scope.spec.symbols.decisions)
    inner = _layers(block.layers, table, scope.spec.convention, scope.spec.blocks, start=layer.index,
                    prefix=f"{layer.name}/", in_block=block.name, off=off)
    # a `when` inside, decided at a size's value, is a condition of this derivation: taken off the spec's table, so
    # that deriving the same spec again does not record it twice there
    scope.conditions.extend(scope.spec.symbols.decisions[decided:])
    del scope.spec.symbols.decisions[decided:]
    sub = _Scope(scope.spec, dict(zip(block.inputs, input_shapes)), inner, f"{layer.name}/",
                 repeat, scope.records, scope.conditions, scope.depth + 1,
                 full={inside: scope.full[outside] for inside, outside in zip(block.inputs, names)},
                 copies=copies, off=off)
    last = _run(sub, block.inputs[0] if len(block.inputs) == 1 else None)
    output = block.output or last
    if output not in sub.shapes or output in block.inputs:
        raise SymparamError(f"block {block.name}'s output names {output!r}, which is not one of its layers.")
    return sub.shapes[output], sub.full[output]


def _share(layer: LayerSpec, record: LayerRecord, scope: _Scope) -> LayerRecord:
    """Weights this layer reuses (share) or variables that are another's tensor (tie): counted once, there."""
    if layer.share is not None:
        target = scope.record(layer.share)
        if target is None:
            raise SymparamError(f"share names {layer.share!r}, which is not an earlier layer.")
        if target.type != record.type or len(target.variables) != len(record.variables) or not all(
                v.name == t.name and same_shape(v.shape, t.shape) for v, t in zip(record.variables, target.variables)):
            raise SymparamError(f"share: this layer's weights must be the same as {target.name}'s to reuse them. "
                                f"Received: {_weights(record)} here, {_weights(target)} in {target.name}.")
        return replace(record, variables=tuple(replace(v, shared_with=f"{target.name}/{v.name}")
                                               for v in record.variables))
    if not layer.tie:
        return record
    variables = {v.name: v for v in record.variables}
    for name, path in layer.tie.items():
        if name not in variables:
            raise SymparamError(f"tie names the variable {name!r}, which this layer does not have; it has: "
                                f"{', '.join(variables) or 'none'}.")
        owner, _, var = path.rpartition("/")
        target = scope.record(owner)
        found = None if target is None else next((v for v in target.variables if v.name == var), None)
        if found is None:
            raise SymparamError(f"tie: {name} = {path!r} names no variable of an earlier layer.")
        if sympy.expand(found.size - variables[name].size) != 0:
            raise SymparamError(f"tie: {name} {_text(variables[name].shape)} and {path} {_text(found.shape)} must "
                                f"hold the same number of values.")
        variables[name] = replace(variables[name], shared_with=f"{target.name}/{var}")
    return replace(record, variables=tuple(variables[v.name] for v in record.variables))


def same_shape(a, b) -> bool:
    return len(a) == len(b) and all((x is None and y is None) or (x is not None and y is not None and
                                                                  sympy.expand(x - y) == 0) for x, y in zip(a, b))


def _text(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def _weights(record: LayerRecord) -> str:
    return ", ".join(f"{v.name} {_text(v.shape)}" for v in record.variables) or "none"


def _build(layer: LayerSpec, inputs: tuple[str, ...], input_shapes, repeat) -> LayerRecord:
    kind = layer.kind
    least, most = (kind.n_inputs, kind.n_inputs) if isinstance(kind.n_inputs, int) else kind.n_inputs
    if kind.n_inputs and not (least <= len(inputs) and (most is None or len(inputs) <= most)):
        count = str(least) if least == most else f"{least} or more" if most is None else f"{least} to {most}"
        raise SymparamError(f"{kind.name} takes {count} inputs. Received: inputs = {list(layer.inputs or inputs)}.")
    return build_record(kind, layer.args, input_shapes, index=layer.index, name=layer.name, inputs=inputs,
                        repeat=repeat, conditions=tuple(layer.conditions), given=layer.given)


def build_record(kind, args, input_shapes, *, index: int, name: str, inputs: tuple[str, ...],
                 repeat=sympy.Integer(1), conditions=(), given=()) -> LayerRecord:
    """One layer of `kind` built on `input_shapes`: its variables, conditions and output shapes, every concrete
    output length checked. The network's layers and their twins (symparam.twins) are built by this."""
    build = Build(trainable=getattr(args, "trainable", True))
    built = kind().build(args, input_shapes, build)
    outputs = tuple(tuple(s) for s in built) if isinstance(built, list) else (tuple(built),)
    for shape in outputs:
        for axis, dim in enumerate(shape, start=1):
            if not_a_length(dim) and not (dim == 0 and build.warnings):   # a 0 the layer warned of
                raise SymparamError(f"output axis {axis} would have length {dim}; every length must be a positive "
                                    f"integer.")
    return LayerRecord(index, name, kind.name, tuple(inputs), tuple(input_shapes), outputs[0],
                       tuple(build.variables), tuple(conditions) + tuple(build.conditions),
                       vars(args), outputs if len(outputs) > 1 else (), repeat, tuple(given), tuple(build.costs),
                       warnings=tuple(build.warnings))


def not_a_length(dim) -> bool:
    """A concrete length that is not a positive integer (an unknown or symbolic one may still be fine)."""
    return dim is not None and dim.is_number and not (dim.is_integer and dim >= 1)


def _conditions(net: Network):
    """(where, condition) for the network's own conditions (input sizes, block uses), then every layer's."""
    for condition in net.conditions:
        yield condition.where or "[network]", condition
    for layer in net.layers:
        for condition in layer.conditions:
            yield layer.name, condition


def _assumptions(net: Network) -> tuple[tuple[str, Condition], ...]:
    """Every condition not yet decided, once (the same condition in two places is reported at the first)."""
    seen = set()
    found = []
    for where, condition in _conditions(net):
        relation = tidy_condition(condition.relation)
        if relation is sympy.false:   # never holds: an error, not an assumption
            layer = next((l for l in net.layers if l.name == where), None)
            raise SymparamError(f"{condition.why}, and it never is ({condition.key}: {condition.relation})").within(
                where if layer is None else layer_where(layer.index, layer.name, layer.type)).in_file(net.source)
        if relation is sympy.true or relation in seen:
            continue
        seen.add(relation)
        found.append((where, replace(condition, relation=relation)))
    return tuple(found)


def tidy_condition(relation):
    """Say `n >= c` as simply as possible: a linear condition on one symbol is solved for it."""
    if not isinstance(relation, sympy.Ge):
        return relation
    diff = sympy.expand(relation.lhs - relation.rhs)
    symbols = diff.free_symbols
    if len(symbols) == 1:
        (s,) = symbols
        poly = diff.as_poly(s)
        if poly is not None and poly.degree() == 1:
            a, b = poly.all_coeffs()
            if a.is_positive and a.is_number and b.is_number:
                bound = sympy.ceiling(-b / a)
                return sympy.true if bound <= 1 else sympy.Ge(s, bound)
    return relation


def bind(net: Network, values: Mapping[str, int | sympy.Expr]) -> Network:
    """Substitute numbers for symbols; a condition that fails is an error naming the layer and the key.

    A value may also be an expression of other symbols (a default such as d_ff = 4*d_model that follows a symbol
    left free); only numbers (integers and exact rationals) are recorded as bindings."""
    symbolic, values = _restructured(net.unbound, values)
    unknown = [name for name in values if name not in symbolic.symbols]
    if unknown:
        known = ", ".join(symbolic.symbols.names()) or "none"
        raise SymparamError(f"--set names {unknown[0]!r}, which the spec does not use; its symbols are: {known}."
                            ).in_file(net.source)
    if not values:
        return symbolic
    table = {symbolic.symbols.get(name): sympy.Integer(v) if isinstance(v, int) else v for name, v in values.items()}
    shown = ", ".join(f"{k}={v}" for k, v in values.items())

    memo: dict = {}   # a network repeats the same lengths layer after layer: each is substituted once

    def sub(expr):
        if expr is None:
            return None
        if expr not in memo:
            memo[expr] = expr.xreplace(table)
        return memo[expr]

    where_of = {layer.name: layer_where(layer.index, layer.name, layer.type) for layer in symbolic.layers}
    _check_divisors(symbolic, table, shown, where_of)
    for place, condition in _conditions(symbolic):
        if condition.relation.xreplace(table) is sympy.false:
            raise SymparamError(f"{condition.why}; {spec_text(tidy_condition(condition.relation))} fails at {shown}."
                                ).within(where_of.get(place, place)).in_file(net.source)

    layers = []
    for layer in symbolic.layers:
        where = where_of[layer.name]
        output = tuple(sub(d) for d in layer.output_shape)
        outputs = tuple(tuple(sub(d) for d in shape) for shape in layer.outputs)
        for shape, bound_shape in zip((layer.output_shape, *layer.outputs), (output, *outputs)):
            for axis, dim in enumerate(bound_shape, start=1):
                if not_a_length(dim) and not (dim == 0 and layer.warnings and shape[axis - 1] == 0):
                    raise SymparamError(f"output axis {axis} = {shape[axis - 1]} would be {dim} at {shown}; every "
                                        f"length must be a positive integer.").within(where).in_file(net.source)
        variables = tuple(replace(v, shape=tuple(sub(d) for d in v.shape), active=sub(v.active))
                          for v in layer.variables)
        for v in variables:
            if any(not_a_length(d) for d in v.shape):
                raise SymparamError(f"the {v.name} would have shape {tuple(v.shape)} at {shown}; every length must "
                                    f"be a positive integer.").within(where).in_file(net.source)
        costs = tuple(replace(c, count=sub(c.count), causal=sub(c.causal)) for c in layer.costs)
        layers.append(replace(layer, costs=costs, input_shapes=tuple(tuple(sub(d) for d in s) for s in layer.input_shapes),
                              copies=tuple((i, sub(n)) for i, n in layer.copies),
                              output_shape=output, outputs=outputs, variables=variables, repeat=sub(layer.repeat),
                              conditions=tuple(replace(c, relation=c.relation.xreplace(table)) for c in layer.conditions)))
    inputs = {n: tuple(sub(d) for d in s) for n, s in symbolic.inputs.items()}
    conditions = tuple(replace(c, relation=c.relation.xreplace(table)) for c in symbolic.conditions)
    numbers = {k: v for k, v in values.items() if isinstance(v, (int, sympy.Rational))}   # alpha = 1/2 too
    bound = replace(symbolic, layers=tuple(layers), inputs=inputs, conditions=conditions, bindings=numbers,
                    symbolic=symbolic)
    _check_sizes(bound)
    return replace(bound, assumptions=_assumptions(bound))


def _restructured(net: Network, values: Mapping) -> tuple[Network, dict]:
    """`net` read again where `values` give its structural (bool, choice) symbols other values than it was built
    with; and `values` without them (they are no numbers to substitute)."""
    symbols = net.symbols
    try:
        structure = symbols.structural({k: v for k, v in values.items() if k in symbols.structure})
    except SymparamError as exc:
        raise exc.in_file(net.source)
    rest = {k: v for k, v in values.items() if k not in symbols.structure}
    deciding = {k: v for k, v in rest.items() if k in symbols.decided}   # sizes a `when` was decided at
    moved = any(as_sympy(v) != symbols.decided[k] for k, v in deciding.items())
    if (structure != symbols.structure or moved) and net.spec is not None and net.spec.document is not None:
        from .spec import from_dict
        try:
            spec = from_dict(net.spec.document, net.spec.source, {**structure, **deciding})
        except SymparamError as exc:
            raise exc.in_file(net.spec.source)
        net = derive(spec)
    return net, rest


def _check_divisors(net: Network, table, shown: str, where_of) -> None:
    """A point where a divisor is zero (n // (m - 3) at m = 3) is an error naming the layer and the key, found before
    bind substitutes: sympy answers such a point with zoo, or raises (a comparison of zoo, a modulo by zero)."""
    def fails(expr) -> bool:
        if not _symbolic_divisor(expr):
            return False
        try:
            value = expr.xreplace(table)
        except (TypeError, ValueError, ZeroDivisionError):
            return True
        return bool(value.has(sympy.zoo, sympy.nan))

    def refuse(what: str, expr, place: str) -> SymparamError:
        return SymparamError(f"{what} divides by zero at {shown} ({expr}).").within(place).in_file(net.source)

    for place, condition in _conditions(net):
        if fails(condition.relation):
            raise refuse(condition.key, condition.relation, where_of.get(place, place))
    found = _zero_divisor(net, fails)   # every size has a condition, so this is a safety net
    if found and not any(c.relation.xreplace(table) is sympy.false for _, c in _conditions(net)):
        what, expr, place = found         # (a condition that fails says more: bind reports it)
        raise refuse(what, expr, where_of.get(place, place))


def _zero_divisor(net: Network, fails):
    """(what, expression, layer name) of the first length of the network for which `fails`, else None."""
    for name, shape in net.inputs.items():
        for axis, dim in enumerate(shape, start=1):
            if dim is not None and fails(dim):
                return f"input {name} axis {axis}", dim, "[network]"
    for layer in net.layers:
        for shape in (layer.output_shape, *layer.outputs):
            for axis, dim in enumerate(shape, start=1):
                if dim is not None and fails(dim):
                    return f"output axis {axis}", dim, layer.name
        for v in layer.variables:
            for dim in v.shape:
                if fails(dim):
                    return f"the {v.name}'s shape", dim, layer.name
        if fails(layer.repeat):
            return "repeat", layer.repeat, layer.name
    return None


@lru_cache(maxsize=1 << 14)
def _symbolic_divisor(expr) -> bool:
    """Whether expr divides by something that is not a number (so a binding may make it zero)."""
    return any((node.is_Pow and node.exp.is_negative and not node.base.is_number)
               or (isinstance(node, sympy.Mod) and not node.args[1].is_number)
               for node in sympy.preorder_traversal(expr))


def resolved(net: Network, given: Mapping[str, int] | None = None, *, defaults: bool = True,
             free: Iterable[str] = ()) -> Network:
    """`net` bound to the `given` numbers and its resolved defaults (SymbolTable.resolve): how the API and every
    command bind a network. `defaults` False is --symbolic; `free` are the symbols a sweep or a solve varies."""
    try:
        values = net.symbols.resolve(given, defaults=defaults, free=free)
    except SymparamError as exc:
        raise exc.in_file(net.source)
    values.update({k: v for k, v in (given or {}).items() if k in net.symbols.structure})   # bools, choices
    return bind(net, values)


def derive_file(path, bindings: Mapping[str, int] | None = None, use_defaults: bool = True,
                free: Iterable[str] = ()) -> Network:
    """Load a spec, derive it, and bind `bindings` and the resolved defaults (see `resolved`)."""
    from .spec import load
    return resolved(derive(load(path)), bindings, defaults=use_defaults, free=free)
