"""The records the engine produces: variables, layers, the network. Plain data: no formatting here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import sympy

Dim = sympy.Expr | None          # None: a dimension Keras leaves unknown (a variable-length axis)
Shape = tuple[Dim, ...]

# What a variable is, from a closed set every layer kind must choose from (words for display are `role`'s):
CATEGORIES = ("weight", "bias", "scale", "offset", "embedding", "statistic")

# What a layer's arithmetic is, from a closed set every layer kind declares its forward cost in (symparam.compute
# says which kinds a FLOP convention counts): "matmul" and "attention" count multiply-accumulates (MACs), the rest
# operations. "attention" is the product of two activations (QK^T, attention.V); "matmul" has a weight operand.
COST_KINDS = ("matmul", "attention", "bias", "normalization", "activation", "elementwise", "pooling", "softmax")


@dataclass(frozen=True)
class Cost:
    """One part of a layer's forward arithmetic per example (no batch axis), e.g. ("matmul", H*W*9*C*F, "...")."""
    kind: str                       # one of COST_KINDS
    count: sympy.Expr | None        # MACs (matmul, attention) or operations; None: an axis of unknown length
    words: str                      # what is counted: "kernel x input windows: out positions x k_h x k_w x C_in x F"
    of_input: bool = True           # a matmul with the layer's input as operand (its grad is skipped if none is needed)
    causal: sympy.Expr | None = None   # attention under a causal mask: only the products that are kept


# What a layer keeps for its backward pass, from a closed set every layer kind declares in `saves` (symparam.memory
# reads it with the record's shapes; docs/memory.md states the bytes of each):
#   none        nothing (a sum, a reshape, a lookup's output)
#   input       its input tensors (a matmul or convolution keeps them for the weight gradient)
#   output      its output (ReLU, sigmoid, tanh and softmax differentiate from their result)
#   activation  what its fused `activation` argument keeps: the output for relu/sigmoid/tanh/softmax/exponential,
#               the pre-activation (output-sized) for any other, nothing for none/linear
#   mask        one byte per kept flag: per output value by default, as the kind's `mask_values` counts
#   argmax      one int64 index per output value (max pooling)
#   indices     its input as int64 token indices (an embedding lookup)
#   statistics  fp32 statistics per normalized group, counted by the kind's `saved_statistics`
#   internal    tensors made inside the layer, counted by the kind's `saved_inside` (attention's projections and
#               probabilities, a recurrent layer's gates per step)
#   wrapped     what the wrapped layer (its `layer` argument) saves, over the whole input and output
#   unmodelled  not modelled yet: the network's activations are then unknown, and say why
SAVES = ("none", "input", "output", "activation", "mask", "argmax", "indices", "statistics", "internal",
         "wrapped", "unmodelled")


@dataclass(frozen=True)
class Variable:
    """One weight of a layer, under the framework's own name (kernel, bias, gamma, moving_mean, ...)."""
    name: str
    shape: tuple[sympy.Expr, ...]
    trainable: bool = True
    role: str = ""                  # words for the derivation: "weights", "input-hidden biases (layer 0)" ...
    labels: tuple[str, ...] = ()    # the letters of the generic formula, one per axis: k_h, k_w, C_in, F
    buffer: bool = False            # a PyTorch buffer, not a parameter
    shared_with: str = ""           # "layer/variable" this one is the same tensor as (counted there, not here)
    category: str = "weight"        # one of CATEGORIES: what the variable is (a BN beta is an offset)
    active: sympy.Expr = sympy.Integer(1)   # the share of it one token uses (a mixture's experts: top_k/n_experts)

    @property
    def size(self) -> sympy.Expr:
        return sympy.Mul(*self.shape)

    @property
    def counted(self) -> bool:
        return not self.shared_with


@dataclass(frozen=True)
class Condition:
    """What must hold for a layer to be valid, e.g. img_size >= 5 for a 'valid' 5x5 convolution."""
    relation: Any                   # a sympy relational (or a boolean once decided)
    key: str                        # the argument it comes from
    why: str                        # one phrase: "a 'valid' 5-wide window needs at least 5 inputs"
    where: str = ""                 # where it is reported, when not at a layer or the network (a block's use)


@dataclass(frozen=True)
class LayerRecord:
    index: int                      # 1-based position in the network (blocks expanded)
    name: str
    type: str                       # the kind's registry name (Keras class name)
    inputs: tuple[str, ...]         # the full names of the layers or network inputs it reads
    input_shapes: tuple[Shape, ...]
    output_shape: Shape
    variables: tuple[Variable, ...]
    conditions: tuple[Condition, ...] = ()
    args: Mapping[str, Any] = field(default_factory=dict)
    outputs: tuple[Shape, ...] = ()  # every output's shape, for a layer with several (else empty)
    repeat: sympy.Expr = sympy.Integer(1)   # how many copies of this layer the network holds (a repeated block)
    given: tuple[str, ...] = ()              # the argument keys the spec wrote (the rest are defaults)
    costs: tuple[Cost, ...] = ()             # the forward arithmetic of one copy, per example (symparam.compute)
    # a growing or indexed repeat: (index, count) pairs, outermost first; the variables' shapes are those of copy
    # `index` (0 for the first), and the layer's counts are their sums over index < count, in closed form
    copies: tuple[tuple[sympy.Symbol, sympy.Expr], ...] = ()
    warnings: tuple[str, ...] = ()   # what the framework allows and the user should know (a 0-length output axis)

    def counted(self, size: sympy.Expr) -> sympy.Expr:
        """`size` (of one copy) over every copy this layer stands for."""
        from .expr import sum_over
        total = self.repeat * size
        for index, count in reversed(self.copies):
            total = sum_over(total, index, count)
        return total

    def _sum(self, keep) -> sympy.Expr:
        return self.counted(sympy.Add(*(v.size for v in self.variables if v.counted and keep(v))))

    @property
    def params(self) -> sympy.Expr:
        """Parameters this layer adds to the network (all its copies; shared variables counted where they live)."""
        return self._sum(lambda v: not v.buffer)

    @property
    def trainable(self) -> sympy.Expr:
        return self._sum(lambda v: v.trainable and not v.buffer)

    @property
    def non_trainable(self) -> sympy.Expr:
        return self._sum(lambda v: not v.trainable and not v.buffer)

    @property
    def buffers(self) -> sympy.Expr:
        return self._sum(lambda v: v.buffer)

    @property
    def active(self) -> sympy.Expr:
        """Parameters one token uses (a mixture of experts uses top_k of its experts); `params` for other layers."""
        return self.counted(sympy.Add(*(v.size * v.active for v in self.variables if v.counted and not v.buffer)))


@dataclass(frozen=True)
class Network:
    """A derived network. `symbolic` is the same network before numbers were bound (itself when none were)."""
    name: str
    convention: str
    source: str                                 # the spec's file name, for messages
    inputs: Mapping[str, Shape]
    layers: tuple[LayerRecord, ...]
    symbols: Any                                # the SymbolTable
    bindings: Mapping[str, int | sympy.Rational] = field(default_factory=dict)   # the numbers substituted
    conditions: tuple[Condition, ...] = ()       # on the network's input sizes
    assumptions: tuple[tuple[str, Condition], ...] = ()   # (where: a layer name or "[network]", condition)
    symbolic: "Network | None" = None
    spec: Any = field(default=None, repr=False, compare=False)   # the parsed spec, read again at other structure

    @property
    def total(self) -> sympy.Expr:
        return sympy.Add(*(layer.params for layer in self.layers))

    @property
    def trainable(self) -> sympy.Expr:
        return sympy.Add(*(layer.trainable for layer in self.layers))

    @property
    def non_trainable(self) -> sympy.Expr:
        return sympy.Add(*(layer.non_trainable for layer in self.layers))

    @property
    def buffers(self) -> sympy.Expr:
        return sympy.Add(*(layer.buffers for layer in self.layers))

    @property
    def active(self) -> sympy.Expr:
        return sympy.Add(*(layer.active for layer in self.layers))

    @property
    def free_symbols(self) -> list[str]:
        """Names still free, in the order the spec declares or first uses them."""
        used: set[str] = set()
        for layer in self.layers:
            used |= {s.name for s in getattr(layer.repeat, "free_symbols", ())}
            used |= {s.name for _, count in layer.copies for s in count.free_symbols}
            for v in layer.variables:
                for d in v.shape:
                    used |= {s.name for s in d.free_symbols}
            for d in layer.output_shape:
                if d is not None:
                    used |= {s.name for s in d.free_symbols}
        return [n for n in self.symbols.names() if n in used]

    @property
    def unbound(self) -> "Network":
        return self.symbolic if self.symbolic is not None else self

    def layer(self, name: str) -> LayerRecord:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)
