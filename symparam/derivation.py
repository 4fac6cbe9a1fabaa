"""The worked derivation the way a lesson writes it, in no output format yet.

Per layer: what comes in, the kernel or window size where there is one, each variable with its generic formula in
letters, the same with the spec's sizes, the numbers, the value; the layer's total; why a layer without parameters
has none; the output shape worked out. Then the network's totals in symbols and, where bound, in numbers; buffers
(PyTorch) apart; the assumptions under which it all holds.

Words are plain text (each renderer escapes them for its format); math is held as LaTeX strings printed by
symparam.printing (\\mathrm{img\\_size}, 128{,}952). Products keep the variable's axis order (k_h·k_w·C_in·F),
never sympy's. It reads the network's account (symparam.account): every count and form comes from there.
Renderers: render/latex.py, latex_document.py, markdown.py, html.py.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import lru_cache
from types import SimpleNamespace
from typing import Iterator, Mapping

import sympy

from .account import Account, LayerAccount, Term, alike, of
from .expr import as_sympy
from .layers import lookup
from .model import LayerRecord
from .printing import SHORTHAND, Shorthands, SymparamLatexPrinter, label, latex, latex_name, product_text
from .printing import nameable as _nameable
from .shapes import window_rule
from .symbols import binding_text
from .totals import LISTED

TIMES = r" \cdot "
Form = tuple[str, ...]   # one side of an equation: its terms (LaTeX), added; a term "- x" is subtracted


def join(terms) -> str:
    """'a + b - c' from the terms ('a', 'b', '- c')."""
    out = ""
    for term in terms:
        out += term if not out else (f" {term}" if term.startswith("- ") else f" + {term}")
    return out


@dataclass(frozen=True)
class Line:
    """One line of the worked answer: what it is about, then equal forms of one quantity, left to right."""
    words: str                       # plain text: "weights", "parameters", "total"
    forms: tuple[Form, ...]          # e.g. (k_h·k_w·C_in·F,), (3·3·3·32,), (864,)
    name: str = ""                   # the framework's variable name ("kernel"), shown beside the words
    note: str = ""                   # plain text: "not trainable"

    @property
    def math(self) -> str:
        """The whole chain as one LaTeX formula: 'a = b = c'."""
        return " = ".join(join(form) for form in self.forms)


Segment = tuple[str, str]   # ("text", plain words) or ("math", LaTeX): a sentence, mathematics typeset as such


@dataclass(frozen=True)
class Legend:
    """What one letter of a rule is in this layer: 'C_in = filters_1 = 6', 'input channels (the filters of conv1)'."""
    math: str                        # LaTeX
    words: str                       # plain text


@dataclass(frozen=True)
class LayerDerivation:
    index: int                       # 1-based position in the network (blocks expanded)
    name: str
    type: str
    summary: str                     # plain text, one sentence without its full stop ("" when the kind has none)
    repeat: str                      # LaTeX: how many copies the network holds ("" for one)
    inputs: tuple[str, ...]          # LaTeX, one shape per input
    window: Line | None              # the kernel or pooling window size, where the layer has one
    params: tuple[Line, ...]         # one line per parameter variable
    total: Line | None               # the layer's parameters, added up (None when it has none)
    no_params: str                   # plain text: why it has no parameters ("" when it has some)
    buffers: tuple[Line, ...]        # one line per buffer (PyTorch's running statistics): not parameters
    output: Line                     # the output shape: in the spec's symbols, with the numbers, the value
    lesson: tuple[Segment, ...] = ()  # one sentence in the lesson's voice (without its full stop)
    legend: tuple[Legend, ...] = ()  # each letter of the rules: its value here and where it comes from
    shape: tuple[Line, ...] = ()     # output lengths worked by the layer's own rule from its own input
    macs: tuple[Line, ...] = ()      # with a compute report: each product's MACs, the layer's MACs and FLOPs


@dataclass(frozen=True)
class Row:
    """One row of the network table."""
    name: str
    type: str
    output: str                      # LaTeX
    formula: str                     # LaTeX, "" for a layer without parameters
    params: str                      # LaTeX
    note: str = ""                   # plain text: variables counted in another layer ("kernel tied to wte/embeddings")


@dataclass(frozen=True)
class Assumption:
    where: str                       # a layer name or "[network]"
    key: str
    math: str                        # LaTeX: \mathrm{img\_size} \geq 2
    why: str                         # plain text


@dataclass(frozen=True)
class Derivation:
    name: str
    convention: str
    bindings: tuple[str, ...]        # LaTeX: \mathrm{img\_size} = 32
    free: tuple[str, ...]            # LaTeX: each free symbol
    rows: tuple[Row, ...]
    total: str                       # LaTeX: the network's total, for the table's last row
    layers: tuple[LayerDerivation, ...]
    totals: tuple[Line, ...]         # the total in symbols, then (when numbers change it) with the numbers
    split: tuple[Line, ...]          # trainable, non-trainable
    buffers: Line | None             # buffers in all, when there are any
    assumptions: tuple[Assumption, ...]
    shorthands: tuple[Line, ...] = ()   # each shorthand letter the formulas use: q_1 = its formula (= its value)


# ---- shorthands: a letter for a part of a formula that cannot be broken across lines --------------------------------

def _latex_letter(n: int) -> str:
    return f"{SHORTHAND}_{{{n}}}"   # q_{1}


_NAMES: ContextVar[Shorthands | None] = ContextVar("symparam_shorthands", default=None)   # set by derive()


class _WithNumbers(SymparamLatexPrinter):
    """For shapes and table cells: a/2 rather than \\frac; bound symbols print as their numbers, unevaluated
    (floor(img_size/2) -> \\lfloor 32/2 \\rfloor)."""

    def __init__(self, values: dict[str, sympy.Rational]) -> None:
        super().__init__({"mul_symbol": "dot", "fold_short_frac": True})   # a/2, not \frac: shapes sit in text
        self.values = values
        self._memo: dict = {}

    def doprint(self, expr) -> str:
        """Printed once per expression (a deep network repeats the same sizes in every layer)."""
        key = (expr, _NAMES.get())
        if key not in self._memo:
            self._memo[key] = super().doprint(expr)
        return self._memo[key]

    def _print(self, expr, **kwargs):
        names = _NAMES.get()
        if names is not None and _nameable(expr):
            letter, k = names.named(expr)   # a choice squared (sympy folds it into the cases) is its letter squared
            named = f"{letter}^{{{k}}}" if k != 1 else letter
            if kwargs.get("exp"):   # printed as a base: q_{1}^{2}, or (q_{1}^{2})^{3}
                return f"{named}^{{{kwargs['exp']}}}" if k == 1 else rf"\left({named}\right)^{{{kwargs['exp']}}}"
            return named
        return super()._print(expr, **kwargs)

    def define(self, expr) -> str:
        """A named part written out (the parts inside it by their letters)."""
        return super()._print(expr)

    def _needs_mul_brackets(self, expr, first=False, last=False) -> bool:
        if _NAMES.get() is not None and _nameable(expr):   # a letter: 3 \cdot q_{1}
            return False
        return super()._needs_mul_brackets(expr, first, last)

    def _print_Symbol(self, expr, style="plain"):
        if expr.name in self.values:
            return self._print(self.values[expr.name])
        return super()._print_Symbol(expr, style)


def _binding(name: str, value) -> str:
    """img_size = 224, alpha = 1/2 (as \\frac{1}{2}), minimalistic = false, variant = small (a choice's string as an
    upright name: only identifiers come here, the LaTeX escaping of other text sits in render)."""
    shown = (r"\mathrm{" + latex_name(binding_text(value)) + "}" if isinstance(value, (bool, str))
             else latex(as_sympy(value)))
    return f"{latex(sympy.Symbol(name))} = {shown}"


def _tidy(expr):
    """floor and ceiling of a sum over one denominator, as people write them: floor((n - 5)/2)."""
    if expr is None or not isinstance(expr, sympy.Basic) or expr.is_Atom \
            or not expr.has(sympy.floor, sympy.ceiling):
        return expr
    return expr.replace(lambda e: isinstance(e, (sympy.floor, sympy.ceiling)),
                        lambda e: e.func(sympy.together(e.args[0]), evaluate=False))


_INLINE = _WithNumbers({})   # thousands grouped (1{,}024) in counts and shapes alike


def show(expr) -> str:
    """A count or a condition in LaTeX: thousands grouped, floor((n - 5)/2) as people write it, a nameable part
    by its shorthand letter. (Cached: a deep network prints the same sizes thousands of times.)"""
    return _show(expr, _NAMES.get())


@lru_cache(maxsize=8192)
def _show(expr, names) -> str:
    return _INLINE.doprint(_tidy(expr))


def _shape_dim(d) -> str:
    return show(d)


def _sum(expr) -> Form:
    """A sum as its terms, in the printed order, so that a long one can be broken between them."""
    if not isinstance(expr, sympy.Add):
        return (show(expr),)
    terms = _INLINE._as_ordered_terms(expr)
    return tuple(f"- {show(-t)}" if i and t.could_extract_minus_sign() else
                 rf"\left({show(t)}\right)" if isinstance(t, sympy.Add) else show(t) for i, t in enumerate(terms))


def shape_latex(shape, show=None) -> str:
    """(32, 32, 3) as Keras and PyTorch print shapes: a length is not grouped in thousands ((1024, 768), where
    1{,}024 would read as two axes); an axis of unknown length prints as None."""
    return "(" + ", ".join(r"\mathrm{None}" if d is None else str(int(d)) if d.is_Integer else
                           _shape_dim(d) if show is None else show(_tidy(d)) for d in shape) + ")"


def _shapes(layer: LayerRecord, show=_INLINE.doprint) -> str:
    return ", ".join(shape_latex(s, show) for s in (layer.outputs or (layer.output_shape,)))


def _chain(*forms: Form) -> tuple[Form, ...]:
    """Equal forms without repeating a step (and without empty ones)."""
    out: list[Form] = []
    for form in forms:
        if form and all(form) and (not out or out[-1] != form):
            out.append(form)
    return tuple(out)


class _Letters:
    """A layer's rule letters in LaTeX. A letter that is also a name of the spec's symbols gets a prime, so that a
    rule's letter never reads as the spec's symbol (the rule's n_out is not a spec's n_out)."""

    def __init__(self, clash) -> None:
        self.clash = frozenset(clash)

    def atom(self, name: str) -> str:
        return label(name) + ("'" if name in self.clash else "")

    def tex(self, text_: str) -> str:
        """'k_h' -> k_{h}, '4u' -> 4u, 'm*C_in' -> m \\cdot C_{\\mathrm{in}} (as printing.letters, primes added)."""
        parts = []
        for factor in text_.split("*"):
            digits, rest = re.match(r"(\d*)(.*)", factor).groups()
            parts.append(digits + ("/".join(self.atom(p) for p in rest.split("/")) if rest else ""))
        return TIMES.join(parts)


_TOKENS = re.compile(r"[A-Za-z]+(?:_[A-Za-z]+)?|\d+|\S")
_ATOM = re.compile(r"[A-Za-z]+(?:_[A-Za-z]+)?")
_SIGNS = {"×": r"\times", "·": r"\cdot", "−": "-"}


def _sentence(words: str, letters: _Letters) -> tuple[Segment, ...]:
    """A kind's lesson sentence as text and math: '$k_h × k_w$' is math in the rule's letters."""
    out: list[Segment] = []
    for i, part in enumerate(words.split("$")):
        if i % 2 == 0:
            if part:
                out.append(("text", part))
        else:
            out.append(("math", " ".join(letters.atom(t) if _ATOM.fullmatch(t) else _SIGNS.get(t, t)
                                         for t in _TOKENS.findall(part))))
    if out and out[0][0] == "text":
        out[0] = ("text", out[0][1][:1].upper() + out[0][1][1:])
    return tuple(out)


def _product(dims, printer) -> str:
    """The axes multiplied in layout order; an axis that is a quotient in brackets (h · (E/h), not h · E / h)."""
    def axis(d):
        quotient = len(dims) > 1 and not isinstance(d, (sympy.floor, sympy.ceiling)) and sympy.fraction(d)[1] != 1
        return f"({printer(d)})" if quotient else printer(d)
    return product_text(dims, axis, TIMES)


_LABEL = re.compile(r"(\d*)([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)?)")


def _numbers(labels, shape) -> str:
    """The bound axes as the letters read them: '4u' with u = 64 as 4 · 64, 'n_in' as 128."""
    parts = []
    for letter, d in zip(labels, shape):
        m = _LABEL.fullmatch(letter)
        c = int(m.group(1)) if m and m.group(1) else 1
        parts.append(f"{c}{TIMES}{show(d / c)}" if c != 1 and (d / c).is_integer else show(d))
    return TIMES.join(parts) if parts else "1"


def _variable_line(term: Term, letters: _Letters, bound: bool) -> Line:
    """Bound: letters = the numbers = the value (k_h·k_w·C_in·F = 3·3·3·32 = 864); unbound: letters = the spec's
    sizes = the value. Each letter's value and its source are the layer's legend."""
    v, dims = term.variable, term.dims
    fits = len(v.labels) == len(dims) and dims
    generic = TIMES.join(letters.tex(x) for x in v.labels) if fits else ""
    middle = ((_numbers(v.labels, v.shape) if fits else _product(v.shape, show)) if bound
              else _product(term.factors, show))
    forms = _chain((generic,), (middle,), (show(v.size),) if bound or v.size.is_number else ())
    notes = ["not trainable"] if not (v.trainable or v.buffer) else []   # buffers are listed apart
    if v.shared_with:
        notes.append(f"tied to {v.shared_with}, counted there")
    return Line(v.role or v.name, forms, name=v.name if v.role else "", note=", ".join(notes))


def _window(sym: LayerRecord, sub) -> Line | None:
    """The kernel or pooling window, as the layer's kind declares it."""
    found = lookup(sym.type).window(SimpleNamespace(**sym.args))
    if found is None:
        return None
    words, items = found
    items = items if isinstance(items, (tuple, list)) else (items,)
    if not items or not all(isinstance(v, (int, sympy.Expr)) and not isinstance(v, bool) for v in items):
        return None
    dims = [sympy.Integer(v) if isinstance(v, int) else v for v in items]
    return Line(words, _chain((r" \times ".join(show(d) for d in dims),),
                              (r" \times ".join(show(sub(d)) for d in dims),)))


# ---- where each letter's value comes from --------------------------------------------------------------------------

def _arg(args, key: str):
    """An argument's value; 'layer.units' reads into a wrapped layer's arguments."""
    value = args
    for part in key.split("."):
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], SimpleNamespace):
            value = value[1]
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
    return value


def _holds(arg, value) -> bool:
    if isinstance(arg, (tuple, list)):
        return any(_holds(x, value) for x in arg)
    return isinstance(arg, (int, sympy.Expr)) and not isinstance(arg, bool) and as_sympy(arg) == value


def _made_by(a: Account, name: str, value, depth: int = 0) -> str:
    """'the filters of conv1': the layer upstream of `name` (itself included) whose argument gave `value`, through
    layers that pass it on (a pooling keeps its channels); '' when none did."""
    try:
        la = a.layer(name)
    except KeyError:
        return ""
    kind = lookup(la.type)
    for key in dict.fromkeys(src for _, src in kind.legend.values() if src != "input"):
        if _holds(_arg(la.symbolic.args, key), value):
            return f"the {key.rsplit('.', 1)[-1]} of {name}"
    if depth < 64:
        for producer, shape in zip(la.inputs, la.symbolic.input_shapes):
            if value in shape:
                found = _made_by(a, producer, value, depth + 1)
                if found:
                    return found
    return ""


def _from_input(a: Account, la: LayerAccount, value, axis=None, what: str = "") -> str:
    """Where an axis of this layer's input comes from: 'the filters of conv1', 'the height of pool1's output'."""
    for producer, shape in zip(la.inputs, la.symbolic.input_shapes):
        axes = [axis] if axis is not None else list(reversed(range(len(shape))))
        for i in axes:
            if i is None or i >= len(shape) or shape[i] != value:
                continue
            words = what.removeprefix("the input's ") or ("last axis" if i == len(shape) - 1 else f"axis {i + 1}")
            words = words if words.startswith("axis") else f"the {words}"
            if producer not in {x.name for x in a.layers}:
                return f"{words} of the network's input"
            found = "" if what else _made_by(a, producer, value)
            return found or f"{words} of {producer}'s output"
    return ""


def _source(a: Account, la: LayerAccount, source, value, what: str = "") -> str:
    """Words for where a letter's value comes from: an input axis (an index, or "input": found by value), this
    layer's argument, or (undeclared) whichever of the two holds it."""
    if isinstance(source, int) or source == "input":
        return _from_input(a, la, value, source if isinstance(source, int) else None, what)
    if source and "=" in source:   # an argument whose default is another's: strides=pool_size
        key, _, other = source.partition("=")
        if _arg(la.symbolic.args, key) is None and _holds(_arg(la.symbolic.args, other), value):
            return f"{key}, the default: the {other}"
        source = key
    if source and _holds(_arg(la.symbolic.args, source), value):
        top, _, inner = source.partition(".")
        words = f"the wrapped layer's {inner}" if inner else source
        return words + ("" if top in la.record.given else ", the default")
    return _from_input(a, la, value) if source != "" else ""


def _legend_entry(letters: _Letters, letter: str, sym, num, bound: bool, meaning: str, where: str) -> Legend:
    forms = [letters.atom(letter)]
    if not (as_sympy(sym).is_number and bound):
        forms.append(show(sym))
    if bound and forms[-1] != show(num):
        forms.append(show(num))
    words = meaning if not where or where == meaning else (f"{meaning} ({where})" if meaning else where)
    return Legend(" = ".join(forms), words)


def _legend(a: Account, la: LayerAccount, letters: _Letters, rules, bound: bool) -> tuple[Legend, ...]:
    """Each letter of the layer's formulas and shape rules: its value here and where it comes from."""
    kind = lookup(la.type)
    found: dict[str, tuple] = {}
    clashes: set[str] = set()
    for t in la.variables:
        v = t.variable
        if len(v.labels) != len(t.dims):
            continue
        for letter, sym, num in zip(v.labels, t.dims, v.shape):
            m = _LABEL.fullmatch(letter)
            if not m:
                continue
            c = int(m.group(1) or 1)
            atom, sym, num = m.group(2), sym / c, num / c
            if atom in found and found[atom][0] != sym:
                clashes.add(atom)
            meaning, source = kind.legend.get(atom, ("", None))
            found.setdefault(atom, (sym, num, meaning, source, ""))
    for rule_b, rule_s in rules:
        for (_, letter, num, source, _), (_, _, sym, _, meaning) in zip(rule_b.letters, rule_s.letters):
            found.setdefault(letter, (as_sympy(sym), as_sympy(num), meaning, source, meaning))
    out = []
    for letter, (sym, num, meaning, source, what) in found.items():
        if letter in clashes or letter.isdigit():
            continue
        where = _source(a, la, source, sym, what)
        out.append(_legend_entry(letters, letter, sym, num, bound, meaning, where))
    return tuple(out)


# ---- the output shape, worked by the layer's own rule -------------------------------------------------------------

class _RulePrinter(_WithNumbers):
    """A rule in the order it is written (n - k, not -k + n), each symbol printed as given: a letter or a number."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__({})
        self._settings["order"] = "none"
        self.names = names

    def _print_Symbol(self, expr, style="plain"):
        return self.names[expr.name] if expr.name in self.names else super()._print_Symbol(expr, style)


def _rules(la: LayerAccount):
    """(bound, unbound) AxisRule pairs of the layer's kind; axes alike (a square window over a square input)
    given once, named together."""
    kind = lookup(la.type)
    try:
        pairs = list(zip(kind.shape_rule(SimpleNamespace(**la.record.args), la.record.input_shapes),
                         kind.shape_rule(SimpleNamespace(**la.symbolic.args), la.symbolic.input_shapes)))
    except Exception:   # a kind whose rule cannot read these inputs shows none (the build has checked them)
        return []
    if len(pairs) > 1 and all([x[2] for x in p[i].letters] == [x[2] for x in pairs[0][i].letters]
                              for p in pairs for i in (0, 1)):
        names = [p[1].words for p in pairs]
        both = " and ".join(names) if len(names) == 2 else ", ".join(names[:-1]) + " and " + names[-1]
        first_b, first_s = pairs[0]
        return [(first_b, replace(first_s, words=both))]
    return pairs


def _shape_lines(la: LayerAccount, letters: _Letters, rules, bound: bool) -> tuple[Line, ...]:
    out = []
    for rule_b, rule_s in rules:
        rule = _RulePrinter({sym.name: letters.atom(letter) for sym, letter, *_ in rule_s.letters}).doprint(
            rule_s.rule)
        filled = ""
        if bound and all(as_sympy(v).is_number for _, _, v, *_ in rule_b.letters):
            filled = _RulePrinter({sym.name: show(as_sympy(v)) for sym, _, v, *_ in rule_b.letters}).doprint(
                rule_b.rule)
        result = (la.record if bound else la.symbolic).output_shape[rule_s.axis]
        out.append(Line(f"output {rule_s.words}", _chain((rule,), (filled,), (show(result),))))
    return tuple(out)


def _padding_note(letters: _Letters, rules) -> tuple[Segment, ...]:
    """'With valid padding an output length is ⌊(H - k_h)/s_h⌋ + 1; with same padding it would be ⌈H/s_h⌉.'"""
    if not rules or not rules[0][1].padding:
        return ()
    rule = rules[0][1]
    names = {sym.name: letters.atom(letter) for sym, letter, *_ in rule.letters}
    stride = next(letter for sym, letter, *_ in rule.letters if sym.name == "s")
    names.setdefault("k", letters.atom("k" + stride[1:]))
    dilated = "d" in names
    other = "same" if rule.padding == "valid" else "valid"
    other_rule = window_rule(other, dilated)[0]
    return (("text", f". With {rule.padding} padding an output length is "),
            ("math", _RulePrinter(names).doprint(rule.rule)),
            ("text", f"; with {other} padding it would be "), ("math", _RulePrinter(names).doprint(other_rule)))


def _bracket(prefix: str, items) -> Form:
    """prefix(a + b + c) as terms that a long line may break between: ('prefix(a', 'b', 'c)')."""
    items = tuple(items)
    if len(items) == 1:   # n \times (4 \cdot C), as the table writes it; n \times C
        return (f"{prefix}({items[0]})" if prefix and (TIMES in items[0] or " + " in items[0]) else prefix + items[0],)
    return (f"{prefix}({items[0]}", *items[1:-1], f"{items[-1]})")


def _copies(la: LayerAccount, parts, repeat, write=show) -> Form:
    """The layer's parts (expressions, or tuples of factors: `write` prints one) added, equal ones once with their
    count (4 · C), with its forward and backward copies (2 × ...) and its repeats (n × ...)."""
    def added(items) -> Form:   # a count times a part of more than one factor: 4 \cdot \left(4 \cdot g\right)
        return tuple(write(part) if n == 1 else f"{n}{TIMES}" + (
            rf"\left({write(part)}\right)" if isinstance(part, (sympy.Add, sympy.Mul)) or TIMES in write(part)
            else write(part)) for n, part in alike(list(items)))
    half = la.halves(list(parts))
    form: Form = added(parts)
    if len(half) < len(parts):
        form = _bracket(r"2 \times ", added(half))
    if repeat != 1:   # (n - 1) \times (...): a count that is a sum in brackets
        count = rf"\left({show(repeat)}\right)" if isinstance(repeat, sympy.Add) else show(repeat)
        form = _bracket(rf"{count} \times ", form)
    return form


def _layer(a: Account, la: LayerAccount, printer: _WithNumbers, bound: bool, sub, clash) -> LayerDerivation:
    layer, sym = la.record, la.symbolic
    kind = lookup(layer.type)
    letters = _Letters(clash)
    summary = kind.summary[:1].upper() + kind.summary[1:] if kind.summary else ""
    params = tuple(_variable_line(t, letters, bound) for t in la.variables if not t.variable.buffer)
    buffers = tuple(_variable_line(t, letters, bound) for t in la.variables if t.variable.buffer)
    total = None
    no_params = ""
    if params:
        sizes = tuple(t.size for t in la.terms)
        copies = _copies(la, sizes, layer.repeat) if sizes else ()
        for index, count in reversed(layer.copies):   # a growing repeat: the sizes are copy i's, summed over i
            copies = (rf"\sum_{{{show(index)}=0}}^{{{show(count)} - 1}} \left({' + '.join(copies)}\right)",)
        total = Line("parameters", _chain(copies if len(copies) > 1 or layer.repeat != 1 or len(sizes) > 1
                                          or layer.copies else (), _sum(la.params.value)))
    else:
        no_params = kind.no_params or ("its only variables are buffers" if buffers else "it declares no variables")
    rules = _rules(la)
    worked = bool(rules)
    output = Line("output shape", _chain((_shapes(sym),), (_shapes(sym, printer.doprint) if bound and not worked
                                                            else "",), (_shapes(layer),)))
    lesson = (_sentence(kind.lesson, letters) if kind.lesson else ()) + _padding_note(letters, rules)
    wrapped = sym.args.get("layer")
    if lesson and isinstance(wrapped, tuple) and getattr(wrapped[0], "lesson", ""):   # Bidirectional(LSTM)
        lesson += (("text", ". "),) + _sentence(wrapped[0].lesson, letters)
    return LayerDerivation(la.position, layer.name, layer.type, summary,
                           show(layer.repeat) if layer.repeat != 1 else "",
                           tuple(shape_latex(s) for s in layer.input_shapes), _window(sym, sub),
                           params, total, no_params, buffers, output, lesson,
                           _legend(a, la, letters, rules, bound), _shape_lines(la, letters, rules, bound))


def _macs(la: LayerAccount, lc, numbers: _WithNumbers) -> tuple[Line, ...]:
    """Each product's multiply-accumulates in the spec's sizes = the numbers put in = the value; then the layer's
    MACs (its copies, times the batch) and its FLOPs under the report's convention."""
    from .compute import MAC_KINDS
    lines = []
    for cost, sym_cost in zip(la.record.costs, la.symbolic.costs):
        if cost.kind in MAC_KINDS and cost.count is not None and cost.count != 0:
            lines.append(Line(cost.words, _chain((show(sym_cost.count),), (numbers.doprint(sym_cost.count),),
                                                 (show(cost.count),))))
    if not lines or lc.macs is None:
        return ()
    lines.append(Line("MACs", _chain(_sum(lc.macs.symbolic), _sum(lc.macs.value))))
    lines.append(Line("FLOPs", _chain(_sum(lc.flops.symbolic), _sum(lc.flops.value))))
    return tuple(lines)


def _row(la: LayerAccount) -> Row:
    """The table's row: the formula in the spec's sizes (3·3·3·32 + 32), times the copies of a repeated layer."""
    formula = la.formula(show=show, times=TIMES, repeat=r"{n} \times ({f})",   # plain brackets: a cell may break
                         growing=r"\textstyle\sum_{{{i} < {n}}} ({f})")
    return Row(la.name, la.type, _shapes(la.record), formula, show(la.params.value), la.tie_note())


def _terms(values) -> Form:
    """Each layer's count, a sum in parentheses so that the layers stay apart in the network's sum."""
    return tuple(rf"\left({show(v)}\right)" if isinstance(v, sympy.Add) else show(v) for v in values)


def _formula(la: LayerAccount) -> Form:
    """A layer's count as the table's formula writes it (the spec's sizes), bracketed when it is a sum: the total
    keeps each layer's grouping, never a regrouping across layers."""
    parts = tuple(_product(t.factors, show) for t in la.terms)
    form = _copies(la, parts, la.repeat, write=str)
    return _bracket("", form) if len(form) > 1 else form


def _totals(a: Account) -> tuple[Line, ...]:
    counted = [la for la in a.layers if la.params.value != 0 or la.params.symbolic != 0]
    formulas = tuple(term for la in counted for term in _formula(la))
    values = tuple(show(la.params.value) for la in counted)
    symbolic = a.total.symbolic
    if not as_sympy(symbolic).is_number:   # in symbols; then the numbers the bindings give (stated at the top)
        listed = 1 < len(counted) <= LISTED
        lines = [Line("total", _chain(formulas if listed else (), _sum(symbolic)))]
        if a.total.bound:
            lines.append(Line("total in numbers", _chain(values if len(values) > 1 else (), _sum(a.total.value))))
        return tuple(lines)
    return (Line("total", _chain(formulas if len(counted) > 1 else (), values if len(values) > 1 else (),
                                 _sum(a.total.value))),)


def _split(a: Account) -> tuple[Line, ...]:
    """Trainable and non-trainable: the formula only when it is not the total's (or zero), then the value."""
    lines = []
    for words, q in (("trainable", a.trainable), ("non-trainable", a.non_trainable)):
        formula = () if sympy.expand(q.symbolic - a.total.symbolic) == 0 or q.symbolic == 0 else _sum(q.symbolic)
        lines.append(Line(words, _chain(formula, _sum(q.value))))
    return tuple(lines)


def _buffers(a: Account) -> Line | None:
    if a.buffers.value == 0:
        return None
    terms = _terms(layer.buffer_count.value for layer in a.layers if layer.buffer_count.value != 0)
    return Line("buffers (not parameters)", _chain(terms if len(terms) > 1 else (), _sum(a.buffers.value)))


def derive(a: Account, compute=None) -> Derivation:
    """The worked derivation of a network's account (bound or not); a network is added up first. With `compute`
    (a symparam.compute.Report) each layer also shows its MACs and FLOPs."""
    a = of(a)
    net, sym = a.net, a.net.unbound
    values = {k: as_sympy(v) for k, v in net.bindings.items()}   # integers and exact rationals (alpha = 1/2)
    printer = _WithNumbers(values)
    clash = set(sym.symbols.names())
    sub = a.at_bindings
    names = Shorthands(_latex_letter, normal=sympy.Basic.doit)   # one key however a part was tidied for printing
    token = _NAMES.set(names)
    try:
        return replace(_derivation(a, compute, printer, values, sub, clash), shorthands=_shorthands(names, printer,
                                                                                                  sub, bool(values)))
    finally:
        _NAMES.reset(token)


def _shorthands(names: Shorthands, printer: _WithNumbers, sub, bound: bool) -> tuple[Line, ...]:
    """Each letter = its part written out (= with the numbers = its value, when bound), in the order defined."""
    out = []
    for expr, letter in list(names.letters.items()):   # defining one names none anew: its parts are named first
        value = sub(expr) if bound else expr
        forms = _chain((_INLINE.define(_tidy(expr)),), (printer.define(_tidy(expr)),) if bound else (),
                       (show(value),) if value.is_number else ())
        out.append(Line(letter, forms))
    return tuple(out)


def _derivation(a: Account, compute, printer: _WithNumbers, values, sub, clash) -> Derivation:
    net = a.net
    return Derivation(
        name=net.name, convention=net.convention,
        bindings=tuple(_binding(k, v) for k, v in a.bound.items() if not isinstance(v, str) or v.isidentifier()),
        free=tuple(latex(sympy.Symbol(n)) for n in a.free),
        rows=tuple(_row(la) for la in a.layers), total=show(a.total.value),
        layers=tuple(_layer(a, la, printer, bool(values), sub, clash) for la in a.layers) if compute is None else
        tuple(replace(_layer(a, la, printer, bool(values), sub, clash), macs=_macs(la, lc, printer))
              for la, lc in zip(a.layers, compute.layers)),
        totals=_totals(a), split=_split(a), buffers=_buffers(a),
        assumptions=tuple(Assumption(x.layer or x.where, x.key, show(x.relation), x.why) for x in a.assumptions),
    )


def formulas(d: Derivation) -> Iterator[str]:
    """Every formula of the derivation, in the order the document shows them. Each renderer shows each of them
    once as math (a <math> element in HTML, $...$ in Markdown)."""
    yield from d.bindings
    for line in d.shorthands:
        yield f"{line.words} = {line.math}"
    for row in d.rows:
        yield row.output
        if row.formula:
            yield row.formula
        yield row.params
    yield d.total
    for layer in d.layers:
        yield from layer.inputs
        if layer.repeat:
            yield layer.repeat
        if layer.window is not None and not layer.legend:   # the legend gives the window's sizes otherwise
            yield layer.window.math
        yield from (math for kind, math in layer.lesson if kind == "math")
        yield from (item.math for item in layer.legend)
        for line in (*layer.params, *((layer.total,) if layer.total else ()), *layer.shape, *layer.buffers):
            yield line.math
        yield layer.output.math
        for line in layer.macs:
            yield line.math
    for line in (*d.totals, *d.split):
        yield line.math
    if d.buffers is not None:
        yield d.buffers.math
    yield from d.free
    for a in d.assumptions:
        yield a.math
