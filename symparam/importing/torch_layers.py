"""A recorded forward pass (torch_walk) -> the layers of a spec in the torch convention.

Top down through named_modules(): a module of a class symparam has a kind for (nn.Conv2d, nn.LSTM, ...; a
subclass found through its MRO) becomes one layer of that kind, with the arguments read from the module, provided
symparam derives from them exactly the parameters (names, shapes, requires_grad), the buffers and the output shape
the module has and gave for every call; its children are then its own business. Any other module that holds
tensors of its own, or has no children, becomes an nn.Module layer (symparam/layers/torch_opaque.py) listing its
tensors, and its children are visited. Nothing holding a tensor is dropped: a module forward() never called
(an unused head) is listed too, read from the network's first input.

Merges: a merge forward() computes between tensors of the network (x + y, out += identity, x - y, x * y,
torch.cat along a dim) becomes an Add, Subtract, Multiply or Concatenate layer (axis = torch's dim, counted with the
batch as both count it) named after the innermost module running it and the op ("layer1.0.add", "add" in the
root's own forward(), "...add#2" for the next one there), provided the kind derives the shape torch computed and
every operand comes from a layer or an input; a merge inside a layer of a known kind is that layer's business.
A functional pooling (F.max_pool2d, F.avg_pool2d, F.adaptive_avg_pool2d, F.adaptive_max_pool2d) is a layer of the
module's kind with the arguments it was called with ("Mixed_6a.max_pool2d"), on the same terms.

Wiring: a layer reads the tensor it was called on from the last layer (or merge) that returned it (or from a tensor
computed from that one outside any module with the same shape); a tensor of another origin (a slice, a reshape, a
merge that is not a layer) becomes a named network input "<layer>.in" with its recorded shape. A tensor held by two modules (tied weights,
found by identity, never by data pointer) is counted at its first layer and tied there from the others; a module
called twice shares its weights with its first call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..engine import derive
from ..errors import SymparamError
from ..layers import default_name, index, lookup
from ..layers.base import Opaque, Unsupported
from ..layers.torch_args import OutputSize, PerAxis
from ..spec import from_dict
from .torch_walk import Call, Merge, Recording

_SEQUENCE_FIRST = {"nn.RNN", "nn.LSTM", "nn.GRU", "nn.MultiheadAttention", "nn.TransformerEncoderLayer",
                   "nn.TransformerDecoderLayer", "nn.Transformer"}   # batch at axis 1 unless batch_first
_MISSING = object()

# Arguments a module does not keep under their own name.
_READERS = {
    ("nn.MultiheadAttention", "bias"): lambda m: m.in_proj_bias is not None,
    ("nn.MultiheadAttention", "add_bias_kv"): lambda m: m.bias_k is not None,
    ("nn.Embedding", "_freeze"): lambda m: not m.weight.requires_grad,
    **{(kind, key): reader for kind in ("nn.TransformerEncoderLayer", "nn.TransformerDecoderLayer") for key, reader in {
        "d_model": lambda m: m.self_attn.embed_dim, "nhead": lambda m: m.self_attn.num_heads,
        "dim_feedforward": lambda m: m.linear1.out_features, "batch_first": lambda m: m.self_attn.batch_first,
        "bias": lambda m: m.linear1.bias is not None,
        "activation": lambda m: getattr(m.activation, "__name__", _MISSING)}.items()},
    **{("nn.Transformer", key): reader for key, reader in {
        "num_encoder_layers": lambda m: len(m.encoder.layers), "num_decoder_layers": lambda m: len(m.decoder.layers),
        "dim_feedforward": lambda m: m.encoder.layers[0].linear1.out_features,
        "norm_first": lambda m: m.encoder.layers[0].norm_first,
        "bias": lambda m: m.encoder.layers[0].linear1.bias is not None,
        "activation": lambda m: getattr(m.encoder.layers[0].activation, "__name__", _MISSING)}.items()},
}


def kind_of(module):
    """The symparam kind for a module's class or its nearest ancestor in torch.nn, or None."""
    known = index()
    for cls in type(module).__mro__:
        name = f"nn.{cls.__name__}"
        if cls.__module__.startswith("torch.nn") and name in known and name != "nn.Module":
            return lookup(name)
    return None


def batch_less(shape, axis: int = 0) -> list[int]:
    dims = [int(d) for d in shape]
    return dims[:axis] + dims[axis + 1:] if len(dims) > axis else dims


def _batch_axis(kind_name: str, module) -> int:
    return 1 if kind_name in _SEQUENCE_FIRST and not getattr(module, "batch_first", False) and not getattr(
        getattr(module, "self_attn", None), "batch_first", False) else 0


def _value(value: Any, per_axis: bool) -> Any:
    """A module attribute as a spec writes it (None -> "none", tuples -> lists), or _MISSING."""
    if value is None:
        return "none"
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _MISSING
    if isinstance(value, (tuple, list)):
        items = [_value(v, False) for v in value]
        if any(v is _MISSING or isinstance(v, list) for v in items):
            return _MISSING
        return items[0] if per_axis and items and all(v == items[0] for v in items) else items
    return _MISSING


def arguments(kind, module) -> dict[str, Any]:
    """The kind's arguments read from the module; those at the kind's default, or not affecting counts, left out."""
    out = {}
    for key, arg in kind.args.items():
        if isinstance(arg, (Opaque, Unsupported)):
            continue
        reader = _READERS.get((kind.name, key))
        if reader is not None:
            raw = reader(module)
        elif key == "bias" and (getattr(module, "bias", 0) is None or _is_tensor(getattr(module, "bias", 0))):
            raw = module.bias is not None
        else:
            raw = getattr(module, key, _MISSING)
        if raw is _MISSING:
            continue
        value = _value(raw, isinstance(arg, (PerAxis, OutputSize)))
        if value is _MISSING or (type(value) is type(arg.default) and value == arg.default):
            continue
        out[key] = value
    return out


def _is_tensor(value) -> bool:
    return type(value).__name__ in ("Tensor", "Parameter") or hasattr(value, "is_meta")


@dataclass
class Layer:
    """One layer of the spec being written, and the call it stands for."""
    name: str
    call: Call | None                  # None: a module forward() never called
    table: dict[str, Any]              # type and arguments (no name, no inputs yet)
    shapes: list[list[int]]            # batch-less input shapes, as the layer was checked on
    output: list[int] | None           # its batch-less output shape (None: not called)
    claims: bool = True                # other layers may read its output (not a parent listing only its own tensors)
    tensors: dict[str, Any] = field(default_factory=dict)   # its variables' names -> the torch tensors
    merge: Merge | None = None         # a merge forward() computed (named when wired; call.module is None)


def _facts(module):
    parameters = {n: (list(p.shape), bool(p.requires_grad)) for n, p in module.named_parameters()}
    buffers = {n: list(t.shape) for n, t in module.named_buffers()}
    return parameters, buffers


_checked: dict[Any, Any] = {}


def _derive_one(table: dict, shapes: list[list[int]]):
    key = repr((table, shapes))
    if key not in _checked:
        names = [f"in{i}" for i in range(len(shapes))]
        doc = {"network": {"name": "check", "convention": "torch", "input": dict(zip(names, shapes))},
               "layers": [{**table, "inputs": names}]}
        try:
            _checked[key] = derive(from_dict(doc, "<check>")).layers[0]
        except SymparamError:
            _checked[key] = None
    return _checked[key]


def _fits(kind, module, call: Call) -> tuple[dict, list] | None:
    """(the layer's table, its input shapes) if symparam's kind reproduces this call of the module exactly."""
    least, most = (kind.n_inputs, kind.n_inputs) if isinstance(kind.n_inputs, int) else kind.n_inputs
    ins = call.inputs[:most] if most is not None else call.inputs
    if len(ins) < least or call.output is None:
        return None
    axis = _batch_axis(kind.name, module)
    shapes = [batch_less(t.shape, axis) for t in ins]
    table = {"type": kind.name, **arguments(kind, module)}
    rec = _derive_one(table, shapes)
    if rec is None:
        return None
    parameters, buffers = _facts(module)
    got_p = {v.name: ([int(d) for d in v.shape], bool(v.trainable)) for v in rec.variables if not v.buffer}
    got_b = {v.name: [int(d) for d in v.shape] for v in rec.variables if v.buffer}
    out = [None if d is None else int(d) for d in rec.output_shape]
    if got_p != parameters or got_b != buffers or out != batch_less(call.output.shape, axis):
        return None
    return table, shapes


def _opaque(module, call: Call | None) -> tuple[dict, list]:
    table: dict[str, Any] = {"type": "nn.Module", "module": f"{type(module).__module__}.{type(module).__qualname__}"}
    own = dict(module.named_parameters(recurse=False))
    if own:
        table["parameters"] = {n: list(p.shape) for n, p in own.items()}
        frozen = [n for n, p in own.items() if not p.requires_grad]
        if frozen:
            table["frozen"] = frozen
    buffers = dict(module.named_buffers(recurse=False))
    if buffers:
        table["buffers"] = {n: list(t.shape) for n, t in buffers.items()}
    if call is None:
        table["module"] += " (not called by forward())"
        table["output_shape"] = []
        return table, []
    table["output_shape"] = [] if call.output is None else batch_less(call.output.shape)
    return table, [batch_less(t.shape) for t in call.inputs]


def choose(root, recording: Recording) -> list[Layer]:
    """The spec's layers in the order their calls completed (uncalled modules last)."""
    chosen: list[tuple[int, Layer]] = []
    calls: dict[int, list[Call]] = {}
    for call in recording.calls:
        calls.setdefault(id(call.module), []).append(call)

    def add(path: str, module, table: dict, shapes: list, call: Call | None, k: int, claims: bool, own: bool):
        kind_name = table["type"]
        name = path or default_name(type(module).__name__)
        name = name if k == 0 else f"{name}#{k + 1}"
        tensors = ({**dict(module.named_parameters(recurse=not own)), **dict(module.named_buffers(recurse=not own))}
                   if k == 0 else {})
        if call is None or call.output is None:
            output = None
        else:
            output = batch_less(call.output.shape, 0 if own else _batch_axis(kind_name, module))
        layer = Layer(name, call, dict(table), shapes, output, claims, tensors)
        if k > 0 and any(True for _ in module.parameters(recurse=not own)):
            layer.table["share"] = chosen_names[id(module)]
        chosen_names.setdefault(id(module), name)
        chosen.append((call.end if call is not None else math.inf, layer))

    chosen_names: dict[int, str] = {}

    seen: set[int] = set()

    def visit(path: str, module) -> None:
        if id(module) in seen:   # one module under two names: its first
            return
        seen.add(id(module))
        mine = calls.get(id(module), [])
        kind = kind_of(module)
        if kind is not None and mine:
            fits = [_fits(kind, module, call) for call in mine]
            if all(f is not None for f in fits):
                for k, (call, (table, shapes)) in enumerate(zip(mine, fits)):
                    add(path, module, table, shapes, call, k, True, own=False)
                return
        children = list(module.named_children())
        has_own = any(True for _ in module.parameters(recurse=False)) or any(True for _ in module.buffers(recurse=False))
        if has_own or (not children and mine):
            for k, call in enumerate(mine or [None]):
                table, shapes = _opaque(module, call)
                add(path, module, table, shapes, call, k, claims=not children, own=True)
        for child_name, child in children:
            visit(f"{path}.{child_name}" if path else child_name, child)

    visit("", root)
    spans = sorted((layer.call.start, layer.call.end) for _, layer in chosen if layer.claims and layer.call is not None)
    for merge in recording.merges:
        layer = _merge_layer(merge, spans)
        if layer is not None:
            chosen.append((merge.tick, layer))
    chosen.sort(key=lambda pair: pair[0])
    return [layer for _, layer in chosen]


_MERGE_KINDS = {"add": "Add", "sub": "Subtract", "mul": "Multiply", "cat": "Concatenate", "max_pool2d": "nn.MaxPool2d",
                "avg_pool2d": "nn.AvgPool2d", "adaptive_avg_pool2d": "nn.AdaptiveAvgPool2d",
                "adaptive_max_pool2d": "nn.AdaptiveMaxPool2d"}


def _merge_layer(merge: Merge, spans: list[tuple[int, int]]) -> Layer | None:
    """The layer a merge becomes if no layer of a known kind ran it and symparam's kind gives torch's shape."""
    if any(start < merge.tick < end for start, end in spans):
        return None
    out = merge.output
    if any(t.dim() != out.dim() or t.dim() == 0 or t.shape[0] != out.shape[0] for t in merge.operands):
        return None   # broadcast against the batch axis, or a scalar: not a merge of the network's batches
    table: dict[str, Any] = {"type": _MERGE_KINDS[merge.op]}
    if merge.arguments:   # a functional pooling: its arguments as the module's (return_indices=True: not written)
        kind = lookup(table["type"])
        for key, raw in merge.arguments.items():
            value = _value(raw, True)
            if key not in kind.args or value is _MISSING or (key == "return_indices" and value):
                return None
            if key != "return_indices" and not (type(value) is type(kind.args[key].default)
                                                and value == kind.args[key].default):
                table[key] = value
    if merge.op == "cat":
        if merge.dim % out.dim() == 0:
            return None   # along the batch axis
        table["axis"] = merge.dim
    shapes = [batch_less(t.shape) for t in merge.operands]
    rec = _derive_one(table, shapes)
    if rec is None or [None if d is None else int(d) for d in rec.output_shape] != batch_less(out.shape):
        return None
    call = Call(merge.path, None, merge.tick, list(merge.operands), merge.tick, out)
    return Layer("", call, table, shapes, batch_less(out.shape), merge=merge)


def _input_shape(tensor, layers: list[Layer]) -> list[int]:
    """An example input without its batch axis: as its first reader was checked on it (a sequence-first nn.LSTM
    has the batch at axis 1), else without axis 0."""
    for layer in layers:
        for given, shape in zip(layer.call.inputs if layer.call is not None else (), layer.shapes):
            if given is tensor:
                return shape
    return batch_less(tensor.shape)


def wire(layers: list[Layer], recording: Recording, input_names: list[str]) -> tuple[list[dict], dict[str, list]]:
    """The layer tables with names, inputs and ties; and the network's inputs (name -> batch-less shape): the
    example inputs, and one for each tensor no layer returned."""
    by_tensor: dict[int, list[Layer]] = {}
    for layer in layers:
        if layer.claims and layer.merge is None and layer.call is not None and layer.call.output is not None:
            by_tensor.setdefault(id(layer.call.output), []).append(layer)
    used = {layer.name for layer in layers if layer.merge is None}
    numbers: dict[str, int] = {}
    given = {id(t): name for t, name in zip(recording.inputs, input_names)}
    shapes_of = {name: _input_shape(t, layers) for t, name in zip(recording.inputs, input_names)}
    inputs: dict[str, list] = dict(shapes_of)
    extra_of: dict[int, str] = {}
    owner: dict[int, str] = {}
    tables: list[dict] = []

    def source(tensor, before: int, any_shape: bool = False) -> tuple[str, list] | None:
        """(the layer or input a tensor comes from, its shape): through tensors of the same shape, or any."""
        tid, time = id(tensor), before
        while True:
            makers = [m for m in by_tensor.get(tid, ()) if m.call.end < time]
            if makers:
                last = max(makers, key=lambda m: m.call.end)
                return last.name, last.output
            if tid in given:
                return given[tid], shapes_of[given[tid]]
            made = recording.made.get(tid)
            if made is None or made[2 if any_shape else 1] is None:
                return None
            time, tid = made[0], made[2 if any_shape else 1]

    def flattened(tensor, before: int, shape: list, consumer: str) -> str | None:
        """A torch.flatten(x, k) (or x.view(len(x), -1)) of a layer's output, written as an nn.Flatten layer."""
        found = source(tensor, before, any_shape=True)
        if found is None or found[1] is None:
            return None
        origin, dims = found
        for axis in range(len(dims)):
            if dims[:axis] + [math.prod(dims[axis:])] == shape and dims != shape:
                name = f"{consumer}.flatten"
                tables.append({"type": "nn.Flatten", "name": name, "inputs": [origin],
                               **({"start_dim": axis + 1} if axis else {})})
                return name
        return None

    def named(layer: Layer) -> bool:
        """Whether a merge is kept: each operand comes from the network (a layer or an input, through any shape)
        and one at least is a layer's or an input's tensor with its shape (four slices concatenated, a mask made
        from slices, stay as before); it is named then."""
        start, operands = layer.call.start, layer.call.inputs
        if any(source(t, start, any_shape=True) is None for t in operands) or not any(
                (found := source(t, start)) is not None and found[1] == shape for t, shape in zip(operands, layer.shapes)):
            return False
        merge = layer.merge
        base = name = f"{merge.path}.{merge.op}" if merge.path else merge.op
        while name in used:
            numbers[base] = numbers.get(base, 1) + 1
            name = f"{base}#{numbers[base]}"
        used.add(name)
        layer.name = name
        return True

    for layer in layers:
        names = []
        call = layer.call
        if layer.merge is not None and not named(layer):
            continue   # left as before: its consumers trace the tensor as a tensor computed outside a module
        if call is None:
            names = [input_names[0]]
        else:
            for k, (tensor, shape) in enumerate(zip(call.inputs, layer.shapes)):
                found = source(tensor, call.start)
                name = found[0] if found is not None and found[1] == shape else None
                if name is None:
                    name = flattened(tensor, call.start, shape, layer.name)
                if name is None:
                    name = extra_of.get(id(tensor))
                    if name is None or inputs[name] != shape:
                        name = f"{layer.name}.in" + (f"{k}" if len(layer.shapes) > 1 else "")
                        inputs[name], extra_of[id(tensor)] = shape, name
                names.append(name)
            if not names:   # called with no tensor (a constant head): read from the first input
                names = [input_names[0]]
        table = {"type": layer.table["type"], "name": layer.name}
        if names != [tables[-1]["name"] if tables else None]:
            table["inputs"] = names
        tie = {}
        for var, t in layer.tensors.items():
            if id(t) in owner:
                tie[var] = owner[id(t)]
            else:
                owner[id(t)] = f"{layer.name}/{var}"
        table.update({k: v for k, v in layer.table.items() if k != "type"})
        if tie and "share" not in table:
            table["tie"] = tie
        tables.append(table)
        if layer.merge is not None:
            by_tensor.setdefault(id(call.output), []).append(layer)
    return tables, inputs
