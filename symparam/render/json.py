"""The JSON document of `symparam derive --json` (a contract: later versions add keys, never change these)."""

from __future__ import annotations

import json

from ..model import Network
from ..totals import grouping, json_value, readable


def document(net: Network) -> dict:
    layers = []
    for layer in net.layers:
        layers.append({
            "name": layer.name,
            "type": layer.type,
            "inputs": list(layer.inputs),
            "output_shape": ([[json_value(d) for d in shape] for shape in layer.outputs] if layer.outputs
                             else [json_value(d) for d in layer.output_shape]),
            "params": json_value(readable(layer.params)),
            "trainable": json_value(readable(layer.trainable)),
            "non_trainable": json_value(readable(layer.non_trainable)),
            "buffers": json_value(readable(layer.buffers)),
            **({"repeat": json_value(layer.repeat)} if layer.repeat != 1 else {}),
            "variables": [_variable(v) for v in layer.variables],
        })
    return {
        "network": net.name,
        "convention": net.convention,
        "bindings": {k: int(v) for k, v in net.bindings.items()},
        "free_symbols": net.free_symbols,
        "layers": layers,
        "total": json_value(readable(net.total, grouping(net))),
        "trainable": json_value(readable(net.trainable, grouping(net))),
        "non_trainable": json_value(readable(net.non_trainable, grouping(net))),
        "buffers": json_value(readable(net.buffers, grouping(net))),
        "assumptions": [{"layer": where, "key": c.key, "condition": str(c.relation)}
                        for where, c in net.assumptions],
    }


def _variable(v) -> dict:
    out = {"name": v.name, "shape": [json_value(d) for d in v.shape], "size": json_value(v.size),
           "trainable": v.trainable}
    if v.buffer:
        out["buffer"] = True
    if v.shared_with:
        out["shared_with"] = v.shared_with
    return out


def render(net: Network) -> str:
    return json.dumps(document(net), indent=2)
