"""What every layer kind is made of: its arguments (with Keras's names and defaults) and a build step.

A kind is one small class: `args` (argument descriptors), `summary` (one line), `no_params` (why it has no
parameters, if it has none) and `build(a, inputs, b)`, which declares variables and conditions on the Build `b`
and returns the output shape. Output-shape arithmetic lives in symparam.shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any, ClassVar, Sequence

import sympy

from ..errors import SymparamError, show
from ..expr import MAX_LITERAL_BITS
from ..model import CATEGORIES, COST_KINDS, Condition, Cost, Shape, Variable

REQUIRED = object()


class Context:
    """What parsing an argument needs: the symbol table, and where to record conditions on sizes."""

    def __init__(self, symbols, conditions: list[Condition]) -> None:
        self.symbols = symbols
        self.conditions = conditions

    def size(self, value: Any, key: str, minimum: int = 1) -> sympy.Expr:
        if type(value) is int and value.bit_length() > MAX_LITERAL_BITS:
            raise SymparamError(f"{key} is too large (at most 2**{MAX_LITERAL_BITS}). Received: {key} = {show(value)}.")
        expr = self.symbols.parse(value, key)
        expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        if expr.is_number:
            if not expr.is_integer or expr < minimum:
                raise SymparamError(f"{key} must be {expected} or an expression over symbols. "
                                    f"Received: {key} = {show(value)}.")
        elif expr.is_integer is not True and any(s.is_integer is not True for s in expr.free_symbols):
            names = ", ".join(sorted(s.name for s in expr.free_symbols if s.is_integer is not True))
            raise SymparamError(f"{key} must be {expected}, and {expr} is a fraction for some {names} (a rational "
                                f"where an integer is needed: round it, e.g. floor(...)). Received: {key} = "
                                f"{show(value)}.")
        elif not (expr.is_Symbol and (minimum <= 0 or expr.is_positive)):   # a positive symbol is >= 1 already
            relation = sympy.Ge(expr, minimum)
            if relation is sympy.false:   # -n: below the minimum whatever the symbols are (each is >= 1)
                names = sorted(s.name for s in expr.free_symbols)
                are = "is a positive integer" if len(names) == 1 else "are positive integers"
                raise SymparamError(f"{key} must be {expected}, and {expr} never is ({', '.join(names)} {are}). "
                                    f"Received: {key} = {show(value)}.")
            if relation is not sympy.true:
                self.conditions.append(Condition(relation, key, f"{key} must be {expected}"))
            whole = _whole(expr)
            if whole is not None:
                self.conditions.append(Condition(whole, key, f"{key} must be a whole number"))
        return expr

    def shape(self, value: Any, key: str) -> tuple:
        """A shape without the batch axis: a list of sizes, "none" for an axis of unknown length."""
        if not isinstance(value, list) or len(value) > 16:
            raise SymparamError(f"{key} must be a list of at most 16 sizes (\"none\" for an axis of unknown "
                                f"length), e.g. [\"img_size\", \"img_size\", 3]. Received: {key} = {show(value)}.")
        return tuple(None if _is_none(v) else self.size(v, key) for v in value)


def _whole(expr: sympy.Expr):
    """The condition that a size written with a division is a whole number (d_model / n_head: d_model % n_head == 0),
    or None when it is one whatever the symbols are (floor, ceil, //, or no division at all)."""
    if expr.is_integer:
        return None
    numerator, denominator = sympy.fraction(sympy.together(expr))
    if denominator == 1:
        return None
    relation = sympy.Eq(sympy.Mod(numerator, denominator), 0)
    return None if relation is sympy.true else relation


class Arg:
    """One constructor argument: its default and how a spec value becomes a Python value."""
    expected = "a value"
    inert = False   # the count and the shapes never depend on it (an exercise sheet need not state it)

    def __init__(self, default: Any = REQUIRED) -> None:
        self.default = default

    def parse(self, value: Any, key: str, ctx: Context) -> Any:
        return value

    def refuse(self, value: Any, key: str) -> SymparamError:
        return SymparamError(f"{key} must be {self.expected}. Received: {key} = {show(value)}.")


def _is_none(value: Any) -> bool:
    return isinstance(value, str) and value.lower() == "none"


class Size(Arg):
    expected = "a positive integer or an expression over symbols"

    def __init__(self, default: Any = REQUIRED, minimum: int = 1) -> None:
        super().__init__(default)
        self.minimum = minimum
        if minimum != 1:   # the catalogue and the error messages say what is accepted
            self.expected = f"an integer >= {minimum} or an expression over symbols"

    def parse(self, value, key, ctx):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise self.refuse(value, key)
        return ctx.size(value, key, self.minimum)


class Sizes(Arg):
    """A size per spatial axis: one size for all axes, or a list of `rank` sizes (kernel_size, strides)."""

    def __init__(self, rank: int, default: Any = REQUIRED, optional: bool = False) -> None:
        super().__init__(default)
        self.rank, self.optional = rank, optional
        self.expected = (f"a positive size or a list of {rank} positive sizes"
                         + (' or "none"' if optional else ""))

    def parse(self, value, key, ctx):
        if self.optional and (value is None or _is_none(value)):
            return None
        items = value if isinstance(value, list) else [value] * self.rank
        if len(items) != self.rank or any(isinstance(v, bool) or not isinstance(v, (int, str)) for v in items):
            raise self.refuse(value, key)
        return tuple(ctx.size(v, key) for v in items)


class Choice(Arg):
    """One of a few strings; case-insensitive where Keras lower-cases the value itself."""

    def __init__(self, *options: str, default: Any = REQUIRED, any_case: bool = True) -> None:
        super().__init__(default)
        self.options, self.any_case = options, any_case
        self.expected = "one of " + ", ".join(f'"{o}"' for o in options)

    def parse(self, value, key, ctx):
        if isinstance(value, str):
            chosen = value.lower() if self.any_case else value
            if chosen in self.options:
                return chosen
        raise self.refuse(value, key)


class Flag(Arg):
    expected = "true or false"

    def parse(self, value, key, ctx):
        if isinstance(value, bool):
            return value
        raise self.refuse(value, key)


# keras.activations' names (Keras 3.15); the count does not depend on them, but Keras refuses any other.
ACTIVATIONS = (
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
    "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu", "relu6", "selu", "sigmoid",
    "silu", "soft_shrink", "softmax", "softplus", "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax",
    "squareplus", "swish", "tanh", "tanh_shrink", "threshold",
)


class ActivationName(Arg):
    """An activation function's name (it does not change the count), or "none"."""
    inert = True
    expected = 'the name of a Keras activation such as "relu" or "softmax", or "none"'

    def parse(self, value, key, ctx):
        if _is_none(value):
            return None
        if isinstance(value, str) and value in ACTIVATIONS:
            return value
        if isinstance(value, str):
            import difflib
            close = difflib.get_close_matches(value.lower(), ACTIVATIONS, n=1)
            if close:
                return_hint = f" Did you mean \"{close[0]}\"?"
                raise SymparamError(f"{key} must be {self.expected}. Received: {key} = {show(value)}.{return_hint}")
        raise self.refuse(value, key)


class Real(Arg):
    inert = True
    def __init__(self, default: Any = REQUIRED, low: float = 0.0, high: float | None = None,
                 high_open: bool = False) -> None:
        super().__init__(default)
        self.low, self.high, self.high_open = low, high, high_open
        bound = "" if high is None else (f" and below {high}" if high_open else f" and at most {high}")
        self.expected = f"a number at least {low}{bound}"

    def parse(self, value, key, ctx):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise self.refuse(value, key)
        if value < self.low or (self.high is not None and (value >= self.high if self.high_open else value > self.high)):
            raise self.refuse(value, key)
        return value


class Int(Arg):
    """A plain integer that is not a size (an axis)."""
    expected = "an integer"

    def __init__(self, default: Any = REQUIRED, optional: bool = False) -> None:
        super().__init__(default)
        self.optional = optional
        if optional:
            self.expected = 'an integer or "none"'

    def parse(self, value, key, ctx):
        if self.optional and (value is None or _is_none(value)):
            return None
        if type(value) is int:
            return value
        raise self.refuse(value, key)


class Opaque(Arg):
    """An argument the count does not depend on (initializers, regularizers, constraints, dtype, seed)."""
    expected = "a string, number, boolean, list or table"
    inert = True

    def __init__(self, default: Any = None) -> None:
        super().__init__(default)


class Unsupported(Arg):
    """A Keras argument symparam does not model yet: accepted only at its default."""
    inert = True

    def __init__(self, default: Any = None, why: str = "") -> None:
        super().__init__(default)
        self.why = why

    def parse(self, value, key, ctx):
        if value is None or _is_none(value) or value == self.default:
            return self.default
        raise SymparamError(f"{key} is not supported by symparam yet ({self.why}). Received: {key} = {show(value)}.")


# Arguments every Keras layer takes (keras.layers.Layer.__init__); `name` is read by the spec loader.
BASE_ARGS: dict[str, Arg] = {
    "trainable": Flag(True),
    "dtype": Opaque(),
    "autocast": Opaque(),
    "activity_regularizer": Opaque(),
}


class Build:
    """Collects what a layer declares while it is built."""

    def __init__(self, trainable: bool = True) -> None:
        self.variables: list[Variable] = []
        self.conditions: list[Condition] = []
        self.costs: list[Cost] = []
        self.warnings: list[str] = []
        self.layer_trainable = trainable

    def weight(self, name: str, shape: Sequence[sympy.Expr], *, role: str, labels: Sequence[str], category: str,
               trainable: bool = True, buffer: bool = False, active: sympy.Expr = sympy.Integer(1)) -> None:
        """Declare a variable: its framework name, shape, display words (`role`), the letters of its generic
        formula (one per axis), and what it is (`category`, one of model.CATEGORIES); `active` is the share of it
        one token uses (an expert's weights in a mixture of experts: top_k/num_experts)."""
        if category not in CATEGORIES:
            raise ValueError(f"{name}: category must be one of {CATEGORIES}, not {category!r}")
        self.variables.append(Variable(name, tuple(shape), trainable and self.layer_trainable and not buffer,
                                       role, tuple(labels), buffer, category=category, active=active))

    def inner(self, kind: type, args: SimpleNamespace, inputs: Sequence[Shape], *, prefix: str = "",
              trainable: bool = True, times: Any = 1) -> Shape:
        """Build a wrapped layer here; its variables join this layer's, names prefixed by `prefix`; its costs join
        this layer's `times` over (a layer applied at every time step)."""
        sub = Build(trainable=self.layer_trainable and trainable and getattr(args, "trainable", True))
        shape = kind().build(args, inputs, sub)
        self.variables.extend(replace(v, name=prefix + v.name) for v in sub.variables)
        self.conditions.extend(sub.conditions)
        self.costs.extend(replace(c, count=_times(times, c.count), causal=_times(times, c.causal))
                          for c in sub.costs)
        return shape

    def cost(self, kind: str, count: Any, *, words: str, of_input: bool = True, causal: Any = None) -> None:
        """Declare part of the layer's forward arithmetic per example: `count` MACs for "matmul" and "attention",
        operations for the other kinds of model.COST_KINDS (0 is a declaration too: a layer that only moves
        values); None when an axis of unknown length makes it unknown. `words` say what is counted."""
        if kind not in COST_KINDS:
            raise ValueError(f"cost kind must be one of {COST_KINDS}, not {kind!r}")
        self.costs.append(Cost(kind, _expr(count), words, of_input, _expr(causal)))

    def free(self, words: str) -> None:
        """Declare that the layer does no arithmetic (it moves, copies or passes values): a cost of 0."""
        self.cost("elementwise", 0, words=words)

    def warn(self, why: str) -> None:
        """Record something the framework allows and the user should know: an output axis of length 0 (the one
        thing a warning permits: engine.build_record accepts a 0 length from a layer that warned)."""
        self.warnings.append(why)

    def require(self, relation: Any, key: str, why: str, received: str = "") -> None:
        """Record a condition; one that is already false is an error (`why`, then what was received)."""
        if relation is sympy.true or relation is True:
            return
        if relation is sympy.false or relation is False:
            raise SymparamError(f"{why}. Received: {received}." if received else f"{why}.")
        self.conditions.append(Condition(relation, key, why))


def _expr(count):
    return None if count is None else sympy.Integer(count) if isinstance(count, int) else count


def _times(times, count):
    return None if count is None or times is None else times * count


class NoTwin(Exception):
    """The layer has no equivalent in the other framework; the message says why."""


@dataclass
class Twin:
    """A layer's equivalent in the other framework: its kind, arguments and input shapes in that layout."""
    type: str                               # the other framework's kind, e.g. "nn.LSTM"
    args: dict[str, Any]                    # parsed values, overriding that kind's defaults
    inputs: list[Shape]                     # input shapes in that framework's layout
    note: str = ""                          # why the counts differ, when they do


@dataclass(frozen=True)
class AxisRule:
    """One output length worked from the input's (shapes.window_rule): the rule in its generic letters (n, k, s, d)
    and, per letter, the letter a lesson writes (H, k_h, s_h), this layer's value, where it comes from (an
    argument key, "key=other" for a default taken from another argument, or the index of the input axis it reads)
    and what it is ("the window's height")."""
    words: str                                            # "height", "width", "length"
    rule: sympy.Expr                                      # floor((n - k)/s) + 1
    letters: tuple[tuple[sympy.Symbol, str, Any, Any, str], ...]   # (symbol, letter, value, source, meaning)
    axis: int                                             # the output axis it gives
    padding: str


_AXIS_LETTERS = {1: (("length", ""),), 2: (("height", "h"), ("width", "w")),
                 3: (("depth", "d"), ("height", "h"), ("width", "w"))}
_INPUT_LETTER = {"length": "L", "depth": "D", "height": "H", "width": "W"}


def window_rules(spatial, windows, strides, dilations, padding: str, data_format: str,
                 keys: tuple[str, str, str]) -> tuple[AxisRule, ...]:
    """The rule of each spatial axis of a convolution or pooling (shapes.window_rule), with this layer's values;
    `keys` are the arguments holding the window, the stride and the dilation."""
    from ..shapes import window_rule
    rank = len(spatial)
    dilated = any(d != 1 for d in dilations)
    first = 1 if data_format == "channels_first" else 0
    out = []
    for i, ((words, sub), n, k, s, d) in enumerate(zip(_AXIS_LETTERS[rank], spatial, windows, strides, dilations)):
        rule, symbols = window_rule(padding, dilated)
        tail = f"_{sub}" if sub else ""
        letters = (_INPUT_LETTER[words], f"k{tail}", f"s{tail}", f"d{tail}")
        meanings = (f"the input's {words}", f"the window's {words}", f"the stride along the {words}",
                    f"the dilation along the {words}")
        entries = tuple(entry for entry in zip(symbols, letters, (n, k, s, d), (first + i, *keys), meanings)
                        if entry[0] is not None)
        out.append(AxisRule(words, rule, entries, first + i, padding))
    return tuple(out)


class LayerKind:
    """Base of every layer kind. Subclasses set the ClassVars and implement build().

    build() returns the output shape, or a list of shapes for a layer with several outputs.
    """
    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()   # other names Keras exports for the same class (MaxPool2D)
    summary: ClassVar[str] = ""
    saves: ClassVar[tuple[str, ...]] = ()   # what it keeps for backward, from model.SAVES; every kind declares it
    statistics_per_batch: ClassVar[bool] = False   # its saved statistics are per batch (BatchNorm), not per example
    args: ClassVar[dict[str, Arg]] = {}
    no_params: ClassVar[str] = ""          # why this kind has no parameters ("" if it has some)
    n_inputs: ClassVar[int | tuple[int, int | None]] = 1   # a count, or (least, most); most None: no limit
    convention: ClassVar[str] = "keras"    # "keras" kinds use Keras's names; "torch" kinds are written nn.<Class>
    # Parameter-free kinds whose meaning does not depend on the layout (element-wise merges) may also be used in
    # specs of the other convention: PyTorch has no module for a residual addition, its forward() just adds.
    any_convention: ClassVar[bool] = False
    # What a kind stands for when neither framework has a class of its name (transformers' MixtralSparseMoeBlock):
    # its arguments are then its own, not a framework constructor's.
    modelled_on: ClassVar[str] = ""
    # For the catalogue: arguments, an input shape (sizes may be symbol names) and numbers for those symbols,
    # e.g. ({"units": "units"}, ["n_in"], {"units": 10, "n_in": 256}).
    example: ClassVar[tuple[dict, list, dict] | None] = None

    @classmethod
    def all_args(cls) -> dict[str, Arg]:
        """Every argument a spec may give: the kind's own, and for Keras kinds Keras's base-layer ones."""
        return {**cls.args, **BASE_ARGS} if cls.convention == "keras" else dict(cls.args)

    def build(self, a: SimpleNamespace, inputs: Sequence[Shape], b: Build) -> Shape:
        raise NotImplementedError

    # The kernel or pooling window a derivation shows: (its words, the argument holding one size per axis).
    window_arg: ClassVar[tuple[str, str] | None] = None

    @classmethod
    def window(cls, a: SimpleNamespace) -> tuple[str, Sequence[Any]] | None:
        """The window as (words, one size per axis); None for a kind without one."""
        if cls.window_arg is None:
            return None
        words, key = cls.window_arg
        return words, getattr(a, key)

    # The lesson's words (symparam.derivation): one sentence in a teacher's voice, mathematics between $...$ in the
    # letters of the kind's formulas ("each of the $F$ filters spans $k_h × k_w × C_in$ inputs"); and per letter
    # what it stands for and where its value comes from: an argument (dotted into a wrapped layer: "layer.units")
    # or "input" (an axis of the input, found by its value).
    lesson: ClassVar[str] = ""
    mirrored: ClassVar[bool] = False       # its variables are two identical copies (forward, backward) in a row
    inert_args: ClassVar[tuple[str, ...]] = ()   # flags that change neither the count nor a shape (stateful)
    legend: ClassVar[dict[str, tuple[str, str]]] = {}

    @classmethod
    def shape_rule(cls, a: SimpleNamespace, inputs: Sequence[Shape]) -> tuple["AxisRule", ...]:
        """How the output's lengths follow from the input's, in letters, for a lesson to show: () for none."""
        return ()

    @classmethod
    def saved_statistics(cls, a: SimpleNamespace, inputs: Sequence[Shape], output: Shape) -> sympy.Expr:
        """Values of the fp32 statistics it keeps per example (for `saves` "statistics")."""
        raise NotImplementedError(f"{cls.name} saves statistics but does not count them")

    @classmethod
    def saved_inside(cls, a: SimpleNamespace, inputs: Sequence[Shape], output: Shape) -> sympy.Expr:
        """Values of the tensors it makes inside and keeps, per example (for `saves` "internal")."""
        raise NotImplementedError(f"{cls.name} saves internal tensors but does not count them")

    @classmethod
    def mask_values(cls, a: SimpleNamespace, inputs: Sequence[Shape], output: Shape) -> sympy.Expr:
        """How many one-byte mask values it keeps per example (for `saves` "mask"): one per output value."""
        return sympy.Mul(*output)

    @classmethod
    def kv_cache(cls, a: SimpleNamespace, inputs: Sequence[Shape]) -> sympy.Expr | None:
        """Values of the keys and values a decoder caches per example (the key length times the cached width);
        None for a kind that is not attention."""
        return None

    @classmethod
    def input_dtype(cls, a: SimpleNamespace) -> str | None:
        """What its inputs hold where they are not floats ("string", "int64": the lookups), for exported code."""
        return None

    @classmethod
    def keras_kwargs(cls, a: SimpleNamespace, written: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments exported Keras code passes (the spec's `written` ones, unless the kind says
        otherwise: a lookup given only vocabulary_size writes placeholder terms)."""
        return written

    @classmethod
    def imported(cls, table: dict[str, Any]) -> dict[str, Any]:
        """The spec arguments an imported Keras config's arguments become (a lookup keeps its vocabulary's size,
        not its terms)."""
        return table

    no_twin: ClassVar[str] = ""            # why the other framework has no equivalent layer
    # Why `symparam export` cannot write this kind as framework code ("" when it can), e.g. "is transformers' own
    # module, with no class in torch.nn or keras.layers".
    no_export: ClassVar[str] = ""

    @classmethod
    def twin(cls, a: SimpleNamespace, inputs: Sequence[Shape], convention: str):
        """This layer in the other framework (`convention`): a Twin; None when the layer has no parameters on
        either side; raise NoTwin(reason) when there is no equivalent."""
        if cls.no_twin:
            raise NoTwin(cls.no_twin)
        if not cls.no_params:
            raise NoTwin(f"symparam knows no {convention} equivalent of {cls.name}")
        return None
