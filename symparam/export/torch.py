"""A plan as PyTorch code (an nn.Module: the layers as attributes, forward() following the spec's graph), and the
same module built live, on the meta device, for verify.

A PyTorch spec's layer is nn.<its class> with the arguments the spec wrote, plus those symparam read from the input
(in_features, in_channels, ...); a merge (Add) is the operation in forward(). A sequence module without batch_first
is fed a transposed tensor, so the whole module is batch-first. A Keras spec's layer is written with torch modules
on the layout the spec uses (channels last: the tensor's axes moved around each module that wants them first;
Keras's "same" padding made explicit); what it holds is its twin's (symparam.twins). A layer with no such
translation is refused with the reason. A repeated layer or block is a small nn.Module class, stacked in an
nn.ModuleList.
"""

from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass, field, replace
from functools import reduce
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..errors import SymparamError
from ..layers import lookup
from .plan import Expected, Node, Plan, Unit, integer
from .source import Call, attention_args, experts_args, literal, number, scale_args, vit_args, written

# What symparam reads from the input when a spec leaves it out: argument -> (input, axis)
INFERRED = {"in_features": (0, -1), "in_channels": (0, 0), "num_features": (0, 0), "num_channels": (0, 0),
            "input_size": (0, -1), "embed_dim": (0, -1), "d_model": (0, -1), "in1_features": (0, -1),
            "in2_features": (1, -1)}
SKIPPED = {"device", "dtype"}   # where the module lives: the file builds on the default device, verify on meta
SEQUENCE_FIRST = {"nn.RNN", "nn.LSTM", "nn.GRU", "nn.MultiheadAttention", "nn.TransformerEncoderLayer",
                  "nn.TransformerDecoderLayer", "nn.Transformer"}   # (L, N, E) unless batch_first
TUPLES = {"nn.RNN", "nn.LSTM", "nn.GRU", "nn.MultiheadAttention", "nn.LSTMCell"}   # forward() returns (output, ...)


@dataclass(frozen=True)
class Op:
    """A tensor operation of forward(): source (with {x} for the tensor, {0}, {1}, ... for the arguments) and the
    same operation as a function, side by side in OPS."""
    name: str
    args: tuple = ()


def _bilstm_last(x, units):
    import torch
    return torch.cat((x[:, -1, :units], x[:, 0, units:]), -1)


OPS = {
    "first": ("{x}[0]", lambda x: x[0]),
    "movedim": ("{x}.movedim({0}, {1})", lambda x, a, b: x.movedim(a, b)),
    "transpose": ("{x}.transpose({0}, {1})", lambda x, a, b: x.transpose(a, b)),
    "mean": ("{x}.mean(dim={0}, keepdim={1})", lambda x, d, k: x.mean(dim=d, keepdim=k)),
    "flatten": ("{x}.flatten(1)", lambda x: x.flatten(1)),
    "crop": ("{x}[:, {0}:{1}]", lambda x, a, b: x[:, a:b]),
    "last": ("{x}[:, -1]", lambda x: x[:, -1]),
    "bidirectional_last": ("torch.cat(({x}[:, -1, :{0}], {x}[:, 0, {0}:]), -1)", _bilstm_last),
    "reshape": ("{x}.flatten(1).unflatten(1, {0})", lambda x, shape: x.flatten(1).unflatten(1, shape)),
    "rescale": ("{x} * {0} + {1}", lambda x, scale, offset: x * scale + offset),
}


def _cat(xs, dim):
    import torch
    return torch.cat(xs, dim=dim)


# The merges, as forward() combines its inputs: (source joining them, the function), each given the recipe's
# combine_args after the inputs (Concatenate's axis)
COMBINE = {
    "Add": (lambda xs: " + ".join(xs), lambda xs: reduce(operator.add, xs)),
    "Subtract": (lambda xs: " - ".join(xs), lambda xs: xs[0] - xs[1]),
    "Multiply": (lambda xs: " * ".join(xs), lambda xs: reduce(operator.mul, xs)),
    "Average": (lambda xs: f"({' + '.join(xs)}) / {len(xs)}", lambda xs: reduce(operator.add, xs) / len(xs)),
    "Maximum": (lambda xs: reduce(lambda a, b: f"torch.maximum({a}, {b})", xs), None),
    "Minimum": (lambda xs: reduce(lambda a, b: f"torch.minimum({a}, {b})", xs), None),
    "Concatenate": (lambda xs, dim: f"torch.cat(({', '.join(xs)},), dim={dim})", _cat),
    "ops": (lambda xs, op, scalar, first: _operation(op, scalar)[0].format(*_operands(xs, literal(scalar), scalar,
                                                                                      first)),
            lambda xs, op, scalar, first: _operation(op, scalar)[1](*_operands(xs, scalar, scalar, first))),
}

# A keras.ops call between layers (ops.add, or x / 255.0: ops.divide with a scalar): forward()'s text ({0}, {1}: the
# operands) and the same as a function, on two tensors; then on a tensor and a number (the second operand), where
# torch takes it otherwise
OPERATIONS = {
    "ops.add": ("{0} + {1}", operator.add), "ops.subtract": ("{0} - {1}", operator.sub),
    "ops.multiply": ("{0} * {1}", operator.mul), "ops.divide": ("{0} / {1}", operator.truediv),
    "ops.maximum": ("torch.maximum({0}, {1})", lambda x, y: x.maximum(y)),
    "ops.minimum": ("torch.minimum({0}, {1})", lambda x, y: x.minimum(y)),
}
SCALAR_OPERATIONS = {"ops.maximum": ("{0}.clamp(min={1})", lambda x, s: x.clamp(min=s)),
                     "ops.minimum": ("{0}.clamp(max={1})", lambda x, s: x.clamp(max=s))}


def _operation(op: str, scalar):
    return SCALAR_OPERATIONS.get(op, OPERATIONS[op]) if scalar is not None else OPERATIONS[op]


def _operands(xs, written, scalar, first: bool) -> tuple:
    """The operation's two operands in order: two inputs; an input and the scalar; or the scalar first (255 - x)."""
    if scalar is None:
        return tuple(xs)
    return (written, *xs) if first else (*xs, written)


@dataclass(frozen=True)
class Recipe:
    modules: tuple[Call, ...] = ()           # nn.* modules, applied in order (several: one nn.Sequential)
    pre: tuple[Op, ...] = ()                 # applied to every input first
    post: tuple[Op, ...] = ()                # applied to the result
    combine: str = ""                        # no module: the merge that combines the inputs
    combine_args: tuple = ()                 # ... given these after the inputs
    order: tuple[int, ...] = ()              # the module's arguments as input positions, when not the inputs in order
    states: int = 0                          # a recurrent module's states (nn.LSTM: h and c): (output, states) back
    ties: tuple[tuple[str, str, str], ...] = field(default=())


def _op_text(op: Op, x: str) -> str:
    return OPS[op.name][0].format(*(literal(a) for a in op.args), x=x)


def _apply(op: Op, x):
    return OPS[op.name][1](x, *op.args)


# ---- a PyTorch spec's own layers ---------------------------------------------------------------------------------

def _same(node: Node) -> Recipe:
    record = node.layer.record
    kind = lookup(record.type)
    if record.type == "nn.Module":
        raise SymparamError("cannot be exported to torch: an nn.Module layer lists a module's tensors, not what its "
                            "forward() computes.")
    if record.type in OWN:
        return Recipe((OWN[record.type](node),))
    if kind.any_convention and record.type not in COMBINE:
        raise SymparamError(f"cannot be exported to torch: symparam has no forward() operation for {record.type}.")
    if record.type in COMBINE:   # a torch.cat: the spec's axis is its dim
        return Recipe(combine=record.type, combine_args=(int(node.args.axis),) if record.type == "Concatenate" else ())
    kwargs = {}
    for key, arg in kind.all_args().items():
        v = getattr(node.args, key)
        if key in SKIPPED or not written(arg, v):
            continue
        if key in record.given:
            kwargs[key] = _plain(v, key)
        elif key in INFERRED and v is None:
            where, axis = INFERRED[key]
            if where < len(record.input_shapes):
                kwargs[key] = integer(record.input_shapes[where][axis], key)
    call = Call(f"nn.{record.type.removeprefix('nn.')}", tuple(kwargs.items()))
    pre = post = ()
    first = (Op("first"),) if record.type in TUPLES or kwargs.get("return_indices") else ()
    if record.type in SEQUENCE_FIRST and not kwargs.get("batch_first"):
        pre, post = (Op("transpose", (0, 1)),), (*first, Op("transpose", (0, 1)))
    else:
        post = first
    one = record.type == "nn.MultiheadAttention" and len(record.inputs) == 1   # self-attention: (x, x, x)
    return Recipe((call,), pre, post, order=(0, 0, 0) if one else ())


def _plain(v, key):
    from .source import value
    return value(v, key)


# ---- a Keras spec's layers in torch ------------------------------------------------------------------------------

ACTIVATIONS = {"relu": "ReLU", "relu6": "ReLU6", "sigmoid": "Sigmoid", "tanh": "Tanh", "gelu": "GELU", "silu": "SiLU",
               "swish": "SiLU", "elu": "ELU", "selu": "SELU", "softplus": "Softplus", "softsign": "Softsign",
               "mish": "Mish", "hard_sigmoid": "Hardsigmoid", "hard_swish": "Hardswish", "hard_silu": "Hardswish",
               "log_softmax": "LogSoftmax", "softmax": "Softmax"}


def _activation(name) -> tuple[Call, ...]:
    if name is None or name == "linear":
        return ()
    if name not in ACTIVATIONS:
        raise SymparamError(f"cannot be exported to torch: symparam has no torch module for the activation {name!r}.")
    module = ACTIVATIONS[name]
    return (Call(f"nn.{module}", (("dim", -1),) if "Softmax" in module else ()),)


def _same_pads(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """Keras's "same" padding of one axis: (before, after), the extra one after."""
    total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def _spatial(a, x, pool: bool = False):
    """(padding for the torch module, a ZeroPad in front or None) of a Keras channels-last window layer."""
    rank = len(x) - 1
    k = tuple(integer(v, "kernel size") for v in (a.pool_size if pool else a.kernel_size))
    strides = a.strides if not pool or a.strides is not None else a.pool_size
    s = tuple(integer(v, "strides") for v in strides)
    d = (1,) * rank if pool else tuple(integer(v, "dilation_rate") for v in a.dilation_rate)
    if a.padding == "valid":
        return (0,) * rank, None, k, s, d
    if a.padding != "same":
        raise SymparamError(f"cannot be exported to torch: padding {a.padding!r}.")
    pads = [_same_pads(integer(n, "input length"), k[i], s[i], d[i]) for i, n in enumerate(x[:-1])]
    if all(b == e for b, e in pads):
        return tuple(b for b, _ in pads), None, k, s, d
    flat = tuple(p for pair in reversed(pads) for p in pair)   # torch pads the last axis first
    return (0,) * rank, Call(f"nn.ZeroPad{rank}d", (("padding", flat),)), k, s, d


def _channels_last(modules, post=()) -> Recipe:
    return Recipe(tuple(modules), (Op("movedim", (-1, 1)),), (*post, Op("movedim", (1, -1))))


def _keras_conv(a, x, depthwise: bool) -> Recipe:
    if getattr(a, "data_format", None) not in (None, "channels_last"):
        raise SymparamError("cannot be exported to torch: only channels_last Keras convolutions are translated.")
    rank = len(x) - 1
    padding, pad, k, s, d = _spatial(a, x)
    c = integer(x[-1], "channels")
    out = c * integer(a.depth_multiplier, "depth_multiplier") if depthwise else integer(a.filters, "filters")
    groups = c if depthwise else integer(a.groups, "groups")
    conv = Call(f"nn.Conv{rank}d", (("in_channels", c), ("out_channels", out), ("kernel_size", k), ("stride", s),
                                    ("padding", padding), ("dilation", d), ("groups", groups), ("bias", a.use_bias)))
    return _channels_last((*((pad,) if pad else ()), conv, *_activation(a.activation)))


def _keras_pool(a, x, kind: str) -> Recipe:
    rank = len(x) - 1
    padding, pad, k, s, _ = _spatial(a, x, pool=True)
    if kind == "Avg" and pad is not None:
        raise SymparamError("cannot be exported to torch: Keras averages an uneven \"same\" border over the window's "
                            "inside only, which nn.AvgPool cannot.")
    extra = (("count_include_pad", False),) if kind == "Avg" else ()
    pool = Call(f"nn.{kind}Pool{rank}d", (("kernel_size", k), ("stride", s), ("padding", padding), *extra))
    return _channels_last((*((pad,) if pad else ()), pool))


def _keras_norm(a, x, record) -> Recipe:
    axis = a.axis if isinstance(a.axis, int) else (a.axis[0] if len(a.axis) == 1 else None)
    if axis not in (-1, len(x)):   # Keras counts the batch axis
        raise SymparamError("cannot be exported to torch: only a normalization over the last axis is translated.")
    c = integer(x[-1], "channels")
    if record.type == "LayerNormalization":
        if a.center and not a.scale:
            raise SymparamError("cannot be exported to torch: nn.LayerNorm has no offset without a scale.")
        return Recipe((Call("nn.LayerNorm", (("normalized_shape", c), ("eps", number(a.epsilon, "epsilon")),
                                             ("elementwise_affine", a.scale), ("bias", a.center))),))
    if a.center != a.scale:
        raise SymparamError("cannot be exported to torch: nn.BatchNorm has both offsets and scales, or neither.")
    rank = max(len(x) - 1, 1)
    norm = Call(f"nn.BatchNorm{rank}d", (("num_features", c), ("eps", number(a.epsilon, "epsilon")),
                                          ("momentum", 1 - number(a.momentum, "momentum")), ("affine", a.center)))
    return Recipe((norm,)) if len(x) == 1 else _channels_last((norm,))


def _keras_rnn(inner_kind, inner, x, bidirectional: bool) -> Recipe:
    if inner_kind.name not in ("LSTM", "GRU", "SimpleRNN"):
        raise SymparamError(f"cannot be exported to torch: {inner_kind.name} has no torch module.")
    cls = {"LSTM": "LSTM", "GRU": "GRU", "SimpleRNN": "RNN"}[inner_kind.name]
    units = integer(inner.units, "units")
    kwargs = [("input_size", integer(x[-1], "features")), ("hidden_size", units), ("batch_first", True)]
    if cls == "RNN" and inner.activation == "relu":   # the twin has refused any other than tanh and relu
        kwargs.append(("nonlinearity", "relu"))
    if bidirectional:
        kwargs.append(("bidirectional", True))
    post = [Op("first")]
    if not inner.return_sequences:
        post.append(Op("bidirectional_last", (units,)) if bidirectional else Op("last"))
    return Recipe((Call(f"nn.{cls}", tuple(kwargs)),), post=tuple(post), states=inner_kind.n_states)


def _keras_attention(a, shapes) -> Recipe:
    """Keras calls it (query, value[, key]), the key defaulting to the value; torch's forward takes (query, key,
    value). The twin has already refused what nn.MultiheadAttention cannot hold."""
    query, value = shapes[0], shapes[1]
    key = shapes[2] if len(shapes) > 2 else value
    e = integer(query[-1], "the query's features")
    kwargs = [("embed_dim", e), ("num_heads", integer(a.num_heads, "num_heads")),
              ("dropout", number(a.dropout, "dropout")), ("bias", a.use_bias), ("batch_first", True)]
    for name, shape in (("kdim", key), ("vdim", value)):
        if integer(shape[-1], name) != e:
            kwargs.append((name, integer(shape[-1], name)))
    order = (0, 2, 1) if len(shapes) > 2 else (0, 1, 1)
    return Recipe((Call("nn.MultiheadAttention", tuple(kwargs)),), post=(Op("first"),), order=order)


def _from_keras(node: Node) -> Recipe:
    record = node.layer.record
    a, name = node.args, record.type
    x = record.input_shapes[0] if record.input_shapes else ()
    if name in ("Conv1D", "Conv2D", "Conv3D"):
        return _keras_conv(a, x, depthwise=False)
    if name in ("DepthwiseConv1D", "DepthwiseConv2D"):
        return _keras_conv(a, x, depthwise=True)
    if name in ("MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
                "AveragePooling3D"):
        return _keras_pool(a, x, "Max" if name.startswith("Max") else "Avg")
    if name in ("BatchNormalization", "LayerNormalization"):
        return _keras_norm(a, x, record)
    if name == "Dense":
        return Recipe((Call("nn.Linear", (("in_features", integer(x[-1], "features")),
                                          ("out_features", integer(a.units, "units")), ("bias", a.use_bias))),
                       *_activation(a.activation)))
    if name == "Embedding":
        return Recipe((Call("nn.Embedding", (("num_embeddings", integer(a.input_dim, "input_dim")),
                                             ("embedding_dim", integer(a.output_dim, "output_dim")))),))
    if name in ("LSTM", "GRU", "SimpleRNN"):
        return _keras_rnn(lookup(name), a, x, bidirectional=False)
    if name == "Bidirectional":
        inner_kind, inner = a.layer
        if a.merge_mode != "concat":
            raise SymparamError("cannot be exported to torch: a bidirectional torch RNN concatenates its directions.")
        if node.more or node.initial:
            raise SymparamError("cannot be exported to torch: a bidirectional layer's states are not translated.")
        return _keras_rnn(inner_kind, inner, x, bidirectional=True)
    if name == "RNN":   # one cell, or a stack of one kind and width (the twin refuses others): num_layers
        (kind, cell), *rest = a.cell
        made = _keras_rnn(kind, SimpleNamespace(units=cell.units, activation=cell.activation,
                                                return_sequences=a.return_sequences), x, False)
        layers = (("num_layers", 1 + len(rest)),) if rest else ()
        return replace(made, modules=(replace(made.modules[0], kwargs=made.modules[0].kwargs + layers),))
    if name == "MultiHeadAttention":
        return _keras_attention(a, record.input_shapes)
    if name in ("GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D"):
        return Recipe(post=(Op("mean", (tuple(range(1, len(x))), bool(a.keepdims))),))
    if name == "Flatten":
        return Recipe(post=(Op("flatten"),))
    if name == "ReLU":
        if a.threshold:
            raise SymparamError("cannot be exported to torch: a ReLU threshold has no torch module.")
        if a.max_value is not None:
            if a.negative_slope:
                raise SymparamError("cannot be exported to torch: a bounded leaky ReLU has no torch module.")
            return Recipe((Call("nn.Hardtanh", (("min_val", 0.0), ("max_val", number(a.max_value, "max_value")))),))
        if a.negative_slope:
            return Recipe((Call("nn.LeakyReLU", (("negative_slope", number(a.negative_slope, "negative_slope")),)),))
        return Recipe((Call("nn.ReLU"),))
    if name == "Activation":
        return Recipe(_activation(a.activation) or (Call("nn.Identity"),))
    if name == "Dropout":
        return Recipe((Call("nn.Dropout", (("p", number(a.rate, "rate")),)),))
    if name == "ZeroPadding2D":
        (top, bottom), (left, right) = (tuple(integer(v, "padding") for v in pair) for pair in a.padding)
        return _channels_last((Call("nn.ZeroPad2d", (("padding", (left, right, top, bottom)),)),))
    if name == "Cropping1D":
        (start, end), = a.cropping if len(a.cropping) == 1 and isinstance(a.cropping[0], tuple) else (a.cropping,)
        n = integer(x[0], "input length")
        return Recipe(post=(Op("crop", (integer(start, "cropping"), n - integer(end, "cropping"))),))
    if name == "Concatenate":   # the torch tensor keeps the spec's layout: Keras's axis (the batch axis is 0)
        return Recipe(combine=name, combine_args=(int(a.axis),))
    if name in COMBINE:
        return Recipe(combine=name)
    if name in OPERATIONS:
        first = a.scalar_first and name not in SCALAR_OPERATIONS   # max(3, x) is max(x, 3): a clamp of x
        return Recipe(combine="ops", combine_args=(name, a.scalar, first))   # the scalar as given: 255 or 255.0
    if name == "Reshape":
        return Recipe(post=(Op("reshape", (tuple(integer(d, "target_shape") for d in record.output_shape),)),))
    if name == "Rescaling":
        if a.scale or a.offset:
            raise SymparamError("cannot be exported to torch: only a Rescaling by numbers is translated (an array "
                                "scale or offset is not).")
        return Recipe(post=(Op("rescale", (number(a.scale.values, "scale"), number(a.offset.values, "offset"))),))
    if name in OWN:
        return Recipe((OWN[name](node),))
    raise SymparamError(f"cannot be exported to torch: symparam has no torch translation of {name} yet.")


def _normalization(node: Node) -> Call:
    """Keras's Normalization as the file's own module: its statistics as buffers, or the mean and variance the spec
    gave as constants, laid onto the kept axes as Keras lays them (from the last)."""
    a, record = node.args, node.layer.record
    rank = len(record.input_shapes[0]) + 1
    axes = () if a.axis is None else (a.axis,) if isinstance(a.axis, int) else tuple(a.axis)
    keep = sorted({d % rank for d in axes})
    if len(keep) != len(axes):
        raise SymparamError("cannot be exported to torch: a Normalization naming an axis twice is not translated.")
    if a.mean is not None:
        lengths = dict(zip(keep[len(keep) - len(a.mean):], a.mean))
        return Call("Normalization", (("shape", tuple(a.mean)), ("broadcast", tuple(lengths.get(d, 1) for d in
                                                                                   range(rank))),
                                      ("mean", a.mean.values), ("variance", a.variance.values)))
    mean = next(v for v in record.variables if v.name == "mean")
    shape = tuple(integer(node.bind(d), "the mean's shape") for d in mean.shape)
    lengths = dict(zip(keep, shape))
    return Call("Normalization", (("shape", shape), ("broadcast", tuple(lengths.get(d, 1) for d in range(rank)))))


def _attention(node: Node) -> Call:
    return Call("ScaledDotProductAttention", attention_args(node))


# Layers written as a module of the file's own (export/torch_modules.py): what each holds there is the layer's
# variables, its non-trainable ones (statistics) as buffers
OWN = {"Normalization": _normalization, "ScaledDotProductAttention": _attention,
       "LayerScale": lambda node: Call("LayerScale", scale_args(node)),
       "CustomScaleLayer": lambda node: Call("CustomScaleLayer", scale_args(node)),
       "MixtureOfExperts": lambda node: Call("MixtureOfExperts", experts_args(node)),
       "ViTEmbeddings": lambda node: Call("ViTEmbeddings", vit_args(node))}
MODULES = Path(__file__).with_name("torch_modules.py")


KERAS_VARIABLES = {"kernel": "weight", "embeddings": "weight", "bias": "bias", "gamma": "weight", "beta": "bias",
                   "depthwise_kernel": "weight"}   # a Keras variable's name on its torch twin (ties)


def _torch_variable(name: str) -> str:
    if name not in KERAS_VARIABLES:
        raise SymparamError(f"cannot be exported to torch: symparam does not know the torch name of the tied {name}.")
    return KERAS_VARIABLES[name]


def recipe_for(translation):
    """The recipe function plan() takes: the spec's own layers, or a Keras spec's translated (`translation`: its twins
    under torch's rules, for what each layer holds there)."""
    rows = {} if translation is None else {row.layer.name: row for row in translation.rows}

    def recipe(node: Node):
        if not rows:
            return replace(_same(node), ties=node.ties), None
        row = rows[node.layer.name]
        if node.layer.type in OWN and not node.share:   # the file's own module: the layer's variables, its
            own = [v for v in node.layer.record.variables if v.counted]               # statistics as buffers
            return _from_keras(node), _held(node, own, lambda v: not v.trainable)
        if row.reason:
            raise SymparamError(f"cannot be exported to torch: {row.reason}.")
        made = _from_keras(node)
        if node.more and not made.states:
            raise SymparamError("cannot be exported to torch: its outputs after the first are translated for a "
                                "recurrent layer's states only.")
        if row.record is None or node.share:
            return made, Expected(0, 0, 0, 0, node.expected.outputs)
        ties = tuple((_torch_variable(v), owner, _torch_variable(w)) for v, owner, w in node.ties)
        held = [v for v in row.record.variables if not any(v.name == t[0] for t in ties)]
        return replace(made, ties=ties), _held(node, held, lambda v: v.buffer)

    return recipe


def _held(node: Node, variables, buffer) -> Expected:
    """What the node's torch module holds: `variables` (at its copy), those `buffer` picks as buffers."""
    def count(keep) -> int:
        return sum(integer(node.bind(v.size), "a count") for v in variables if keep(v))

    return Expected(count(lambda v: not buffer(v)), count(lambda v: v.trainable and not buffer(v)),
                    count(lambda v: not v.trainable and not buffer(v)), count(buffer), node.expected.outputs)


# ---- source ------------------------------------------------------------------------------------------------------

def _module_text(recipe: Recipe) -> str:
    parts = [literal(m) for m in recipe.modules]
    return parts[0] if len(parts) == 1 else f"nn.Sequential({', '.join(parts)})"


def _forward_text(node: Node, owner: str) -> str:
    """The right-hand side of the node's line in forward()."""
    recipe = node.recipe
    ins = list(node.called)
    for op in recipe.pre:
        ins = [_op_text(op, x) for x in ins]
    if recipe.combine:
        y = COMBINE[recipe.combine][0](ins, *recipe.combine_args)
        if len(ins) > 1 and recipe.post:
            y = f"({y})"
    elif recipe.modules or node.share:
        args = [ins[i] for i in recipe.order] if recipe.order else ins
        if node.initial:   # (h_0, c_0) of one layer: (1, batch, units) each
            states = [f"{s}.unsqueeze(0)" for s in node.initial]
            args = [*args, states[0] if len(states) == 1 else f"({', '.join(states)})"]
        y = f"self.{owner}({', '.join(args)})"
    else:
        y = ins[0]
    for op in recipe.post:
        y = _op_text(op, y)
    return y


def _init_lines(nodes, indent: str) -> list[str]:
    lines = []
    for node in nodes:
        if node.recipe.modules and not node.share:
            lines.append(f"{indent}self.{node.ident} = {_module_text(node.recipe)}")
    for node in nodes:
        for var, owner, owner_var in node.recipe.ties:
            lines.append(f"{indent}self.{node.ident}.{var} = self.{owner}.{owner_var}   # tied: one tensor")
    return lines


def _forward_lines(nodes, indent: str) -> list[str]:
    lines = []
    for n in nodes:
        if not n.more:
            lines.append(f"{indent}{n.ident} = {_forward_text(n, n.share or n.ident)}")
            continue
        # a recurrent module's states too (Keras's return_state): (output, states), each state the top layer's
        call = _forward_text(replace(n, recipe=replace(n.recipe, post=())), n.share or n.ident)
        lines.append(f"{indent}{n.ident}, {n.more[0] if len(n.more) == 1 else '(' + ', '.join(n.more) + ')'} = {call}")
        y = n.ident
        for op in n.recipe.post[1:]:   # after the first: the output's own
            y = _op_text(op, y)
        lines += [f"{indent}{n.ident} = {y}"] if n.recipe.post[1:] else []
        lines += [f"{indent}{m} = {m}[-1]" for m in n.more]
    return lines


def own_classes() -> list[tuple[str, str]]:
    """(name, source) of each class in torch_modules.py, in its order, as the written file holds it."""
    text = MODULES.read_text(encoding="utf-8")
    tree = ast.parse(text)
    return [(c.name, "\n" + ast.get_source_segment(text, c) + "\n") for c in tree.body if isinstance(c, ast.ClassDef)]


def write(plan: Plan) -> str:
    """The generated file: Net(nn.Module); python FILE prints its parameter count."""
    from ..render.escape import python
    out = ['"""A network written by symparam (symparam export --to torch): Net() builds the module."""', "",
           "import torch", "from torch import nn", "", f"NAME = {python(plan.name)}", ""]
    own = {m.function for n, _ in plan.nodes() for m in n.recipe.modules if not m.function.startswith("nn.")}
    out += [text for name, text in own_classes() if name in own]
    for item in plan.body:
        if isinstance(item, Unit):
            out += ["", f"class Block_{item.ident}(nn.Module):",
                    f"    # one copy of {python(item.label)}, repeated {item.count} times", "",
                    "    def __init__(self):", "        super().__init__()", *_init_lines(item.nodes, "        "), "",
                    f"    def forward(self, {item.ident}):", *_forward_lines(item.nodes, "        "),
                    f"        return {item.output}", ""]
    out += ["", "class Net(nn.Module):", "    def __init__(self):", "        super().__init__()"]
    for item in plan.body:
        if isinstance(item, Unit):
            stack = f"nn.ModuleList([Block_{item.ident}() for _ in range({item.count})])"
            out.append(f"        self.{item.ident} = {stack}")
        else:
            out += _init_lines([item], "        ")
    out += ["", f"    def forward(self, {', '.join(i.ident for i in plan.inputs)}):"]
    for item in plan.body:
        if isinstance(item, Unit):
            out += [f"        {item.ident} = {item.start}", f"        for block in self.{item.ident}:",
                    f"            {item.ident} = block({item.ident})"]
        else:
            out += _forward_lines([item], "        ")
    outs = ", ".join(plan.outputs)
    out += [f"        return {outs}", "", "", "if __name__ == \"__main__\":",
            "    net = Net()", "    print(NAME, sum(p.numel() for p in net.parameters()), \"parameters\")", ""]
    return "\n".join(out)


# ---- live --------------------------------------------------------------------------------------------------------

def framework():
    import torch
    return torch


def version() -> str:
    return framework().__version__.split("+")[0]


def _make(call: Call):
    from torch import nn
    from . import torch_modules
    cls = getattr(nn if call.function.startswith("nn.") else torch_modules, call.function.removeprefix("nn."), None)
    if cls is None:
        raise SymparamError(f"the installed torch has no {call.function}.")
    return cls(*call.args, **dict(call.kwargs))


def _module(recipe: Recipe):
    from torch import nn
    made = [_make(m) for m in recipe.modules]
    return made[0] if len(made) == 1 else nn.Sequential(*made)


def _run(node: Node, modules: dict, tensors: dict) -> list:
    """The node's outputs, run: its first, and a recurrent module's states where the spec reads them."""
    recipe = node.recipe
    ins = [tensors[n] for n in node.called]
    for op in recipe.pre:
        ins = [_apply(op, x) for x in ins]
    if recipe.combine:
        function = COMBINE[recipe.combine][1]
        if function is None:
            import torch
            function = (lambda xs: reduce(torch.maximum, xs)) if recipe.combine == "Maximum" \
                else (lambda xs: reduce(torch.minimum, xs))
        y = function(ins, *recipe.combine_args)
    elif recipe.modules or node.share:
        module = modules[node.share or node.ident]
        args = [ins[i] for i in recipe.order] if recipe.order else ins
        if node.initial:
            states = [tensors[s].unsqueeze(0) for s in node.initial]
            args = [*args, states[0] if len(states) == 1 else tuple(states)]
        y = module(*args)
    else:
        y = ins[0]
    more = []
    if node.more:
        y, states = y
        more = [s[-1] for s in (states if isinstance(states, tuple) else (states,))]
    for op in recipe.post[1:] if node.more else recipe.post:
        y = _apply(op, y)
    tensors[node.ident] = y
    tensors.update(zip(node.more, more))
    return [y, *more]


def build(plan: Plan, device: str = "meta"):
    """([(node, copy, its module or None, its outputs)], the modules) with the forward run on `device` tensors."""
    torch = framework()
    for i in plan.inputs:
        if any(d is None for d in i.shape):
            raise SymparamError(f"torch needs every input length: input {i.name} has an axis of unknown length.")
    built = []
    with torch.device(device):
        owned: dict[str, Any] = {}
        units: dict[str, list] = {}

        def init(nodes, into: dict):
            for node in nodes:
                if node.recipe.modules and not node.share:
                    into[node.ident] = _module(node.recipe)
            for node in nodes:
                for var, owner, owner_var in node.recipe.ties:
                    setattr(into[node.ident], var, getattr(into[owner], owner_var))

        init([item for item in plan.body if isinstance(item, Node)], owned)
        for item in plan.body:
            if isinstance(item, Unit):
                units[item.ident] = []
                for _ in range(item.count):
                    copy: dict[str, Any] = {}
                    init(item.nodes, copy)
                    units[item.ident].append(copy)
        tensors = {i.ident: torch.zeros((2, *i.shape), dtype=torch.long if i.indices else torch.float32)
                   for i in plan.inputs}
        with torch.no_grad():
            for item in plan.body:
                if isinstance(item, Unit):
                    tensors[item.ident] = tensors[item.start]
                    for k, copy in enumerate(units[item.ident]):
                        for node in item.nodes:
                            y = _run(node, copy, tensors)
                            built.append((node, k, copy.get(node.ident), y))
                        tensors[item.ident] = tensors[item.output]
                else:
                    y = _run(item, owned, tensors)
                    built.append((item, None, owned.get(item.ident), y))
    return built


def facts(plan: Plan) -> list:
    """[(node, copy, Expected as torch has it)] for every layer: parameters and buffers counted at the first module
    that holds them (by identity: on meta every data pointer is the same)."""
    try:
        built = build(plan)
    except (RuntimeError, ValueError, TypeError, IndexError, AssertionError) as exc:
        raise SymparamError(f"torch refused to build or run the network: {type(exc).__name__}: "
                            f"{str(exc).strip().splitlines()[0][:300]}") from None
    seen: set[int] = set()
    out = []
    for node, copy, module, ys in built:
        params = trainable = buffers = 0
        if module is not None:
            for p in module.parameters():
                if id(p) not in seen:
                    seen.add(id(p))
                    params += p.numel()
                    trainable += p.numel() if p.requires_grad else 0
            for b in module.buffers():
                if id(b) not in seen:
                    seen.add(id(b))
                    buffers += b.numel()
        shapes = tuple(tuple(int(d) for d in y.shape[1:]) for y in ys)
        out.append((node, copy, Expected(params, trainable, params - trainable, buffers, shapes)))
    return out
