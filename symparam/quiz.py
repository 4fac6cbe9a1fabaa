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

STYLES = ("total", "layer", "shape", "largest")
MAX_VARIANTS = 100_000


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
    """K distinct valid variants of `net` (bound except for the varied symbols), with their questions."""
    from .engine import resolved

    names = [axis.name for axis in vary]
    symbols = set(net.symbols.names())
    for name in names:
        if name not in symbols:
            raise SymparamError(f"--vary {name}: the spec has no symbol {name!r}; its symbols are: "
                                f"{', '.join(net.unbound.free_symbols) or 'none'}.")
    if len(set(names)) != len(names):
        raise SymparamError("--vary names a symbol twice.")
    grid = 1
    for axis in vary:
        grid *= len(set(axis.values))
    if grid > MAX_VARIANTS:
        raise SymparamError(f"--vary gives {grid:,} combinations; at most {MAX_VARIANTS:,}.")
    if count < 1:
        raise SymparamError(f"--count must be a positive integer. Received: --count {count}.")
    fixed = {k: v for k, v in net.bindings.items() if k not in names}
    valid = []
    for combo in itertools.product(*(sorted(set(axis.values)) for axis in vary)):
        values = dict(zip(names, combo))
        try:
            bound = resolved(net.unbound, {**fixed, **values})
        except SymparamError:
            continue
        if bound.free_symbols or not bound.total.is_number:
            missing = ", ".join(bound.free_symbols)
            raise SymparamError(f"symbol(s) {missing} have no value: --set them, --vary them, or declare defaults.")
        valid.append((values, bound))
    if not valid:
        raise SymparamError("no combination of the --vary values gives a valid network (an output shape or a "
                            "condition fails for every one).")
    if count > len(valid):
        raise SymparamError(f"--count {count} is more than the {len(valid)} distinct valid variant(s) the --vary "
                            f"values give.")
    rng = random.Random(seed)
    chosen = rng.sample(valid, count)
    accounts = [(values, build(bound)) for values, bound in chosen]
    return [Variant(i, values, a, _questions(a, styles, rng)) for i, (values, a) in enumerate(accounts, start=1)]


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
