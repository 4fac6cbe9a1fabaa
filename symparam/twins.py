"""One network read under the other framework's counting rules: each layer's twin, where one exists.

A kind says what its twin is (`LayerKind.twin`): the other framework's kind, its arguments and the input shapes in
that framework's layout. The twin is built by the same machinery, so its variables and counts are exactly what
that framework would create; the network's own shapes flow on unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import sympy

from .engine import build_record
from .errors import SymparamError
from .expr import as_sympy
from .layers import lookup
from .layers.base import NoTwin, Twin
from .layers.twin import defaults
from .model import LayerRecord, Network

__all__ = ["NoTwin", "Twin", "Translation", "translate"]


@dataclass
class Row:
    layer: LayerRecord
    twin: Twin | None = None
    record: LayerRecord | None = None       # the twin, built
    reason: str = ""                        # why there is no twin

    @property
    def params(self) -> sympy.Expr | None:
        return None if self.record is None else self.record.params

    @property
    def buffers(self) -> sympy.Expr | None:
        return None if self.record is None else self.record.buffers


@dataclass
class Translation:
    net: Network
    convention: str
    rows: list[Row] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(r.record is not None or r.layer.params == 0 and not r.reason for r in self.rows)

    @property
    def total(self) -> sympy.Expr:
        return sympy.Add(*(r.params for r in self.rows if r.params is not None))

    @property
    def buffers(self) -> sympy.Expr:
        return sympy.Add(*(r.buffers for r in self.rows if r.buffers is not None))


def build_twin(twin: Twin, layer: LayerRecord) -> LayerRecord:
    kind = lookup(twin.type)
    args = defaults(kind)
    for key, value in twin.args.items():
        setattr(args, key, value)
    return build_record(kind, args, tuple(twin.inputs), index=layer.index, name=layer.name, inputs=layer.inputs)


def bound_value(value, table):
    """A layer's parsed argument with the network's numbers put in (records keep the spec's symbols in their args)."""
    if isinstance(value, sympy.Basic):
        return value.xreplace(table)
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**{k: bound_value(v, table) for k, v in vars(value).items()})
    if isinstance(value, tuple) and hasattr(value, "values"):   # an array argument: its shape is plain numbers
        return value
    if isinstance(value, (tuple, list)):
        items = [bound_value(v, table) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)   # a NamedTuple, or not
    if isinstance(value, dict):
        return {k: bound_value(v, table) for k, v in value.items()}
    return value


def _bound(record: LayerRecord, table) -> LayerRecord:
    """A twin built from the layer's arguments (which keep the spec's symbols), with the network's numbers."""
    if not table:
        return record
    return replace(record, variables=tuple(replace(v, shape=tuple(d.xreplace(table) for d in v.shape))
                                           for v in record.variables),
                   output_shape=tuple(None if d is None else d.xreplace(table) for d in record.output_shape))


def translate(net: Network, convention: str) -> Translation:
    """Each layer of `net` (derived under its own convention) beside its twin under `convention`."""
    result = Translation(net, convention)
    table = {net.symbols.get(k): as_sympy(v) for k, v in net.bindings.items()}
    for layer in net.layers:
        kind = lookup(layer.type)
        row = Row(layer)
        try:
            # the input shapes are bound: so must the arguments be (num_heads * key_dim = the query's width)
            twin = kind.twin(bound_value(SimpleNamespace(**layer.args), table), layer.input_shapes, convention)
        except NoTwin as exc:
            row.reason = str(exc)
            result.rows.append(row)
            continue
        if twin is None:
            if layer.params != 0:
                row.reason = f"no {convention} equivalent is known to symparam for {layer.type}"
            result.rows.append(row)
            continue
        row.twin = twin
        try:
            row.record = _bound(build_twin(twin, layer), table)
        except SymparamError as exc:
            row.reason = f"its {twin.type} twin cannot be built: {exc.message}"
        result.rows.append(row)
    return result
