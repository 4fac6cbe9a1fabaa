"""Sweeps: a grid of symbol values, the network's totals (and per-layer counts) at every point, exactly.

Bounds, checked before any work: a grid has at most MAX_POINTS points unless the caller raises the limit; a
grid is evaluated CELLS values at a time (points x columns), so a streamed sweep (`chunks`) holds one chunk in
memory whatever its size; a sweep held whole in memory (`run`) has at most MAX_CELLS values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

import numpy as np

from .errors import SymparamError, show
from .expr import check_name
from .model import Network

MAX_POINTS = 10_000_000
CELLS = 400_000            # values evaluated and formatted at once (points per chunk x columns): ~100 MB
MAX_CELLS = 50_000_000     # values a whole in-memory result may hold (about 400 MB of int64)
CHUNK = 250_000            # points per chunk at most (a progress step)
BIG = 2**62                # axis values from here on are held as Python integers


@dataclass(frozen=True)
class Axis:
    name: str
    values: Sequence[int]   # a range (never materialised) or a tuple

    @property
    def size(self) -> int:
        v = self.values
        if isinstance(v, range):
            return max(0, (v.stop - v.start + v.step - 1) // v.step)
        return len(v)

    @property
    def smallest(self) -> int:
        return self.values.start if isinstance(self.values, range) else min(self.values)

    @property
    def largest(self) -> int:
        v = self.values
        return v.start + (self.size - 1) * v.step if isinstance(v, range) else max(v)

    def at(self, index: np.ndarray) -> np.ndarray:
        """The values at these positions (int64, or Python integers past BIG)."""
        v = self.values
        big = self.largest >= BIG
        if isinstance(v, range):
            if big:
                return np.array([v.start + int(i) * v.step for i in index], dtype=object)
            return v.start + index.astype(np.int64) * v.step
        return np.array(v, dtype=object if big else np.int64)[index]


def parse_over(text: str) -> Axis:
    """`NAME=START:STOP[:STEP]` (STOP included) or `NAME=v1,v2,...`; every value a positive integer."""
    name, sep, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    usage = "--over takes NAME=START:STOP[:STEP] or NAME=v1,v2,... with positive integers"
    if not sep or not name or not spec:
        raise SymparamError(f"{usage}. Received: --over {show(text)}.")
    check_name(name)

    def number(part: str) -> int:
        part = part.strip().replace("_", "")
        if not re.fullmatch(r"[0-9]{1,19}", part) or int(part) < 1:
            raise SymparamError(f"{usage}; {part!r} is not a positive integer. Received: --over {show(text)}.")
        return int(part)

    if ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise SymparamError(f"{usage}. Received: --over {show(text)}.")
        start, stop = number(parts[0]), number(parts[1])
        step = number(parts[2]) if len(parts) == 3 else 1
        if stop < start:
            raise SymparamError(f"--over {name}: STOP ({stop}) is below START ({start}). Received: --over {text}.")
        return Axis(name, range(start, stop + 1, step))
    return Axis(name, tuple(number(p) for p in spec.split(",")))


@dataclass
class SweepResult:
    axes: list[Axis]
    columns: dict[str, np.ndarray]           # one per swept symbol, then total, trainable, non_trainable, layers
    valid: np.ndarray
    layer_columns: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.valid)


def grid_size(axes: Sequence[Axis]) -> int:
    size = 1
    for axis in axes:
        size *= axis.size
    return size


def check_size(axes: Sequence[Axis], max_points: int = MAX_POINTS) -> int:
    """The grid's size, refused past `max_points` (cheap: nothing is made)."""
    size = grid_size(axes)
    if size == 0:
        raise SymparamError("the grid is empty.")
    if size > max_points:
        raise SymparamError(f"the grid has {size:,} points, more than {max_points:,}; raise the limit with "
                            f"--max-points if you mean it.")
    return size


@dataclass
class Plan:
    """A checked, compiled sweep, not yet run."""
    axes: list[Axis]
    compiled: object
    layer_columns: list[str]
    size: int

    @property
    def columns(self) -> int:
        return len(self.axes) + 3 + len(self.layer_columns)

    @property
    def chunk(self) -> int:
        return max(1, min(CHUNK, CELLS // self.columns))


def plan(net: Network, axes: Sequence[Axis], *, per_layer: bool = False, max_points: int = MAX_POINTS,
         extra: dict | None = None) -> Plan:
    """Check the grid (names, values, size) and compile the formulas; refuse a grid over `max_points` first.
    `extra`: more columns, name -> expression in the same symbols (FLOPs, symparam.compute; memory bytes), after the
    totals and per-layer ones."""
    from .numeric import Compiled, NotExact, checks_for

    names = [a.name for a in axes]
    if len(set(names)) != len(names):
        raise SymparamError(f"--over names a symbol twice: {', '.join(names)}.")
    symbols = {s.symbol.name: s.symbol for s in net.symbols}
    for axis in axes:
        if axis.name not in symbols:
            known = ", ".join(net.unbound.free_symbols) or "none"
            raise SymparamError(f"--over {axis.name}: the spec has no symbol {axis.name!r}; its symbols are: {known}.")
        if axis.name in net.bindings:
            raise SymparamError(f"--over {axis.name}: the symbol is also bound by --set; sweep it or set it.")
    size = check_size(axes, max_points)
    missing = [s for s in net.free_symbols if s not in names]
    if missing:
        raise SymparamError(f"symbol {missing[0]!r} has no value: give it with --set {missing[0]}=VALUE, sweep it "
                            f"with --over, or declare a default in [symbols].")
    exprs = {"total": net.total, "trainable": net.trainable, "non_trainable": net.non_trainable}
    layer_columns = []
    if per_layer:
        for layer in net.layers:
            exprs[layer.name] = layer.params
            layer_columns.append(layer.name)
    for name, expr in (extra or {}).items():
        if name in exprs:
            raise SymparamError(f"a layer is named {name!r}, the name of the {name} column; rename the layer.")
        exprs[name] = expr
        layer_columns.append(name)
    try:
        compiled = Compiled([symbols[n] for n in names], exprs, checks_for(net))
    except NotExact as exc:
        raise SymparamError(f"this spec's formulas cannot be swept exactly ({exc}).") from None
    return Plan(list(axes), compiled, layer_columns, size)


def chunks(plan: Plan, progress: Callable[[int, int], None] | None = None) -> Iterator[SweepResult]:
    """The sweep, a chunk of points at a time, first axis slowest."""
    strides = []
    stride = 1
    for axis in reversed(plan.axes):
        strides.append(stride)
        stride *= axis.size
    strides.reverse()
    for start in range(0, plan.size, plan.chunk):
        index = np.arange(start, min(start + plan.chunk, plan.size), dtype=np.int64)
        grid = {a.name: a.at((index // s) % a.size) for a, s in zip(plan.axes, strides)}
        values, valid = plan.compiled.evaluate(grid)
        yield SweepResult(plan.axes, {**grid, **values}, valid, plan.layer_columns)
        if progress:
            progress(start + len(index), plan.size)


def run(net: Network, axes: Sequence[Axis], *, per_layer: bool = False, max_points: int = MAX_POINTS,
        progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """The whole sweep in memory (at most MAX_CELLS values); `chunks` streams a larger one."""
    job = plan(net, axes, per_layer=per_layer, max_points=max_points)
    if job.size * job.columns > MAX_CELLS:
        raise SymparamError(f"the sweep would hold {job.size:,} points x {job.columns} columns in memory, more "
                            f"than {MAX_CELLS:,} values; stream it (symparam sweep --format csv) or sweep fewer "
                            f"points.")
    return join(list(chunks(job, progress)))


def join(parts: Sequence[SweepResult]) -> SweepResult:
    """Chunks (or rows kept from them) as one result; a column is int64 unless a piece needed Python integers."""
    columns = {}
    for name in parts[0].columns:
        pieces = [p.columns[name] for p in parts]
        dtype = object if any(p.dtype == object for p in pieces) else np.int64
        columns[name] = np.concatenate([p.astype(dtype) for p in pieces])
    return SweepResult(parts[0].axes, columns, np.concatenate([p.valid for p in parts]), parts[0].layer_columns)
