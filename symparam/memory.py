"""Memory in bytes, exactly: weights by dtype, gradients, optimizer states (fp32 master weights under mixed
precision), the activations saved for backward, and the KV cache of decoder inference.

Every rule states the bytes it assumes (docs/memory.md gives the sources). Bytes are exact rationals (int4 is 1/2 a
byte per value), never floats. What a layer saves for backward is the layer kind's own declaration (`saves`, from
model.SAVES), read here with the record's shapes; activations are per example times the symbol `batch`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

from .account import Account
from .errors import SymparamError, show
from .expr import as_sympy

BATCH = sympy.Symbol("batch", integer=True, positive=True)   # the batch of a spec with no `batch` of its own


def batch_of(account: Account) -> sympy.Symbol:
    """The examples' symbol: compute's rule (`batch`, or `compute_batch` when the spec declares a `batch`)."""
    from .compute import batch_symbol
    return batch_symbol(account.net.unbound.symbols)

# Bytes per value of each storage type.
DTYPES = {"fp32": sympy.Integer(4), "fp16": sympy.Integer(2), "bf16": sympy.Integer(2), "fp8": sympy.Integer(1),
          "int8": sympy.Integer(1), "int4": sympy.Rational(1, 2)}
TRAINING_DTYPES = ("fp32", "fp16", "bf16")   # 16-bit training is mixed precision: fp32 master weights and states
FP32 = sympy.Integer(4)        # master weights, optimizer states, normalization statistics
INDEX = sympy.Integer(8)       # int64: token indices, max pooling's argmax
MASK = sympy.Integer(1)        # a bool keep mask (dropout)


@dataclass(frozen=True)
class Optimizer:
    name: str
    words: str
    states: int                     # full-size states per parameter
    state_bytes: sympy.Expr = FP32
    factored: bool = False          # Adafactor: second moments factored into row and column sums

    def state_values(self, shape) -> sympy.Expr:
        """Values of state this optimizer keeps for one variable of `shape`."""
        if not self.factored:
            return self.states * sympy.Mul(*shape)
        if len(shape) < 2:
            return sympy.Mul(*shape)               # a vector keeps its full second moment
        rows = sympy.Mul(*shape[:-1])              # torch.optim.Adafactor: row_var (..., n, 1), col_var (..., 1, m)
        cols = sympy.Mul(*shape[:-2]) * shape[-1]
        return rows + cols


OPTIMIZERS = {o.name: o for o in (
    Optimizer("sgd", "SGD: no state", 0),
    Optimizer("momentum", "SGD with momentum: one fp32 buffer per parameter", 1),
    Optimizer("adam", "Adam: first and second moments, fp32", 2),
    Optimizer("adamw", "AdamW: first and second moments, fp32", 2),
    Optimizer("adam8bit", "8-bit Adam (bitsandbytes): two one-byte states per parameter (block-wise fp32 absmax "
                          "left out)", 2, sympy.Integer(1)),
    Optimizer("adafactor", "Adafactor: factored second moments, fp32 (rows + columns of each matrix, a vector "
                           "in full; no first moment)", 0, factored=True),
)}

# Activations whose derivative is written with their result keep the output; any other keeps its input.
FROM_OUTPUT = ("relu", "sigmoid", "tanh", "softmax", "exponential")


@dataclass(frozen=True)
class Part:
    name: str                   # weights, gradients, master, optimizer, activations, kv_cache
    bytes: sympy.Expr
    rule: str                   # the rule in words, with the bytes it assumes


@dataclass(frozen=True)
class Memory:
    dtype: str
    optimizer: Optimizer | None
    parts: tuple[Part, ...]
    activations_by_layer: tuple[tuple[str, sympy.Expr], ...] = ()   # (full layer name, bytes) of what it first saves
    unknown: str = ""            # why the activations cannot be counted ("" when they are)
    recompute: bool = False

    def part(self, name: str) -> Part | None:
        return next((p for p in self.parts if p.name == name), None)

    @property
    def training(self) -> sympy.Expr | None:
        """Weights + gradients + master weights + optimizer states + activations (None without an optimizer or
        when the activations are unknown)."""
        if self.optimizer is None or self.unknown:
            return None
        return sympy.Add(*(p.bytes for p in self.parts if p.name != "kv_cache"))


def dtype_bytes(name: str, flag: str = "--dtype") -> sympy.Expr:
    if name not in DTYPES:
        raise SymparamError(f"{flag} must be one of {', '.join(DTYPES)}. Received: {flag} {show(name)}.")
    return DTYPES[name]


def optimizer(name: str) -> Optimizer:
    if name not in OPTIMIZERS:
        raise SymparamError(f"--optimizer must be one of {', '.join(OPTIMIZERS)}. Received: --optimizer {show(name)}.")
    return OPTIMIZERS[name]


# --- sizes with units -------------------------------------------------------------------------------------------

UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
         "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"^\s*(\d{1,30})(?:\.(\d{1,30}))?\s*([a-zA-Z]{0,3})\s*$")


def parse_bytes(text: str, flag: str = "--memory") -> int:
    """A size such as 24GiB, 1.5GB, 80e9 is not accepted: digits, an optional decimal part, a unit (B, kB, MB, GB,
    TB, KiB, MiB, GiB, TiB); exact, never through float(). The result must be a whole number of bytes."""
    match = _SIZE.match(text) if isinstance(text, str) and len(text) < 80 else None
    unit = match and match.group(3).lower()
    if not match or unit not in UNITS:
        raise SymparamError(f"{flag} must be a size such as 24GiB, 1.5GB or 800MB (units B, kB, MB, GB, TB, KiB, MiB, "
                            f"GiB, TiB). Received: {flag} {show(text)}.")
    whole, frac = match.group(1), match.group(2) or ""
    value = sympy.Rational(int(whole + frac), 10 ** len(frac)) * UNITS[unit]
    if not value.is_integer or value <= 0:
        raise SymparamError(f"{flag} must be a positive whole number of bytes. Received: {flag} {show(text)} = "
                            f"{value} bytes.")
    return int(value)


# --- activations ------------------------------------------------------------------------------------------------

class Unknown(Exception):
    """The activations cannot be counted; the message says why."""


def _size(shape, where: str) -> sympy.Expr:
    if any(d is None for d in shape):
        raise Unknown(f"{where} has an axis of unknown length")
    return sympy.Mul(*shape)


def saved(record, act: sympy.Expr, kind=None, args=None) -> dict:
    """What one layer (one copy) saves for backward: tensor id -> (values, bytes per value, whether the values are
    per batch rather than per example). `kind` and `args`: a wrapped layer's, on the wrapper's shapes."""
    from .layers import lookup
    kind = kind or lookup(record.type)
    args = args or _args(record)
    where = f"layer {record.index} '{record.name}' ({record.type})"
    outputs = record.outputs or (record.output_shape,)
    out: dict = {}
    for token in kind.saves:
        if token == "unmodelled":
            raise Unknown(f"what {where} saves for backward is not modelled yet")
        if token in ("input", "indices"):
            for name, shape in zip(record.inputs, record.input_shapes):
                out[name] = (_size(shape, where), INDEX if token == "indices" else act, False)
        elif token == "output":
            for i, shape in enumerate(outputs):
                out[record.name if i == 0 else f"{record.name}#{i}"] = (_size(shape, where), act, False)
        elif token == "activation":
            activation = getattr(args, "activation", None)
            if activation not in (None, "linear"):
                key = record.name if activation in FROM_OUTPUT else f"{record.name}:pre-activation"
                out[key] = (_size(outputs[0], where), act, False)
        elif token == "mask":
            _size(outputs[0], where)
            out[f"{record.name}:mask"] = (kind.mask_values(args, record.input_shapes, outputs[0]), MASK, False)
        elif token == "wrapped":
            inner_kind, inner_args = args.layer
            out.update(saved(record, act, inner_kind, inner_args))
        elif token == "argmax":
            out[f"{record.name}:argmax"] = (_size(outputs[0], where), INDEX, False)
        elif token in ("statistics", "internal"):
            for shape in (*record.input_shapes, *outputs):
                _size(shape, where)
            count = (kind.saved_statistics if token == "statistics" else kind.saved_inside)(
                args, record.input_shapes, outputs[0])
            statistics = token == "statistics"
            out[f"{record.name}:{token}"] = (as_sympy(count), FP32 if statistics else act,
                                             statistics and kind.statistics_per_batch)
    return out


def _args(record):
    from types import SimpleNamespace
    return SimpleNamespace(**record.args)


def _segment(record) -> str | None:
    """The repeated block copy a layer belongs to (its name prefix), or None outside a repeated block."""
    if record.repeat == 1 or "/" not in record.name:
        return None
    return record.name.rsplit("/", 1)[0]


def activations(account: Account, act: sympy.Expr, recompute: bool = False):
    """(total bytes, per layer bytes) of the activations saved for backward, `batch` examples.

    Each tensor is counted once (a ReLU's output is the next convolution's input), times the copies of the layer
    that saves it (a repeated block's copies each save their own). With `recompute`, each repeated block copy keeps
    only its input, and one copy's saved tensors are rebuilt at a time during backward: the kept inputs plus the
    largest copy's saved tensors."""
    batch = batch_of(account)
    tensors: dict = {}
    owner: dict = {}
    by_segment: dict = {}
    for layer in account.layers:
        record = layer.record
        for key, (values, size, per_batch) in saved(record, act).items():
            copies = record.repeat
            if key in tensors:
                old = tensors[key]
                tensors[key] = (*old[:3], sympy.Max(old[3], copies) if old[3] != copies else copies)
                continue
            tensors[key] = (values, size, per_batch, copies)
            owner[key] = record
    per_layer: dict = {layer.name: sympy.Integer(0) for layer in account.layers}
    for key, (values, size, per_batch, copies) in tensors.items():
        record = owner[key]
        count = values * size * (1 if per_batch else batch)
        if recompute and _segment(record) is not None:
            by_segment.setdefault(_segment(record), {})[key] = count
            continue
        per_layer[record.name] += record.counted(count) if record.copies else copies * count
    if recompute:
        for segment, parts in by_segment.items():
            first = next(layer.record for layer in account.layers if _segment(layer.record) == segment)
            inputs = dict(zip(first.inputs, first.input_shapes))       # the copy's input, kept (once per name)
            kept = sympy.Add(*(_size(s, segment) for s in inputs.values())) * act * batch
            rebuilt = sympy.Add(*(c for key, c in parts.items() if key not in inputs))   # its input is kept already
            per_layer[first.name] += first.repeat * kept + rebuilt
    total = sympy.expand(sympy.Add(*per_layer.values()))
    return total, tuple((name, sympy.expand(b)) for name, b in per_layer.items())


def kv_cache(account: Account, act: sympy.Expr) -> sympy.Expr | None:
    """Keys and values an autoregressive decoder caches: per attention layer (times its copies) the kind's count
    (2 · key length · kv heads · head_dim for multi-head attention), `batch` sequences; None without attention."""
    from .layers import lookup
    found = []
    for layer in account.layers:
        record = layer.record
        values = lookup(record.type).kv_cache(_args(record), record.input_shapes)
        if values is not None:
            found.append(record.counted(values))
    return sympy.expand(batch_of(account) * act * sympy.Add(*found)) if found else None


# --- the estimate -----------------------------------------------------------------------------------------------

def _trainable_shapes(account: Account):
    for layer in account.layers:
        for term in layer.terms:
            if term.variable.trainable:
                yield layer.record.repeat, term.variable.shape


def estimate(account: Account, dtype: str = "fp32", optimizer_name: str | None = None,
             recompute: bool = False, batch=None) -> Memory:
    """The memory of a network: weights at `dtype`; with an optimizer, training at `dtype` (mixed precision below
    fp32: fp32 master weights and states); activations and the KV cache at `dtype`, `batch` examples (the symbol
    `batch` when None)."""
    size = dtype_bytes(dtype)
    opt = optimizer(optimizer_name) if optimizer_name is not None else None
    params, trainable, buffers = account.total.value, account.trainable.value, account.buffers.value
    parts = [Part("weights", sympy.expand(size * (params + buffers)),
                  f"every parameter{' and buffer' if buffers != 0 else ''} at {dtype}: {size} bytes each")]
    unknown = ""
    per_layer: tuple = ()
    if opt is not None:
        if dtype not in TRAINING_DTYPES:
            raise SymparamError(f"training memory is modelled at {', '.join(TRAINING_DTYPES)}; {dtype} is for "
                                f"inference. Received: --dtype {dtype} --optimizer {opt.name}.")
        mixed = dtype != "fp32"
        parts.append(Part("gradients", sympy.expand(size * trainable),
                          f"one gradient per trainable parameter at {dtype}: {size} bytes each"))
        if mixed:
            parts.append(Part("master", sympy.expand(FP32 * trainable),
                              "mixed precision: an fp32 master copy of every trainable parameter: 4 bytes each"))
        states = sympy.Add(*(copies * opt.state_values(shape) for copies, shape in _trainable_shapes(account)))
        parts.append(Part("optimizer", sympy.expand(opt.state_bytes * states),
                          f"{opt.words}: {opt.state_bytes} bytes per state value"))
        try:
            total, per_layer = activations(account, size, recompute)
            parts.append(Part("activations", total,
                              f"saved for backward at {dtype} ({size} bytes), int64 indices 8, masks 1, "
                              f"statistics fp32 4; batch examples" + ("; recomputed per block copy" if recompute
                                                                      else "")))
        except Unknown as exc:
            unknown = str(exc)
    cache = kv_cache(account, size)
    if cache is not None:
        parts.append(Part("kv_cache", cache, f"decoder inference: every attention layer's keys and values for "
                                             f"each key position at {dtype}: {size} bytes each; batch sequences"))
    memory = _bound(Memory(dtype, opt, tuple(parts), per_layer, unknown, recompute), _bindings(account))
    return memory if batch is None else _bound(memory, {batch_of(account): sympy.Integer(batch)})


def _bindings(account: Account) -> dict:
    """The network's formula defaults, then its numbers: a kind's arguments keep the spec's sizes (num_heads =
    n_head) where its shapes are bound, so every count is brought to the bindings."""
    sym = account.net.unbound.symbols
    table = {sym.get(k): sympy.Integer(v) if isinstance(v, int) else v
             for k, v in sym.resolve({}, defaults=False).items()}
    numbers = {sym.get(k): as_sympy(v) for k, v in account.bindings.items()}   # a rational too
    return {k: v.xreplace(numbers) for k, v in table.items()} | numbers


def _bound(memory: Memory, table: dict) -> Memory:
    if not table:
        return memory
    return Memory(memory.dtype, memory.optimizer,
                  tuple(Part(p.name, sympy.expand(p.bytes.xreplace(table)), p.rule) for p in memory.parts),
                  tuple((n, sympy.expand(b.xreplace(table))) for n, b in memory.activations_by_layer), memory.unknown,
                  memory.recompute)


def readable_bytes(value: sympy.Expr) -> str:
    """'124,439,808 bytes (118.7 MiB)' for a number; the expression's text otherwise (the MiB figure is rounded
    for reading only: the count itself stays exact)."""
    from .printing import text
    if not value.is_number:
        return text(value)
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= scale:
            tenths = sympy.floor(sympy.Rational(value) * 10 / scale + sympy.Rational(1, 2))
            return f"{text(value)} bytes ({tenths // 10}.{tenths % 10} {unit})"
    return f"{text(value)} bytes"
