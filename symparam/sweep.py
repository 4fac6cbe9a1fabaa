"""Sweeps: a grid of symbol values, the network's totals (and per-layer counts) at every point, exactly.

Bounds, checked before any work: a grid has at most MAX_POINTS points unless the caller raises the limit; a
grid is evaluated CELLS values at a time (points x columns), so a streamed sweep (`chunks`) holds one chunk in
memory whatever its size; a sweep held whole in memory (`run`) has at most MAX_CELLS values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Iterator, Sequence

import numpy as np

from .errors import SymparamError, show
from .expr import check_name
from .model import Network
from .symbols import binding_text, check_value, describe_type, parse_value

MAX_POINTS = 10_000_000
CELLS = 400_000            # values evaluated and formatted at once (points per chunk x columns): ~100 MB
MAX_CELLS = 50_000_000     # values a whole in-memory result may hold (about 400 MB of int64)
CHUNK = 250_000            # points per chunk at most (a progress step)
BIG = 2**62                # axis values from here on are held as Python integers
MAX_DERIVES = 1_000        # combinations of rational, boolean and choice values (each one derive of the spec)
OUTER_TYPES = ("rational", "bool", "choice")


@dataclass(frozen=True)
class Axis:
    name: str
    values: Sequence        # a range of integers (never materialised), or a tuple of values

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
    """`NAME=START:STOP[:STEP]` (STOP included; integers, or exact decimals and fractions: 1:2:1/10) or
    `NAME=v1,v2,...` (integers, 0 included, decimals, fractions, true, false, words). Each value is read by
    symbols.parse_value, exactly; whether the symbol takes it is checked against its type by `typed`."""
    name, sep, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    usage = ("--over takes NAME=START:STOP[:STEP] or NAME=v1,v2,... (integers, exact decimals such as 1.1 or "
             "fractions such as 6/5, true, false or words)")
    if not sep or not name or not spec:
        raise SymparamError(f"{usage}. Received: --over {show(text)}.")
    check_name(name)

    def value(part: str, number: bool = False):
        parsed = parse_value(part.strip())
        if parsed is None or (number and isinstance(parsed, (bool, str))) or \
                (type(parsed) is int and parsed < 0) or (isinstance(parsed, Fraction) and parsed < 0):
            what = "a number >= 0" if number else "a value"
            raise SymparamError(f"{usage}; {show(part.strip())} is not {what}. Received: --over {show(text)}.")
        return parsed

    if ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise SymparamError(f"{usage}. Received: --over {show(text)}.")
        start, stop = value(parts[0], True), value(parts[1], True)
        step = value(parts[2], True) if len(parts) == 3 else 1
        if step == 0:
            raise SymparamError(f"--over {name}: the STEP '0' is not a positive integer or fraction. Received: "
                                f"--over {show(text)}.")
        if stop < start:
            raise SymparamError(f"--over {name}: STOP ({stop}) is below START ({start}). Received: --over {text}.")
        if all(type(v) is int for v in (start, stop, step)):
            return Axis(name, range(start, stop + 1, step))
        count = int((Fraction(stop) - Fraction(start)) / Fraction(step)) + 1
        if count > MAX_DERIVES:
            raise SymparamError(f"--over {name}: a range of fractions has {count:,} values, more than "
                                f"{MAX_DERIVES:,} (each is derived on its own).")
        return Axis(name, tuple(start + i * Fraction(step) for i in range(count)))
    return Axis(name, tuple(value(p) for p in spec.split(",")))


def typed(axes: Sequence[Axis], symbols) -> list[Axis]:
    """The axes with their values as the symbols' declared types hold them (an undeclared free symbol is a
    positive integer): 0 for a natural, exact rationals (sympy.Rational) for a rational, true/false, a choice's
    words. A value of the wrong type is an error naming it."""
    out = []
    for axis in axes:
        info = symbols.info(axis.name) if axis.name in symbols else None
        kind, words = (info.type, info.values) if info is not None else ("positive", ())
        values = axis.values
        if kind in OUTER_TYPES and axis.size > MAX_DERIVES:
            raise SymparamError(f"--over {axis.name}: {axis.size:,} values, more than {MAX_DERIVES:,} (each "
                                f"{kind} value is derived on its own).")
        if isinstance(values, range) and kind in ("positive", "natural"):
            checked = [check_value(kind, values.start)]
        else:
            checked = [check_value(kind, v, words) for v in values]
        for v, c in zip(values, checked):
            if c is None or (isinstance(v, Fraction) and kind != "rational"):
                raise SymparamError(f"--over {axis.name}: {show(binding_text(v))} is not "
                                    f"{describe_type(kind, words)} (the symbol's type).")
        out.append(axis if isinstance(values, range) or kind in ("positive", "natural") else
                   Axis(axis.name, tuple(checked)))
    return out


def split(axes: Sequence[Axis], symbols) -> tuple[list[Axis], list[Axis]]:
    """(the axes each value of which is derived on its own: rationals, booleans, choices; the integer axes the
    compiled formulas sweep). The first vary slowest, in their order."""
    def outer(axis: Axis) -> bool:
        return axis.name in symbols and symbols.info(axis.name).type in OUTER_TYPES
    first = [a for a in axes if outer(a)]
    size = grid_size(first)
    if size > MAX_DERIVES:
        raise SymparamError(f"--over gives {size:,} combinations of rational, boolean and choice values, more than "
                            f"{MAX_DERIVES:,} (each is derived on its own); sweep fewer.")
    return first, [a for a in axes if not outer(a)]


def with_values(part: "SweepResult", values: dict, axes: Sequence[Axis]) -> "SweepResult":
    """A chunk of the integer axes' sweep with the columns of the values it was derived at (rationals,
    booleans, choices), the axes in the order given."""
    columns = {a.name: part.columns[a.name] if a.name not in values else
               np.array([values[a.name]] * part.size, dtype=object) for a in axes}
    rest = {k: v for k, v in part.columns.items() if k not in columns}
    return SweepResult(list(axes), {**columns, **rest}, part.valid, part.layer_columns)


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
    symbols = {s.symbol.name: s.symbol for s in net.symbols if s.symbol is not None}   # not a bool or choice
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
