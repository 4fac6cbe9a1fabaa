"""The JSON document of `symparam derive --json` (a contract: later versions add keys, never change these).

Values that are not numbers are strings in symparam's own syntax (`floor(img_size/2)`, `n % 2 == 0`), which
symparam's parser reads back; each layer's `formula` is the text the table shows, repeat and ties included."""

from __future__ import annotations

import json

from ..account import Account, LayerAccount, Term, of
from ..printing import is_integer, spec_text
from ..symbols import binding_text


def json_value(expr):
    """A JSON integer when concrete, else the expression in symparam's syntax."""
    if expr is None:
        return None
    if is_integer(expr):
        return int(expr)
    return spec_text(expr)


def bindings(a: Account) -> dict:
    """Every bound symbol: an integer as a JSON integer, an exact rational as its "p/q" string (Fraction("1/2")
    reads it back exactly), a boolean as true/false, a choice as its string."""
    return {k: v if isinstance(v, (bool, str, int)) else binding_text(v) for k, v in of(a).bound.items()}


def _counted(quantity):
    """A compute quantity (None: unknown, an axis of unknown length)."""
    return None if quantity is None else json_value(quantity.value)


def _layer(layer: LayerAccount, compute=None) -> dict:
    record = layer.record
    out = {
        "name": layer.name,
        "type": layer.type,
        "inputs": list(layer.inputs),
        "output_shape": ([[json_value(d) for d in shape] for shape in record.outputs] if record.outputs
                         else [json_value(d) for d in record.output_shape]),
        "formula": layer.formula_text(),
        "params": json_value(layer.params.value),
        "trainable": json_value(layer.trainable.value),
        "non_trainable": json_value(layer.non_trainable.value),
        "buffers": json_value(layer.buffer_count.value),
        **({"repeat": json_value(record.repeat)} if record.repeat != 1 else {}),
        "by_category": {c: json_value(v) for c, v in layer.categories.items()},
        "variables": [_variable(t) for t in layer.variables],
    }
    if compute is not None:
        out["macs"], out["flops"] = _counted(compute.macs), _counted(compute.flops)
    return out


def _variable(term: Term) -> dict:
    v = term.variable
    out = {"name": v.name, "category": v.category, "shape": [json_value(d) for d in v.shape],
           "size": json_value(v.size), "trainable": v.trainable}
    if v.buffer:
        out["buffer"] = True
    if v.shared_with:
        out["shared_with"] = v.shared_with
    return out


def document(a: Account, compute=None) -> dict:
    """The document; `compute` a symparam.compute.Report (the default convention's when None)."""
    a = of(a)
    if compute is None:
        from ..compute import report
        compute = report(a)
    return {
        "network": a.name,
        "convention": a.convention,
        "bindings": bindings(a),
        "free_symbols": a.free,
        "inputs": {name: [json_value(d) for d in shape] for name, shape in a.net.inputs.items()},
        "layers": [_layer(layer, c) for layer, c in zip(a.layers, compute.layers)],
        "total": json_value(a.total.value),
        "trainable": json_value(a.trainable.value),
        "non_trainable": json_value(a.non_trainable.value),
        "buffers": json_value(a.buffers.value),
        **({"active": json_value(a.active.value)} if a.sparse else {}),
        "by_category": {c: json_value(v) for c, v in a.categories.items() if v != 0},
        "assumptions": [{"layer": x.layer if x.layer is not None else x.where, "key": x.key, "condition": x.text}
                        for x in a.assumptions],
        "macs": _counted(compute.macs),
        "flops": _counted(compute.flops),
        "flops_training": _counted(compute.training),
        "compute": {"convention": compute.convention.name, "batch": json_value(compute.batch),
                    "causal": compute.options.causal},
    }


def render(a: Account, share=None, translation=None, leading=None, compute=None, memory=None) -> str:
    doc = document(of(a), compute)
    if memory is not None:
        from .memory import document as memory_document
        doc["memory"] = memory_document(memory)
    if share is not None:
        from .sensitivity import document as share_document
        doc["share"] = share_document(share)
    if translation is not None:
        from .twins import document as twin_document
        doc["twin"] = twin_document(translation)
    if leading is not None:
        from .sensitivity import leading_document
        doc["leading"] = leading_document(leading)
    return json.dumps(doc, indent=2) + "\n"
