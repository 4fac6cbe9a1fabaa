"""A parsed spec -> a Network of layer records with exact expressions; and binding symbols to numbers."""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

import sympy

from .errors import SymparamError, layer_where
from .layers.base import Build
from .model import Condition, LayerRecord, Network, Shape
from .spec import LayerSpec, Spec


def derive(spec: Spec) -> Network:
    """Build every layer in order; each layer reads the shapes of its inputs from earlier layers."""
    shapes: dict[str, Shape] = dict(spec.inputs)
    records: list[LayerRecord] = []
    previous: str | None = next(iter(spec.inputs), None) if len(spec.inputs) == 1 else None
    for layer in spec.layers:
        try:
            record = _build(layer, spec, shapes, previous)
        except SymparamError as exc:
            raise exc.within(layer.where).in_file(spec.source)
        shapes[layer.name] = record.output_shape
        previous = layer.name
        records.append(record)
    inputs = dict(spec.inputs)
    if not inputs and records and records[0].type == "InputLayer":
        inputs = {records[0].name: records[0].output_shape}
    net = Network(spec.name, spec.convention, spec.source, inputs, tuple(records), spec.symbols,
                  conditions=tuple(spec.conditions))
    return replace(net, assumptions=_assumptions(net))


def _build(layer: LayerSpec, spec: Spec, shapes: dict[str, Shape], previous: str | None) -> LayerRecord:
    kind = layer.kind
    if kind.n_inputs == 0:
        if layer.inputs:
            raise SymparamError(f"{kind.name} takes no inputs. Received: inputs = {list(layer.inputs)}.")
        names: tuple[str, ...] = ()
    elif layer.inputs is not None:
        names = layer.inputs
        for name in names:
            if name not in shapes:
                known = [*spec.inputs, *(l.name for l in spec.layers if l.index < layer.index)]
                later = any(l.name == name for l in spec.layers)
                reason = "it is defined later (a layer may only take inputs from earlier layers)" if later \
                    else f"known are: {', '.join(known) or 'none'}"
                raise SymparamError(f"inputs names {name!r}, which is not an input or an earlier layer; {reason}.")
    else:
        if previous is None:
            what = "several network inputs: name one with inputs = [...]" if len(spec.inputs) > 1 \
                else "no input: give [network] input or start with an InputLayer"
            raise SymparamError(f"this layer has {what}.")
        names = (previous,)
    least, most = (kind.n_inputs, kind.n_inputs) if isinstance(kind.n_inputs, int) else kind.n_inputs
    if kind.n_inputs and not (least <= len(names) and (most is None or len(names) <= most)):
        count = str(least) if least == most else f"{least} or more" if most is None else f"{least} to {most}"
        raise SymparamError(f"{kind.name} takes {count} inputs. Received: inputs = {list(names)}.")
    input_shapes = tuple(shapes[n] for n in names)
    build = Build(trainable=getattr(layer.args, "trainable", True))
    built = kind().build(layer.args, input_shapes, build)
    outputs = tuple(tuple(s) for s in built) if isinstance(built, list) else (tuple(built),)
    for shape in outputs:
        for axis, dim in enumerate(shape, start=1):
            if not_a_length(dim):
                raise SymparamError(f"output axis {axis} would have length {dim}; every length must be a positive "
                                    f"integer.")
    return LayerRecord(layer.index, layer.name, kind.name, names, input_shapes, outputs[0],
                       tuple(build.variables), tuple(layer.conditions) + tuple(build.conditions),
                       vars(layer.args), outputs if len(outputs) > 1 else ())


def not_a_length(dim) -> bool:
    """A concrete length that is not a positive integer (an unknown or symbolic one may still be fine)."""
    return dim is not None and dim.is_number and not (dim.is_integer and dim >= 1)


def _conditions(net: Network):
    """(where, condition) for the network's input sizes, then every layer's."""
    for condition in net.conditions:
        yield "[network]", condition
    for layer in net.layers:
        for condition in layer.conditions:
            yield layer.name, condition


def _assumptions(net: Network) -> tuple[tuple[str, Condition], ...]:
    """Every condition not yet decided, once (the same condition in two places is reported at the first)."""
    seen = set()
    found = []
    for where, condition in _conditions(net):
        relation = tidy_condition(condition.relation)
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


def bind(net: Network, values: Mapping[str, int]) -> Network:
    """Substitute numbers for symbols; a condition that fails is an error naming the layer and the key."""
    symbolic = net.unbound
    unknown = [name for name in values if name not in symbolic.symbols]
    if unknown:
        known = ", ".join(symbolic.symbols.names()) or "none"
        raise SymparamError(f"--set names {unknown[0]!r}, which the spec does not use; its symbols are: {known}."
                            ).in_file(net.source)
    if not values:
        return symbolic
    table = {symbolic.symbols.get(name): sympy.Integer(v) for name, v in values.items()}
    shown = ", ".join(f"{k}={v}" for k, v in values.items())

    def sub(expr):
        return None if expr is None else expr.xreplace(table)

    where_of = {layer.name: layer_where(layer.index, layer.name, layer.type) for layer in symbolic.layers}
    for place, condition in _conditions(symbolic):
        if condition.relation.xreplace(table) is sympy.false:
            raise SymparamError(f"{condition.why}; {tidy_condition(condition.relation)} fails at {shown}."
                                ).within(where_of.get(place, place)).in_file(net.source)

    layers = []
    for layer in symbolic.layers:
        where = where_of[layer.name]
        output = tuple(sub(d) for d in layer.output_shape)
        outputs = tuple(tuple(sub(d) for d in shape) for shape in layer.outputs)
        for shape, bound_shape in zip((layer.output_shape, *layer.outputs), (output, *outputs)):
            for axis, dim in enumerate(bound_shape, start=1):
                if not_a_length(dim):
                    raise SymparamError(f"output axis {axis} = {shape[axis - 1]} would be {dim} at {shown}; every "
                                        f"length must be a positive integer.").within(where).in_file(net.source)
        variables = tuple(replace(v, shape=tuple(sub(d) for d in v.shape)) for v in layer.variables)
        for v in variables:
            if any(not_a_length(d) for d in v.shape):
                raise SymparamError(f"the {v.name} would have shape {tuple(v.shape)} at {shown}; every length must "
                                    f"be a positive integer.").within(where).in_file(net.source)
        layers.append(replace(layer, input_shapes=tuple(tuple(sub(d) for d in s) for s in layer.input_shapes),
                              output_shape=output, outputs=outputs, variables=variables,
                              conditions=tuple(replace(c, relation=c.relation.xreplace(table)) for c in layer.conditions)))
    inputs = {n: tuple(sub(d) for d in s) for n, s in symbolic.inputs.items()}
    conditions = tuple(replace(c, relation=c.relation.xreplace(table)) for c in symbolic.conditions)
    bound = replace(symbolic, layers=tuple(layers), inputs=inputs, conditions=conditions, bindings=dict(values),
                    symbolic=symbolic)
    return replace(bound, assumptions=_assumptions(bound))


def derive_file(path, bindings: Mapping[str, int] | None = None, use_defaults: bool = True) -> Network:
    """Load a spec, derive it, and bind its defaults (unless use_defaults is False) and `bindings`."""
    from .spec import load
    net = derive(load(path))
    values = dict(net.symbols.defaults()) if use_defaults else {}
    values.update(bindings or {})
    return bind(net, values)
