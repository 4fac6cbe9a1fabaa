"""Exercise sheets: variants of one network with different numbers, questions about each, and the answers.

Variants come from the product of the --vary values; those whose numbers make a shape invalid are never used;
K of the valid ones are drawn with a seeded random generator, so a sheet can be made again exactly.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

import sympy

from .account import Account, build
from .errors import SymparamError
from .model import Network
from .printing import shape_text, spec_text
from .sweep import Axis, grid_size

STYLES = ("total", "layer", "shape", "largest")
MAX_VARIANTS = 100_000      # combinations of the --vary values, checked in bulk
MAX_DERIVED = 2_000         # combinations derived one by one when the checks cannot be evaluated in bulk


@dataclass
class Question:
    style: str
    text: str          # plain words; `layer` names the layer asked about
    answer: str        # the answer, as text
    layer: str = ""


@dataclass
class Variant:
    number: int
    values: dict[str, int]
    account: Account                 # the variant's network, added up
    questions: list[Question] = field(default_factory=list)

    @property
    def net(self) -> Network:
        return self.account.net


def parse_styles(text: str) -> tuple[str, ...]:
    styles = tuple(s.strip() for s in text.split(",") if s.strip())
    for style in styles:
        if style not in STYLES:
            raise SymparamError(f"--questions takes a comma-separated list of {', '.join(STYLES)}. Received: "
                                f"--questions {text}.")
    if not styles:
        raise SymparamError(f"--questions needs at least one of {', '.join(STYLES)}.")
    return styles


def _questions(a: Account, styles, rng: random.Random) -> list[Question]:
    out = []
    counted = [layer for layer in a.layers if layer.params.value != 0]
    for style in styles:
        if style == "total":
            out.append(Question(style, "How many parameters does the network have in total?",
                                f"{int(a.total.value):,}"))
        elif style == "layer" and counted:
            layer = rng.choice(counted)
            out.append(Question(style, f"How many parameters does layer {layer.name} ({layer.type}) have?",
                                f"{int(layer.params.value):,}", layer.name))
        elif style == "shape":
            layer = rng.choice(list(a.layers))
            out.append(Question(style, f"What is the output shape of layer {layer.name} ({layer.type}), without "
                                       f"the batch axis?", shape_text(layer.record.output_shape), layer.name))
        elif style == "largest" and counted:
            most = max(int(layer.params.value) for layer in a.layers)
            names = [layer.name for layer in a.layers if layer.params.value == most]
            out.append(Question(style, "Which layer holds the most parameters?",
                                f"{' and '.join(names)} ({most:,} parameters)"))
    return out


def make(net: Network, vary: list, count: int, seed: int, styles=("total",)) -> list[Variant]:
    """K distinct valid variants of `net` (bound except for the varied symbols), with their questions.

    The valid combinations are found in bulk (symparam.numeric over the grid, in product order), then K of them are
    drawn with the seeded generator and only those are derived. A spec whose checks cannot be evaluated in bulk is
    derived combination by combination, for at most MAX_DERIVED combinations."""
    names = [axis.name for axis in vary]
    symbols = set(net.symbols.names())
    for name in names:
        if name not in symbols:
            raise SymparamError(f"--vary {name}: the spec has no symbol {name!r}; its symbols are: "
                                f"{', '.join(net.unbound.free_symbols) or 'none'}.")
    axes = check_vary(vary)
    if count < 1:
        raise SymparamError(f"--count must be a positive integer. Received: --count {count}.")
    missing = [s for s in net.free_symbols if s not in names]
    if missing:
        raise SymparamError(f"symbol(s) {', '.join(missing)} have no value: --set them, --vary them, or declare "
                            f"defaults.")
    fixed = {k: v for k, v in net.bindings.items() if k not in names}
    valid = _valid_combinations(net, axes, fixed)
    if not valid:
        raise SymparamError("no combination of the --vary values gives a valid network (an output shape or a "
                            "condition fails for every one).")
    if count > len(valid):
        raise SymparamError(f"--count {count} is more than the {len(valid)} distinct valid variant(s) the --vary "
                            f"values give.")
    while True:
        rng = random.Random(seed)
        chosen = rng.sample(valid, count)
        bound = [_bind(net, fixed, values) for values in chosen]
        refused = [values for values, b in zip(chosen, bound) if b is None]
        if not refused:
            break
        valid = [values for values in valid if values not in refused]   # the bulk check let one through
        if count > len(valid):
            raise SymparamError(f"--count {count} is more than the {len(valid)} distinct valid variant(s) the "
                                f"--vary values give.")
    for b in bound:
        if b.free_symbols or not b.total.is_number:
            raise SymparamError(f"symbol(s) {', '.join(b.free_symbols)} have no value: --set them, --vary them, "
                                f"or declare defaults.")
    accounts = [(values, build(b)) for values, b in zip(chosen, bound)]
    return [Variant(i, values, a, _questions(a, styles, rng)) for i, (values, a) in enumerate(accounts, start=1)]


def check_vary(vary: list[Axis]) -> list[Axis]:
    """The --vary axes with their distinct values in order, refused past MAX_VARIANTS combinations (cheap)."""
    names = [axis.name for axis in vary]
    if len(set(names)) != len(names):
        raise SymparamError("--vary names a symbol twice.")
    axes = [axis if isinstance(axis.values, range) else Axis(axis.name, tuple(sorted(set(axis.values))))
            for axis in vary]
    grid = grid_size(axes)
    if grid > MAX_VARIANTS:
        raise SymparamError(f"--vary gives {grid:,} combinations; at most {MAX_VARIANTS:,}.")
    return axes


def _bind(net: Network, fixed: dict, values: dict) -> Network | None:
    from .engine import resolved
    try:
        return resolved(net.unbound, {**fixed, **values})
    except SymparamError:
        return None


def _valid_combinations(net: Network, axes: list[Axis], fixed: dict) -> list[dict[str, int]]:
    """The valid combinations of the axes' values, in product order (first axis slowest)."""
    from .numeric import Compiled, NotExact, checks_for
    from .sweep import Plan, chunks

    names = [axis.name for axis in axes]
    combos = itertools.product(*(axis.values for axis in axes))
    try:
        compiled = Compiled([net.symbols.get(name) for name in names], {}, checks_for(net))
    except NotExact:
        if grid_size(axes) > MAX_DERIVED:
            raise SymparamError(f"--vary gives {grid_size(axes):,} combinations, and this spec's checks cannot be "
                                f"evaluated in bulk: at most {MAX_DERIVED:,} are derived one by one. Give fewer "
                                f"values.") from None
        return [values for combo in combos if _bind(net, fixed, values := dict(zip(names, combo))) is not None]
    mask = [bool(ok) for part in chunks(Plan(axes, compiled, [], grid_size(axes))) for ok in part.valid]
    return [dict(zip(names, combo)) for combo, ok in zip(combos, mask) if ok]


def describe(net: Network) -> list[str]:
    """The network as an exercise states it: the input and each layer's type and arguments (no answers)."""
    table = {net.symbols.get(k): sympy.Integer(v) for k, v in net.bindings.items()}
    lines = [f"Input: {', '.join(f'{name} {shape_text(s)}' for name, s in net.inputs.items()) or '-'}"]
    previous = next(iter(net.inputs), None)
    for layer in net.layers:
        args = [f"{key} = {_value(layer.args[key], table)}" for key in layer.given
                if key in layer.args and layer.args[key] is not None]
        if layer.inputs and layer.inputs != (previous,):
            args.append(f"inputs = {', '.join(layer.inputs)}")
        previous = layer.name
        lines.append(f"{layer.name}: {layer.type}" + (f" ({', '.join(args)})" if args else ""))
    return lines


def _value(value, table) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_value(v, table) for v in value) + ")"
    if isinstance(value, sympy.Basic):
        return spec_text(value.xreplace(table))
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)
