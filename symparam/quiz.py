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
from .expr import as_sympy
from .model import Network
from .printing import shape_text, spec_text
from .sweep import Axis, grid_size

STYLES = ("total", "layer", "shape", "largest")
MAX_VARIANTS = 100_000      # combinations of the --vary values, checked in bulk
MAX_DERIVED = 2_000         # combinations derived one by one when the checks cannot be evaluated in bulk
MAX_TRIED = 200             # variants derived while looking for K whose answers differ


@dataclass
class Question:
    style: str
    text: str          # plain words; `layer` names the layer asked about
    answer: str        # the answer, as text
    layer: str = ""
    value: object = None   # the answer as data: an int, a list of ints (a shape), or the answer text


@dataclass
class Variant:
    number: int
    values: dict[str, int]
    account: Account                 # the variant's network, added up
    questions: list[Question] = field(default_factory=list)
    seed: int = 0                    # the --seed the sheet was drawn with

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


def _depends(expr, varied: set[str]) -> bool:
    return any(str(s) in varied for s in getattr(expr, "free_symbols", ()))


def _candidates(net: Network, style: str, varied: set[str]) -> list[str]:
    """The layers whose asked quantity the varied symbols change ([''] for `total` when the total does)."""
    if style == "total":
        return [""] if _depends(net.total, varied) else []
    if style == "shape":
        return [layer.name for layer in net.layers if any(_depends(d, varied) for d in layer.output_shape)]
    return [layer.name for layer in net.layers if _depends(layer.params, varied)]   # layer, largest


_UNCHANGED = {"total": "the network's total does not depend on {}", "layer": "no layer's count depends on {}",
              "largest": "no layer's count depends on {}", "shape": "no layer's output shape depends on {}"}


def _askable(net: Network, styles, varied: set[str]) -> dict[str, list[str]]:
    """Per style, the layers a question may ask about: those whose answer the varied symbols change (a question
    they do not change has the same answer in every variant). A style with none is refused with one line."""
    out = {style: _candidates(net, style, varied) for style in dict.fromkeys(styles)}
    for style, layers in out.items():
        if not layers:
            others = [s for s in ("total", "layer", "shape") if _candidates(net, s, varied)]
            hint = f"ask --questions {','.join(others)} instead" if others else "vary another symbol"
            why = _UNCHANGED[style].format(", ".join(sorted(varied)))
            raise SymparamError(f"--questions {style}: {why}, so every variant would have the same answer; {hint}.")
    return out


def _questions(a: Account, styles, askable: dict[str, list[str]], rng: random.Random) -> list[Question]:
    """The variant's questions, one per style; a style named twice asks about another layer (never the same
    question twice), and is left out when no other layer is left."""
    out, asked = [], set()
    for style in styles:
        if style in ("total", "largest"):
            if style in asked:
                continue
            asked.add(style)
            if style == "total":
                out.append(Question(style, "How many parameters does the network have in total?",
                                    f"{int(a.total.value):,}", value=int(a.total.value)))
            else:
                most = max(int(layer.params.value) for layer in a.layers)
                names = [layer.name for layer in a.layers if layer.params.value == most]
                out.append(Question(style, "Which layer holds the most parameters?",
                                    f"{' and '.join(names)} ({most:,} parameters)",
                                    value={"layers": names, "parameters": most}))
            continue
        left = [name for name in askable[style] if (style, name) not in asked]
        if not left:
            continue
        layer = a.layer(rng.choice(left))
        asked.add((style, layer.name))
        if style == "layer":
            out.append(Question(style, f"How many parameters does layer {layer.name} ({layer.type}) have?",
                                f"{int(layer.params.value):,}", layer.name, int(layer.params.value)))
        else:
            shape = layer.record.output_shape
            out.append(Question(style, f"What is the output shape of layer {layer.name} ({layer.type}), without "
                                       f"the batch axis?", shape_text(shape), layer.name,
                                [int(d) if d is not None else None for d in shape]))
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
    from .engine import resolved
    askable = _askable(resolved(net.unbound, fixed, free=names), styles, set(names))   # the varied ones free
    rng = random.Random(seed)
    order = rng.sample(valid, len(valid)) if len(valid) <= MAX_DERIVED else rng.sample(valid, MAX_DERIVED)
    variants, seen, tried = [], set(), 0
    for values in order:
        if len(variants) == count or tried == MAX_TRIED:
            break
        tried += 1
        b = _bind(net, fixed, values)
        if b is None:
            continue   # the bulk check let one through
        if b.free_symbols or not b.total.is_number:
            raise SymparamError(f"symbol(s) {', '.join(b.free_symbols)} have no value: --set them, --vary them, "
                                f"or declare defaults.")
        a = build(b)
        questions = _questions(a, styles, askable, rng)
        answers = tuple(q.answer for q in questions)
        if answers in seen:
            continue   # a variant whose answers all equal another's teaches nothing new
        seen.add(answers)
        variants.append(Variant(len(variants) + 1, values, a, questions, seed))
    if len(variants) < count:
        raise SymparamError(f"--count {count} is more than the {len(variants)} variant(s) with different answers "
                            f"the --vary values give (of {tried} tried).")
    return variants


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
    """The network as an exercise states it, in Keras's call notation: the input, then each layer's kind with every
    argument a student needs, defaults included (see `_shown`). No answers."""
    table = {net.symbols.get(k): as_sympy(v) for k, v in net.bindings.items()}
    lines = [f"{name}: Input(shape={_value(tuple(s), table)})" for name, s in net.inputs.items()]
    previous = next(iter(net.inputs), None)
    for layer in net.layers:
        call = _call(layer.type, layer.args, layer.given, table)
        if layer.inputs and layer.inputs != (previous,):
            inputs = "[" + ", ".join(_value(name, table) for name in layer.inputs) + "]"
            call = call[:-1] + (", " if not call.endswith("()") else "") + f"inputs={inputs})"
        previous = layer.name
        lines.append(f"{layer.name}: {call}")
    return lines


def _shown(kind, key: str, value, given) -> bool:
    """Whether an argument is stated: every argument the spec wrote, and every other argument of the kind at its
    resolved value, except those the count and the shapes never depend on (initializers, regularizers, dtype,
    rates, activations, use_cudnn: an `inert` Arg; a kind's `inert_args`: stateful) and the base Layer's. An unset optional size
    (a pooling's strides) is stated as None, as Keras documents it; other unset options are left out."""
    from .layers.base import BASE_ARGS, Size, Sizes

    if key in given:
        return True
    arg = getattr(kind, "args", {}).get(key)
    if arg is None or key in BASE_ARGS or arg.inert or key in getattr(kind, "inert_args", ()):
        return False
    return value is not None or isinstance(arg, (Size, Sizes))


def _call(type_name: str, args, given, table) -> str:
    from .layers import lookup

    try:
        kind = lookup(type_name)
    except SymparamError:
        kind = None
    order = [*getattr(kind, "args", {}), *args]   # the kind's own order (Keras's signature), then any other
    keys = [key for key in dict.fromkeys(order) if key in args and _shown(kind, key, args[key], given)]
    shown = [f"{key}={_value(args[key], table)}" for key in keys]
    return f"{type_name}({', '.join(shown)})"


def _value(value, table) -> str:
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], type) and hasattr(value[1], "__dict__"):
        inner = value[0]   # a wrapped layer: (its kind, its resolved arguments)
        return _call(getattr(inner, "name", inner.__name__), vars(value[1]), (), table)
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_value(v, table) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, sympy.Basic):
        return spec_text(value.xreplace(table))
    if isinstance(value, str):
        return '"' + value + '"'
    return str(value)   # True, False, None, numbers: as Keras's call notation writes them
