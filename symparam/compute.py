"""MACs and FLOPs of a network, from the costs each layer kind declares (Build.cost), under a named convention.

A layer's costs are per example, one kind each from model.COST_KINDS: multiply-accumulates (MACs) for "matmul" (a
product with the layer's weights: dense, convolution, recurrent gates, projections) and "attention" (a product of
two activations: QK^T, attention x values, Dot); operations for the rest. A convention says what a FLOP is:

- "torch" (the default) counts as torch.utils.flop_counter.FlopCounterMode does: 2 FLOPs per MAC of matmuls,
  convolutions and attention's two products in full; bias adds, normalizations, activations, softmax, element-wise
  operations and pooling are not counted. symparam and PyTorch's own counter agree out of the box.
- "all" adds every other operation the layers declare (one FLOP each, at the rates layers/costs.py states).
- "macs" counts one per MAC and nothing else (what fvcore and thop print as "flops").

The backward pass, exactly per layer: a matmul's gradient is two products of its size, one for its weights (when
they are trainable) and one for its other operand (when that needs a gradient: the layer's input needs none when
nothing before it is trainable, e.g. the first layer reading the data); attention's two products each need both
operands' gradients (2x, when they need any); every other operation is counted once more (1x: its local derivative
times the incoming gradient). Training = forward + backward (the optimizer's update is not counted).

Everything is per example, times the batch (the symbol `batch`, 1 unless set; a spec that declares its own `batch`
keeps it, and the batch is then called `compute_batch`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import sympy

from .account import Account, LayerAccount, Quantity, of
from .errors import SymparamError
from .expr import as_sympy, highest_terms
from .model import COST_KINDS, Cost, LayerRecord

MAC_KINDS = ("matmul", "attention")
OPERATION_KINDS = tuple(k for k in COST_KINDS if k not in MAC_KINDS)


@dataclass(frozen=True)
class Convention:
    name: str
    per_mac: int                       # FLOPs per multiply-accumulate of the MAC kinds
    counted: tuple[str, ...]           # the operation kinds counted, one FLOP per operation
    summary: str


CONVENTIONS: dict[str, Convention] = {c.name: c for c in (
    Convention("torch", 2, (), "as PyTorch's FlopCounterMode: 2 FLOPs per multiply-accumulate of matmuls, "
               "convolutions and attention's two products; bias, normalization, activation, softmax, element-wise "
               "and pooling operations not counted"),
    Convention("all", 2, OPERATION_KINDS, "2 FLOPs per multiply-accumulate, and one per operation of bias adds, "
               "normalizations, activations, softmax, element-wise operations and pooling"),
    Convention("macs", 1, (), "one per multiply-accumulate of matmuls, convolutions and attention (what fvcore and "
               "thop call FLOPs); nothing else"),
)}
DEFAULT = "torch"
BATCH_NAMES = ("batch", "compute_batch")


def convention(name: str) -> Convention:
    if name not in CONVENTIONS:
        raise SymparamError(f"--flops-convention must be one of {', '.join(CONVENTIONS)}. Received: "
                            f"--flops-convention {name}.")
    return CONVENTIONS[name]


def batch_name(symbols) -> str:
    """The batch's name for a network: `batch`, unless the spec declares a symbol of that name."""
    return next(n for n in BATCH_NAMES if n not in symbols)


def batch_symbol(symbols) -> sympy.Symbol:
    return sympy.Symbol(batch_name(symbols), integer=True, positive=True)


def take_batch(values: Mapping[str, int], symbols, symbolic: bool = False) -> tuple[int | None, dict[str, int]]:
    """The one batch rule of compute and memory: split --set bindings into the batch (`--set batch=N`, or
    `compute_batch` when the spec declares a `batch` of its own) and the spec's own bindings. Without one the batch
    is 1, or stays free (None) under --symbolic. `symbols` is any container of the spec's symbol names (several
    specs' names for diff)."""
    name = batch_name(symbols)
    rest = dict(values)
    batch = rest.pop(name, None)
    return (None if symbolic else 1) if batch is None else batch, rest


@dataclass(frozen=True)
class Options:
    convention: str = DEFAULT
    batch: int | None = 1              # None: the batch stays a symbol
    causal: bool = False               # attention under a causal mask: only the kept query-key pairs


class LayerCompute:
    """One layer's MACs, FLOPs, backward and training FLOPs, all its copies, times the batch: Quantities (None when
    an axis of unknown length makes a count unknown), made when first read."""

    __slots__ = ("layer", "input_grad", "_values", "_symbolic", "_make", "_made")

    def __init__(self, layer: LayerAccount, values, symbolic, make, input_grad: bool) -> None:
        self.layer, self.input_grad = layer, input_grad   # input_grad: whether its input needs a gradient
        self._values, self._symbolic, self._make, self._made = values, symbolic, make, {}

    def _quantity(self, i: int) -> Quantity | None:
        if i not in self._made:
            self._made[i] = self._make(self._values[i], lambda: self._symbolic()[i])
        return self._made[i]

    macs = property(lambda self: self._quantity(0))
    flops = property(lambda self: self._quantity(1))
    backward = property(lambda self: self._quantity(2))
    training = property(lambda self: self._quantity(3))

    @property
    def name(self) -> str:
        return self.layer.name

    @property
    def type(self) -> str:
        return self.layer.type


@dataclass(frozen=True, repr=False, eq=False)
class Report:
    account: Account
    options: Options
    convention: Convention
    batch: sympy.Expr
    layers: tuple[LayerCompute, ...]
    macs: Quantity | None
    flops: Quantity | None
    backward: Quantity | None
    training: Quantity | None

    def layer(self, name: str) -> LayerCompute:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)


def _count(cost: Cost, causal: bool):
    count = cost.causal if causal and cost.causal is not None else cost.count
    return int(count) if isinstance(count, sympy.Integer) else count   # numbers add up fast as Python integers


def _sum(parts):
    parts = list(parts)
    if any(p is None for p in parts):
        return None
    if all(isinstance(p, int) for p in parts):
        return sum(parts)
    return sympy.Add(*parts)


def forward_parts(record: LayerRecord, causal: bool = False) -> dict[str, sympy.Expr | None]:
    """One copy's forward costs by kind (every kind of COST_KINDS; 0 when not declared)."""
    out: dict[str, list] = {kind: [] for kind in COST_KINDS}
    for c in record.costs:
        out[c.kind].append(_count(c, causal))
    return {kind: _sum(parts) for kind, parts in out.items()}


def trainable_weights(record: LayerRecord) -> bool:
    """Whether the layer has weights that take gradients (its own or ones it shares with another layer)."""
    return any(v.trainable and not v.buffer for v in record.variables)


def backward_factor(cost: Cost, input_grad: bool, weights: bool) -> int:
    """How many times a forward cost recurs in the backward pass (see the module's docstring): a matmul once for its
    weights' gradient (when they are trainable) and once for its other operand's (when that needs one); attention's
    products twice (both operands); any other operation once, when anything needs a gradient."""
    operand = input_grad if cost.of_input else input_grad or weights   # the layer's own values need gradients
    if cost.kind == "matmul":
        return int(weights) + int(operand)
    if cost.kind == "attention":
        return 2 * int(operand)
    return int(operand or weights)


def backward_parts(record: LayerRecord, input_grad: bool, causal: bool = False) -> dict[str, sympy.Expr | None]:
    """One copy's backward costs by kind, given whether its input needs a gradient."""
    weights = trainable_weights(record)
    out: dict[str, list] = {kind: [] for kind in COST_KINDS}
    for c in record.costs:
        count = _count(c, causal)
        out[c.kind].append(None if count is None else backward_factor(c, input_grad, weights) * count)
    return {kind: _sum(parts) for kind, parts in out.items()}


def rate(conv: Convention, kind: str) -> int:
    """FLOPs per unit of a cost kind under a convention: per MAC, 1 per counted operation, else 0."""
    return conv.per_mac if kind in MAC_KINDS else int(kind in conv.counted)


def gradients(records) -> list[bool]:
    """For each layer, whether its input needs a gradient: some layer it reads (directly or not) has trainable
    weights. The network's inputs need none."""
    produced: dict[str, bool] = {}
    found = []
    for record in records:
        needs = any(produced.get(name, False) for name in record.inputs)
        found.append(needs)
        produced[record.name] = needs or trainable_weights(record)
    return found


def _layer_counts(record: LayerRecord, input_grad: bool, conv: Convention, causal: bool):
    """(MACs, FLOPs, backward FLOPs) of a layer, all its copies (None when a count is unknown): copies after the
    first read the previous copy's output, which needs a gradient when the layer has trainable weights. Numbers
    stay Python integers (fast); expressions become sympy sums."""
    weights = trainable_weights(record)
    n = record.repeat
    later_grad = input_grad or weights
    macs = flops = first = later = 0
    for c in record.costs:
        count = _count(c, causal)
        if count is None:
            return None, None, None
        if c.kind in MAC_KINDS:
            macs += count
        per = rate(conv, c.kind)
        if per:
            flops += per * count
            first += per * backward_factor(c, input_grad, weights) * count
            if n != 1 or record.copies:
                later += per * backward_factor(c, later_grad, weights) * count
    if record.copies:   # copies that grow (copy i's sizes): closed-form sums over the index; the first copy's rule
        first_copy = {index: 0 for index, _ in record.copies}
        backward = record.counted(later) - (as_sympy(later) - first).xreplace(first_copy)
        return record.counted(macs), record.counted(flops), sympy.expand(backward)
    if n == 1:
        return macs, flops, first
    return n * macs, n * flops, first + (n - 1) * later


class _Later(Quantity):
    """A Quantity whose symbolic side is worked out only when read (a derive shows the bound numbers)."""

    __slots__ = ("_make",)

    def __init__(self, value, make, formulas, group) -> None:
        super().__init__(value, None, formulas, group)
        self._make = make

    @property
    def symbolic(self) -> sympy.Expr:
        if self._symbolic_raw is None:
            self._symbolic_raw = self._make()
        return Quantity.symbolic.fget(self)


def _once(make):
    """`make()` worked out at most once."""
    kept = []

    def get():
        if not kept:
            kept.append(make())
        return kept[0]
    return get


def report(account, options: Options = Options()) -> Report:
    """The compute account of a network (or its parameter account): per layer and in total."""
    a = of(account)
    conv = convention(options.convention)
    symbol = batch_symbol(a.net.unbound.symbols)
    batch = symbol if options.batch is None else sympy.Integer(options.batch)
    group = (symbol, *a.grouping) if options.batch is None else a.grouping
    formulas = {a.net.unbound.symbols.get(k): sympy.Integer(v) if isinstance(v, int) else v
                for k, v in a.net.unbound.symbols.resolve({}, defaults=False).items()}

    def quantity(value, symbolic):
        if value is None:
            return None
        value = sympy.Integer(value) if isinstance(value, int) else value
        return _Later(value if batch == 1 else batch * value, lambda: batch * symbolic(), formulas, group)

    def counts(record, grad):
        found = _layer_counts(record, grad, conv, options.causal)
        return (*found, _sum(found[1:]))

    symbolic_grads = gradients(layer.symbolic for layer in a.layers)
    layers = []
    sums = [[] for _ in range(4)]
    symbolic_sides = []
    for layer, grad, sym_grad in zip(a.layers, gradients(layer.record for layer in a.layers), symbolic_grads):
        value = counts(layer.record, grad)
        symbolic = _once(lambda record=layer.symbolic, grad=sym_grad: counts(record, grad))
        symbolic_sides.append(symbolic)
        for column, v in zip(sums, value):
            column.append(v)
        layers.append(LayerCompute(layer, value, symbolic, quantity, grad))
    total = [quantity(_sum(column), lambda i=i: _sum(side()[i] for side in symbolic_sides))
             for i, column in enumerate(sums)]
    return Report(a, options, conv, batch, tuple(layers), *total)


TOKENS_PER_PARAMETER = 20    # Hoffmann et al. 2022 (Chinchilla): about 20 training tokens per parameter
TRAINING_PER_PARAMETER_TOKEN = 6   # training FLOPs = 6 * N * D (2 forward + 4 backward per parameter and token)


def optimal_split(budget: int, ratio: int = TOKENS_PER_PARAMETER) -> tuple[int, int]:
    """A training compute budget C split by Chinchilla's convention, C = 6*N*D with D = ratio*N: the largest whole
    N with 6*ratio*N^2 <= C (N = floor(sqrt(C / (6*ratio)))), and D = ratio*N tokens. Exact integers."""
    from math import isqrt
    if ratio < 1:
        raise SymparamError(f"--tokens-per-param must be a positive integer. Received: --tokens-per-param {ratio}.")
    n = isqrt(budget // (TRAINING_PER_PARAMETER_TOKEN * ratio))
    return n, ratio * n


def sequence_length(net):
    """The sequence length of a network that reads token sequences: the first axis of its first input when that
    input is a sequence, (L,) or (L, features); None for any other network."""
    shape = next(iter(net.inputs.values()), ())
    return shape[0] if 1 <= len(shape) <= 2 and shape[0] is not None else None


@dataclass(frozen=True)
class ClosedForms:
    """The per-token closed forms of a sequence model, read off symparam's exact counts (torch convention, no
    batch): Kaplan et al. (2020), forward C ≈ 2N + 2·n_layer·n_ctx·d_attn, and PaLM (Chowdhery et al. 2022, app.
    B), training 6N + 12·L·H·Q·T; N the non-embedding parameters. Each form and what it leaves out."""
    length: sympy.Expr                 # T, the sequence length
    parameters: sympy.Expr             # N
    forward: sympy.Expr                # exact forward FLOPs per token
    weights: sympy.Expr                # ... of which the products with weights (matmul)
    attention: sympy.Expr              # ... and attention's two products, in full
    causal: sympy.Expr                 # attention's products under a causal mask, per token
    training: sympy.Expr               # exact training FLOPs per token (full attention)
    training_weights: sympy.Expr
    training_attention: sympy.Expr
    kaplan: sympy.Expr                 # 2N + the leading part of the causal attention
    palm: sympy.Expr                   # 6N + the training attention in full

    @property
    def kaplan_leaves_out(self) -> dict[str, sympy.Expr]:
        return {"weight products beyond 2N (the output projection on tied or embedding weights, minus biases and "
                "norm parameters, which are no matmul weights)": sympy.expand(self.weights - 2 * self.parameters),
                "attention: full minus Kaplan's term (the causal mask keeps about half the pairs)":
                    sympy.expand(self.attention - (self.kaplan - 2 * self.parameters)),
                "attention under the causal mask minus Kaplan's term (the mask's diagonal)":
                    sympy.expand(self.causal - (self.kaplan - 2 * self.parameters))}

    @property
    def palm_leaves_out(self) -> dict[str, sympy.Expr]:
        return {"weight products beyond 6N": sympy.expand(self.training_weights - 6 * self.parameters),
                "attention beyond 12·L·H·Q·T": sympy.expand(self.training_attention
                                                            - (self.palm - 6 * self.parameters))}


def _by_kind(net, causal: bool, training: bool) -> dict[str, sympy.Expr]:
    """The MAC kinds' FLOPs (torch convention) over a network's records, forward or forward + backward."""
    conv = CONVENTIONS["torch"]
    out = {kind: sympy.Integer(0) for kind in MAC_KINDS}
    for record, grad in zip(net.layers, gradients(net.layers)):
        n = record.repeat
        parts = [(n, forward_parts(record, causal))]
        if training:
            later = grad or trainable_weights(record)
            parts += [(1, backward_parts(record, grad, causal)), (n - 1, backward_parts(record, later, causal))]
        for factor, counts in parts:
            for kind in MAC_KINDS:
                if counts[kind] is None:
                    raise SymparamError("the closed forms need every length known; an axis has unknown length.")
                out[kind] += factor * rate(conv, kind) * counts[kind]
    return out


def closed_forms(account) -> ClosedForms | None:
    """Kaplan's and PaLM's forms derived from the unbound network; None for a network without a sequence length or
    whose counts are not polynomials."""
    a = of(account)
    net = a.net.unbound
    formulas = {net.symbols.get(k): sympy.Integer(v) if isinstance(v, int) else v
                for k, v in net.symbols.resolve({}, defaults=False).items()}
    length = sequence_length(net)
    if length is None or length.is_number:
        return None
    embeddings = sympy.Add(*(layer.repeat * v.size for layer in net.layers for v in layer.variables
                             if v.counted and not v.buffer and v.category == "embedding"))
    parameters = sympy.expand((net.total - embeddings).xreplace(formulas))
    per_token = lambda expr: sympy.expand(expr.xreplace(formulas) / length)   # noqa: E731
    forward, causal = _by_kind(net, False, False), _by_kind(net, True, False)
    training = _by_kind(net, False, True)
    attention_causal = per_token(causal["attention"])
    top = highest_terms(attention_causal)
    if top is None:
        return None
    forms = ClosedForms(length, parameters, per_token(sum(forward.values())), per_token(forward["matmul"]),
                        per_token(forward["attention"]), attention_causal, per_token(sum(training.values())),
                        per_token(training["matmul"]), per_token(training["attention"]),
                        sympy.expand(2 * parameters + top), sympy.expand(6 * parameters
                                                                          + per_token(training["attention"])))
    return forms


