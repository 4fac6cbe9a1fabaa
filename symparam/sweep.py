"""Sweeps: a grid of symbol values, the network's totals (and per-layer counts) at every point, exactly."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .errors import SymparamError, show
from .expr import check_name
from .model import Network

MAX_POINTS = 10_000_000
CHUNK = 250_000


@dataclass(frozen=True)
class Axis:
    name: str
    values: tuple[int, ...]


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
            raise SymparamError(f"{usage}; {part!r} is not a positive integer. Received: --over {text}.")
        return int(part)

    if ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise SymparamError(f"{usage}. Received: --over {text}.")
        start, stop = number(parts[0]), number(parts[1])
        step = number(parts[2]) if len(parts) == 3 else 1
        if stop < start:
            raise SymparamError(f"--over {name}: STOP ({stop}) is below START ({start}). Received: --over {text}.")
        count = (stop - start) // step + 1
        if count > MAX_POINTS * 10:
            raise SymparamError(f"--over {name} has {count:,} values, too many. Received: --over {text}.")
        return Axis(name, tuple(range(start, stop + 1, step)))
    values = tuple(number(p) for p in spec.split(","))
    return Axis(name, values)


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
        size *= len(axis.values)
    return size


def run(net: Network, axes: Sequence[Axis], *, per_layer: bool = False, max_points: int = MAX_POINTS,
        progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """Evaluate `net` (already bound for every symbol that is not swept) over the product of `axes`."""
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
    missing = [s for s in net.free_symbols if s not in names]
    if missing:
        raise SymparamError(f"symbol {missing[0]!r} has no value: give it with --set {missing[0]}=VALUE, sweep it "
                            f"with --over, or declare a default in [symbols].")
    size = grid_size(axes)
    if size == 0:
        raise SymparamError("the grid is empty.")
    if size > max_points:
        raise SymparamError(f"the grid has {size:,} points, more than {max_points:,}; raise the limit with "
                            f"--max-points if you mean it.")
    exprs = {"total": net.total, "trainable": net.trainable, "non_trainable": net.non_trainable}
    layer_columns = []
    if per_layer:
        for layer in net.layers:
            exprs[layer.name] = layer.params
            layer_columns.append(layer.name)
    try:
        compiled = Compiled([symbols[n] for n in names], exprs, checks_for(net))
    except NotExact as exc:
        raise SymparamError(f"this spec's formulas cannot be swept exactly ({exc}).") from None
    grids = _grid(axes)
    out: dict[str, list[np.ndarray]] = {name: [] for name in exprs}
    valid_parts = []
    for start in range(0, size, CHUNK):
        chunk = {n: g[start:start + CHUNK] for n, g in zip(names, grids)}
        values, valid = compiled.evaluate(chunk)
        for name, column in values.items():
            out[name].append(column)
        valid_parts.append(valid)
        if progress:
            progress(min(start + CHUNK, size), size)
    columns = {n: g for n, g in zip(names, grids)}
    for name, parts in out.items():
        dtype = object if any(p.dtype == object for p in parts) else np.int64
        columns[name] = np.concatenate([p.astype(dtype) for p in parts])
    return SweepResult(list(axes), columns, np.concatenate(valid_parts), layer_columns)


def _grid(axes: Sequence[Axis]) -> list[np.ndarray]:
    """The product of the axes, first axis slowest, as flat int64 arrays (or object arrays past int64)."""
    arrays = []
    for axis in axes:
        big = max(axis.values) >= 2**62
        arrays.append(np.array(axis.values, dtype=object if big else np.int64))
    if len(arrays) == 1:
        return arrays
    mesh = np.meshgrid(*arrays, indexing="ij")
    return [m.reshape(-1) for m in mesh]
