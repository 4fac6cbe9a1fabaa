"""A plan as Keras 3 code (the functional API: keras.Input, layers called on tensors), and the same layers built
live for verify.

A Keras spec's layer is keras.layers.<its type> with the arguments the spec wrote; a layer that shares another's
weights is that layer called again; a Dense whose kernel is tied to another layer's variable is a TiedDense
(keras_tied.py, copied into the file). A PyTorch spec's layer is written with Keras layers on the channels-first
layout the spec uses (a padding layer in front where torch pads inside the layer); what it holds is its twin's
(symparam.twins). A layer with no such translation is refused with the reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..errors import SymparamError
from ..layers import lookup
from ..layers.base import REQUIRED
from .plan import Expected, Node, Plan, Unit, integer
from .source import Call, attention_args, experts_args, literal, number, scale_args, value, vit_args, written

# called as layer(query, value[, key]) (attention: layer(q, k, v)); merges take a list
POSITIONAL = {"MultiHeadAttention", "GroupQueryAttention", "ScaledDotProductAttention"}
TIED = Path(__file__).with_name("keras_tied.py")
OWN_LAYERS = Path(__file__).with_name("keras_own.py")   # layers of the file's own, where keras.layers has none


@dataclass(frozen=True)
class Recipe:
    layers: tuple[tuple[Call, str], ...]     # (the layer, its name's suffix), applied in order
    call: str                                # "one", "list" or "positional": how the first layer takes the inputs


def _nondefault(kind, args: SimpleNamespace) -> tuple[tuple[str, Any], ...]:
    """A wrapped layer's arguments that differ from the kind's defaults (Keras's own)."""
    out = []
    for key, arg in kind.all_args().items():
        given = getattr(args, key, None)
        default = None if arg.default in (None, REQUIRED) else arg.default
        if not written(arg, given):
            continue
        if arg.default is REQUIRED or (given is not None and given != default and str(given) != str(default)):
            out.append((key, given))
    return tuple(out)


def _layer(kind, args: SimpleNamespace) -> Call:
    return Call(f"keras.layers.{kind.name}", tuple((k, value(v, k, _layer)) for k, v in _nondefault(kind, args)))


ONE_AXIS_PAIRS = {("Cropping1D", "cropping"), ("ZeroPadding1D", "padding")}   # symparam holds ((a, b),)


def _pairs(kind: str, key: str, v):
    """A parsed value in the form Keras takes, where symparam holds it otherwise."""
    if (kind, key) in ONE_AXIS_PAIRS and isinstance(v, tuple) and len(v) == 1:
        return v[0]
    if kind == "EinsumDense" and key == "equation":
        x, w, out, ellipsis = v
        if ellipsis == "left":
            x, out = "..." + x, "..." + out
        elif ellipsis == "right":
            x, out = x + "...", out + "..."
        return f"{x},{w}->{out}"
    return v


def _cells(cells):
    """RNN's cell argument as Keras takes it: one cell (the spec's inline table), or a list of them (a stack, which
    Keras wraps in StackedRNNCells), each a keras.layers.<its layer>Cell with the arguments the spec gave."""
    made = [Call(f"keras.layers.{kind.name}Cell", tuple((k, value(v, k)) for k, v in _nondefault(kind, args)))
            for kind, args in cells]
    return made if isinstance(cells, list) else made[0]


def _call(kind) -> str:
    if kind.name in POSITIONAL:
        return "positional"
    return "one" if kind.n_inputs == 1 else "list"


def _same(node: Node) -> Recipe:
    record = node.layer.record
    kind = lookup(record.type)
    accepted = kind.all_args()
    kwargs = tuple((k, _cells(getattr(node.args, k)) if (kind.name, k) == ("RNN", "cell") else
                    value(_pairs(kind.name, k, getattr(node.args, k)), k, _layer)) for k in record.given
                   if written(accepted[k], getattr(node.args, k)))
    if node.ties:
        if record.type != "Dense" or [t[0] for t in node.ties] != ["kernel"]:
            raise SymparamError(f"cannot be exported to Keras: only a Dense kernel can be tied to another layer's "
                                f"variable in Keras code (Keras layers own their weights). Received: tie = "
                                f"{ {v: f'{o}/{w}' for v, o, w in node.ties} }.")
        _, owner, variable = node.ties[0]
        keep = {"units", "use_bias", "activation"}
        call = Call("TiedDense", (("source", Source(owner)), ("variable", variable),
                                  *((k, v) for k, v in kwargs if k in keep)))
        return Recipe(((call, ""),), "one")
    if kind.name in OWN:
        return Recipe(((OWN[kind.name](node), ""),), _call(kind))
    kwargs = tuple(kind.keras_kwargs(node.args, dict(kwargs)).items())
    return Recipe(((Call(f"keras.layers.{kind.name}", kwargs), ""),), _call(kind))


@dataclass(frozen=True)
class Source:
    """Another node's layer object (a tie's owner), by its node's ident."""
    ident: str


# ---- a PyTorch spec's layers in Keras -----------------------------------------------------------------------------

def _ints(v) -> tuple:
    return tuple(integer(x, "a size") for x in v)


def _conv(a, rank: int) -> list:
    layers = []
    padding = a.padding
    if isinstance(padding, tuple) and any(integer(p, "padding") for p in padding):
        if rank == 1:
            raise SymparamError("cannot be exported to Keras: Keras's ZeroPadding1D pads channels-last only.")
        layers.append((Call(f"keras.layers.ZeroPadding{rank}D", (("padding", _ints(padding)),
                                                                  ("data_format", "channels_first"))), "_pad"))
    if a.padding_mode != "zeros":
        raise SymparamError(f"cannot be exported to Keras: padding_mode {a.padding_mode!r} has no Keras layer.")
    layers.append((Call(f"keras.layers.Conv{rank}D", (
        ("filters", integer(a.out_channels, "out_channels")), ("kernel_size", _ints(a.kernel_size)),
        ("strides", _ints(a.stride)), ("padding", "same" if padding == "same" else "valid"),
        ("dilation_rate", _ints(a.dilation)), ("groups", integer(a.groups, "groups")), ("use_bias", a.bias),
        ("data_format", "channels_first"))), ""))
    return layers


def _pool(a, rank: int, keras_name: str) -> list:
    if any(integer(d, "dilation") != 1 for d in getattr(a, "dilation", None) or (1,)) or a.ceil_mode:
        raise SymparamError("cannot be exported to Keras: Keras pooling has no dilation or ceil_mode.")
    layers = []
    if any(integer(p, "padding") for p in a.padding):
        layers.append((Call(f"keras.layers.ZeroPadding{rank}D", (("padding", _ints(a.padding)),
                                                                  ("data_format", "channels_first"))), "_pad"))
    stride = a.kernel_size if a.stride is None else a.stride
    layers.append((Call(f"keras.layers.{keras_name}{rank}D", (
        ("pool_size", _ints(a.kernel_size)), ("strides", _ints(stride)), ("data_format", "channels_first"))), ""))
    return layers


def _from_torch(node: Node) -> list:
    record = node.layer.record
    a = node.args
    name = record.type
    if name.startswith("nn.Conv") and name[-2:] in ("1d", "2d", "3d") and "Transpose" not in name:
        return _conv(a, int(name[-2]))
    if name.startswith("nn.BatchNorm") and name[-2:] in ("1d", "2d", "3d"):
        return [(Call("keras.layers.BatchNormalization", (
            ("axis", 1), ("epsilon", number(a.eps, "eps")), ("momentum", 1 - number(a.momentum, "momentum")),
            ("center", a.affine), ("scale", a.affine))), "")]
    if name in ("nn.MaxPool2d", "nn.MaxPool3d", "nn.AvgPool2d", "nn.AvgPool3d"):
        return _pool(a, int(name[-2]), "MaxPooling" if "Max" in name else "AveragePooling")
    if name in ("nn.AdaptiveAvgPool2d", "nn.AdaptiveAvgPool3d"):
        return [(Call(f"keras.layers.AdaptiveAveragePooling{name[-2]}D", (
            ("output_size", tuple(record.output_shape[1:]) and _ints(record.output_shape[1:])),
            ("data_format", "channels_first"))), "")]
    if name == "nn.Linear":
        return [(Call("keras.layers.Dense", (("units", integer(a.out_features, "out_features")),
                                             ("use_bias", a.bias))), "")]
    if name == "nn.Flatten" and a.start_dim == 1 and a.end_dim == -1:
        return [(Call("keras.layers.Flatten"), "")]
    if name == "nn.Embedding":
        return [(Call("keras.layers.Embedding", (("input_dim", integer(a.num_embeddings, "num_embeddings")),
                                                 ("output_dim", integer(a.embedding_dim, "embedding_dim")))), "")]
    if name == "nn.RMSNorm":
        if not a.elementwise_affine:
            raise SymparamError("cannot be exported to Keras: Keras's RMSNormalization always has a scale.")
        eps = () if a.eps is None else (("epsilon", number(a.eps, "eps")),)
        return [(Call("keras.layers.RMSNormalization", (("axis", -1), *eps)), "")]
    if name in TORCH_ACTIVATIONS:
        return [(Call("keras.layers.Activation", (("activation", TORCH_ACTIVATIONS[name]),)), "")]
    simple = {"nn.ReLU": "ReLU", "nn.Identity": "Identity", "nn.Dropout": "Dropout"}
    if name in simple:
        rate = (("rate", number(a.p, "p")),) if name == "nn.Dropout" else ()
        return [(Call(f"keras.layers.{simple[name]}", rate), "")]
    if name == "Concatenate":   # the layout is the spec's (channels first): its axis, which counts the batch as Keras's
        return [(Call("keras.layers.Concatenate", (("axis", int(a.axis)),)), "")]
    if lookup(name).any_convention:
        return [(Call(f"keras.layers.{name}"), "")]
    raise SymparamError(f"cannot be exported to Keras: symparam has no Keras translation of {name} yet.")


TORCH_ACTIVATIONS = {"nn.SiLU": "silu", "nn.GELU": "gelu", "nn.Sigmoid": "sigmoid", "nn.Tanh": "tanh",
                     "nn.ReLU6": "relu6", "nn.Mish": "mish", "nn.Softplus": "softplus", "nn.Hardswish": "hard_silu"}


def _attention(node: Node) -> Call:
    return Call("ScaledDotProductAttention", attention_args(node))


def _operation(node: Node) -> Call:
    scalar = node.args.scalar   # a finite int or float, as given (255 or 255.0)
    return Call("ElementwiseOp", (("op", node.layer.type.removeprefix("ops.")),
                                  *((("scalar", scalar),) if scalar is not None else ()),
                                  *((("scalar_first", True),) if node.args.scalar_first else ())))


def _vit(node: Node) -> Call:
    return Call("ViTEmbeddings", tuple((k, v) for k, v in vit_args(node) if k != "num_channels"))


# Kinds written as a layer of the file's own (keras_own.py), in either convention
OWN = {"ScaledDotProductAttention": _attention,
       "LayerScale": lambda node: Call("LayerScale", scale_args(node)),
       "CustomScaleLayer": lambda node: Call("CustomScaleLayer", scale_args(node)),
       "MixtureOfExperts": lambda node: Call("MixtureOfExperts", experts_args(node)),
       "ViTEmbeddings": _vit,
       **{name: _operation for name in ("ops.add", "ops.subtract", "ops.multiply", "ops.divide", "ops.maximum",
                                        "ops.minimum")}}


def own_classes() -> list[tuple[str, str]]:
    """(name, source) of each class in keras_own.py, as the written file holds it."""
    import ast
    text = OWN_LAYERS.read_text(encoding="utf-8")
    return [(c.name, "\n" + ast.get_source_segment(text, c) + "\n") for c in ast.parse(text).body
            if isinstance(c, ast.ClassDef)]


def recipe_for(translation):
    """The recipe function plan() takes: the spec's own layers, or a PyTorch spec's translated (`translation`: its
    twins under Keras's rules, for what each layer holds there)."""
    rows = {} if translation is None else {row.layer.name: row for row in translation.rows}

    def recipe(node: Node):
        if not rows:
            return _same(node), None
        if node.share or node.ties:
            raise SymparamError("cannot be exported to Keras: shared or tied weights are exported in the spec's own "
                                "framework only.")
        row = rows[node.layer.name]
        kind = lookup(node.layer.type)
        if kind.name in OWN:   # the file's own layer: the layer's variables, as the spec counts them
            own = [v for v in node.layer.record.variables if v.counted]
            counts = [sum(integer(node.bind(v.size), "a count") for v in own if keep(v))
                      for keep in (lambda v: True, lambda v: v.trainable, lambda v: not v.trainable)]
            return Recipe(((OWN[kind.name](node), ""),), _call(kind)), Expected(*counts, 0, node.expected.outputs)
        if row.reason:
            raise SymparamError(f"cannot be exported to Keras: {row.reason}.")
        layers = _from_torch(node)
        twin = row.record
        counts = (0, 0, 0, 0) if twin is None else (twin.params, twin.trainable, twin.non_trainable, twin.buffers)
        there = Expected(*(integer(node.bind(v), "a count") for v in counts), node.expected.outputs)
        return Recipe(tuple(layers), _call(kind)), there

    return recipe


# ---- source ------------------------------------------------------------------------------------------------------

def _name_text(node: Node, in_loop: bool) -> str:
    from ..render.escape import python
    head, tail = node.name
    if not in_loop:
        return python(head)
    return f"{python(head)} + str(k)" + (f" + {python(tail)}" if tail else "")


def _call_text(call: Call, name: str, objects: dict[str, str]) -> str:
    parts = [f"{k}={objects[v.ident] if isinstance(v, Source) else literal(v)}" for k, v in call.kwargs]
    parts.append(f"name={name}")
    return f"{call.function}({', '.join(parts)})"


def _inputs_text(node: Node, how: str) -> str:
    ins = node.called
    text = ins[0] if how == "one" else ", ".join(ins) if how == "positional" else "[" + ", ".join(ins) + "]"
    return text + (f", initial_state=[{', '.join(node.initial)}]" if node.initial else "")


def _outputs_text(node: Node) -> tuple[str, str]:
    """(what the call is assigned to, what is taken of it): every output a spec reads, or the first of several."""
    if node.more:
        return ", ".join((node.ident, *node.more)), ""
    return node.ident, "[0]" if len(node.layer.record.outputs) > 1 else ""


def _node_lines(node: Node, plan: Plan, objects: dict[str, str], in_loop: bool) -> list[str]:
    from ..render.escape import python
    targets, first = _outputs_text(node)
    if node.share:
        return [f"{targets} = {objects[node.share]}({_inputs_text(node, node.recipe.call)}){first}"]
    lines = []
    tensor = _inputs_text(node, node.recipe.call)
    name = _name_text(node, in_loop)
    for i, (call, suffix) in enumerate(node.recipe.layers):
        this = name if not suffix else f"{name} + {python(suffix)}"
        made = _call_text(call, this, objects)
        if node.ident in objects and suffix == "":
            lines.append(f"{objects[node.ident]} = {made}")
            made = objects[node.ident]
        y = f"{made}({tensor if i == 0 else node.ident})"
        lines.append(f"{node.ident} = {y}" if suffix else f"{targets} = {y}{first}")
        if _frozen(call) and suffix == "":   # once built: the setter reaches the layers it made inside
            lines.append(f"{objects[node.ident]}.trainable = False")
    return lines


def write(plan: Plan) -> str:
    """The generated file: build() returns the keras.Model, its layers named after the spec's."""
    from ..render.escape import python
    targets = {n.share for n, _ in plan.nodes() if n.share} | {o for n, _ in plan.nodes() for _, o, _ in n.ties}
    targets |= {n.ident for n, _ in plan.nodes() if not n.share and any(_frozen(c) for c, _ in n.recipe.layers)}
    objects = {n.ident: n.obj for n, _ in plan.nodes() if n.ident in targets}
    tied = any(n.ties for n, _ in plan.nodes())
    out = ['"""A network written by symparam (symparam export --to keras): build() returns the Keras model."""', "",
           "import os", "", 'os.environ.setdefault("KERAS_BACKEND", "torch")', "", "import keras  # noqa: E402", ""]
    if tied:
        out += ["", TIED.read_text(encoding="utf-8").split('"""\n\n', 1)[1].replace("import keras\n", "").strip(), ""]
    own = {c.function for n, _ in plan.nodes() for c, _ in n.recipe.layers}
    out += [text for name, text in own_classes() if name in own]
    out += [f"NAME = {python(plan.name)}", "", "", "def build():"]
    for i in plan.inputs:
        dtype = f", dtype={python(i.dtype)}" if i.dtype else ', dtype="int32"' if i.indices else ""
        out.append(f"    {i.ident} = keras.Input(shape={literal(i.shape)}, name={python(i.framework_name)}{dtype})")
    for item in plan.body:
        if isinstance(item, Unit):
            out.append(f"    {item.ident} = {item.start}")
            out.append(f"    for k in range({item.count}):   # {python(item.label)} repeated")
            for node in item.nodes:
                out += ["        " + line for line in _node_lines(node, plan, objects, True)]
            out.append(f"        {item.ident} = {item.output}")
        else:
            out += ["    " + line for line in _node_lines(item, plan, objects, False)]
    ins = ", ".join(i.ident for i in plan.inputs)
    outs = ", ".join(plan.outputs)
    out.append(f"    return keras.Model(inputs=[{ins}], outputs=[{outs}], name={python(_model_name(plan))})")
    out += ["", "", "if __name__ == \"__main__\":", "    build().summary()", ""]
    return "\n".join(out)


def _frozen(call: Call) -> bool:
    """trainable = False, which Keras 3.15's constructor argument does not pass to the layers inside a layer (a
    MultiHeadAttention's projections, a wrapper's layer): the trainable setter does, as symparam counts it."""
    return call.get("trainable") is False


def _model_name(plan: Plan) -> str:
    return plan.name.replace("/", ".")


# ---- live --------------------------------------------------------------------------------------------------------

def framework():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras
    return keras


def _make(keras, call: Call, name: str, objects: dict):
    def resolve(v):
        if isinstance(v, Source):
            return objects[v.ident]
        if isinstance(v, Call):
            return _make(keras, v, None, objects)
        if isinstance(v, list):
            return [resolve(x) for x in v]
        return v

    if call.function == "TiedDense":
        from .keras_tied import TiedDense
        cls = TiedDense
    elif not call.function.startswith("keras.layers."):   # a layer of the file's own
        from . import keras_own
        cls = getattr(keras_own, call.function)
    else:
        cls = getattr(keras.layers, call.function.removeprefix("keras.layers."), None)
        if cls is None:
            raise SymparamError(f"the installed Keras ({keras.__version__}) has no {call.function}.")
    kwargs = {k: resolve(v) for k, v in call.kwargs}
    if name is not None:
        kwargs["name"] = name
    return cls(**kwargs)


def build(plan: Plan):
    """(the keras.Model, [(node, copy, [its Keras layers], [its output tensors])]) built live from the plan."""
    keras = framework()
    tensors = {i.ident: keras.Input(shape=i.shape, name=i.framework_name,
                                    dtype=i.dtype or ("int32" if i.indices else None))
               for i in plan.inputs}
    objects: dict[str, Any] = {}
    built = []

    def call(layer, node: Node):
        ins, how = [tensors[n] for n in node.called], node.recipe.call
        states = {"initial_state": [tensors[n] for n in node.initial]} if node.initial else {}
        return layer(*ins, **states) if how == "positional" else layer(ins[0] if how == "one" else ins, **states)

    def run(node: Node, copy):
        if node.share:
            layer = objects[node.share]
            y = call(layer, node)
            layers = [layer]
        else:
            layers, y = [], None
            for i, (made, suffix) in enumerate(node.recipe.layers):
                layer = _make(keras, made, node.framework_name(copy) + suffix, objects)
                layers.append(layer)
                y = call(layer, node) if i == 0 else layer(y)
                if _frozen(made):
                    layer.trainable = False
                if suffix == "":
                    objects[node.ident] = layer
        outs = list(y) if isinstance(y, (list, tuple)) else [y]
        tensors[node.ident] = outs[0]
        tensors.update(zip(node.more, outs[1:]))
        built.append((node, copy, layers, outs))

    for item in plan.body:
        if isinstance(item, Unit):
            tensors[item.ident] = tensors[item.start]
            for k in range(item.count):
                for node in item.nodes:
                    run(node, k)
                tensors[item.ident] = tensors[item.output]
        else:
            run(item, None)
    model = keras.Model(inputs=[tensors[i.ident] for i in plan.inputs], outputs=[tensors[o] for o in plan.outputs],
                        name=_model_name(plan))
    return model, built


def version() -> str:
    return framework().__version__


def _size(variables) -> int:
    import math
    return sum(math.prod(int(d) for d in v.shape) for v in variables)


def facts(plan: Plan) -> list:
    """[(node, copy, Expected as Keras has it)] for every layer built: each variable counted at the first layer
    that holds it (by identity: a shared layer's or a tie's are counted where they live)."""
    try:
        _, built = build(plan)
    except (ValueError, TypeError, RuntimeError, IndexError, NotImplementedError) as exc:
        raise SymparamError(f"Keras refused to build the network: {type(exc).__name__}: "
                            f"{str(exc).strip().splitlines()[0][:300]}") from None
    seen: set[int] = set()
    out = []
    for node, copy, layers, outs in built:
        own = []
        for layer in layers:
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    own.append(v)
        trainable = [v for v in own if v.trainable]
        shapes = tuple(tuple(None if d is None else int(d) for d in t.shape[1:]) for t in outs)
        out.append((node, copy, Expected(_size(own), _size(trainable), _size(own) - _size(trainable), 0, shapes)))
    return out
