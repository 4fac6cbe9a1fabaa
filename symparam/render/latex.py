"""The worked derivation as a LaTeX fragment (symparam.derivation laid out): per layer the formula in letters, the
same with the spec's sizes, the numbers, the value; layers without parameters say why; then the totals.

The fragment compiles inside a plain `article` with amsmath. latex_document.py wraps the same blocks into a whole
document; `summary` is the math-only form a notebook shows (Network._repr_latex_).
"""

from __future__ import annotations

import math
import re

from ..account import Account, of
from ..derivation import Derivation, LayerDerivation, Line, derive, join
from .escape import latex as text

LIMIT = 345   # points: the text width of a plain article at 10pt


_ROMAN = re.compile(r"\\mathrm\{((?:[^{}]|\\_)*)\}")
# Points per feature in a displayed formula at 10pt, fitted on pdflatex's own widths of some 500 derivation lines.
_POINTS = ((lambda t, r: sum(len(m) for m in _ROMAN.findall(t)), 3.92),           # upright letters
           (lambda t, r: len(re.findall(r"\d", r)), 4.69),                        # digits
           (lambda t, r: len(re.findall(r"\\[lr](?:floor|ceil)|[()]", r)), 2.64),  # brackets
           (lambda t, r: len(re.findall(r"(?<![\\a-zA-Z])[a-zA-Z](?![a-zA-Z])", r)), 5.25),  # italic letters
           (lambda t, r: t.count("="), 13.69),
           (lambda t, r: len(re.findall(r" \+ | - |\\cdot|\\times", t)), 10.78),
           (lambda t, r: t.count(", "), 8.08),
           (lambda t, r: t.count("{,}"), 5.37),
           (lambda t, r: t.count(" / "), 7.01),
           (lambda t, r: t.count("^"), 11.36),
           (lambda t, r: t.count(r"\bmod"), 22.0),          # " mod " with its spaces
           (lambda t, r: len(re.findall(r"\\max|\\min", t)), 16.0),
           (lambda t, r: t.count(r"\text{for}"), 20.0))


def width(tex: str) -> float:
    """About how many points a displayed formula takes (a little more rather than less)."""
    rest = _ROMAN.sub("", tex)
    return 1.08 * sum(points * count(tex, rest) for count, points in _POINTS)


def _plain(line: Line) -> str:
    return line.words + (f" ({line.name})" if line.name else "") + (f", {line.note}" if line.note else "")


LABEL = 0.3   # of the width: the most a step's words take before the '='; longer words wrap inside it


def _label(words: str, limit: float) -> str:
    """A step's words, as LaTeX: on one line, or (when long) wrapped ragged-left in LABEL of the width, beside its
    formula rather than on a row of their own."""
    room = LABEL * limit
    if _text_width(words) <= room:
        return rf"\text{{{text(words)}}}"
    return rf"\text{{\parbox[t]{{{room:.0f}pt}}{{\raggedleft {text(words)}}}}}"


def _text_width(words: str) -> float:
    return 4.6 * len(words)   # text at 10pt: about 4.5pt a character


def terms(tex: str) -> tuple[str, ...]:
    """A formula's top-level terms (outside braces and \\left...\\right brackets), so that it can be broken between
    them: ('a', 'b', '- c')."""
    out, depth, start = [], 0, 0
    for i, char in enumerate(tex):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if tex.startswith("\\left", i):
            depth += 1
        elif tex.startswith("\\right", i):
            depth -= 1
        if depth == 0 and tex.startswith((" + ", " - "), i) and i > start:
            out.append(tex[start:i])
            start = i + (3 if tex[i + 1] == "+" else 1)
    out.append(tex[start:])
    return tuple(out)


# A closing bracket, the \\left that opens it, and the sizes that replace both when rows break inside it.
BRACKETS = ((r"\right)", r"\left(", r"\bigl(", r"\bigr)"),
            (r"}\right\rfloor", r"\left\lfloor{", r"\bigl\lfloor ", r" \bigr\rfloor"),
            (r"}\right\rceil", r"\left\lceil{", r"\bigl\lceil ", r" \bigr\rceil"))


def _opened(term: str, room: float) -> list[str]:
    """A term too wide for `room` that ends in a bracketed sum (L \\cdot \\left(a + b\\right), a floor of a sum) as
    the terms of that sum, the first carrying the factor and a \\bigl( and the last a \\bigr), so that rows may
    break inside it; a shape (a, b, c) as its lengths; a product before a factor; any other term as it is."""
    if width(term) <= room or "\\begin{" in term:   # an environment (cases) cannot be cut across rows
        return [term]
    if term.startswith("(") and term.endswith(")"):
        items = _items(term[1:-1])
        if len(items) > 1:
            pieces = ["(" + items[0] + ",", *(r"\; " + item + "," for item in items[1:-1]), r"\; " + items[-1] + ")"]
            return [p for piece in pieces for t in terms(piece) for p in _opened(t, room)]
    for close, open_, big_open, big_close in BRACKETS:
        if not term.endswith(close):
            continue
        depth, i = 0, len(term)
        while i > 0:   # the \\left that the closing \\right matches
            i -= 1
            if term.startswith("\\right", i):
                depth += 1
            elif term.startswith("\\left", i):
                depth -= 1
                if depth == 0:
                    break
        if not term.startswith(open_, i):
            break
        inner = terms(term[i + len(open_):-len(close)])
        quotient = _quotient(inner[0]) if len(inner) == 1 else None
        if quotient is not None:   # the floor of a sum over a number: \bigl\lfloor \bigl(a, b, c\bigr) / 2 \bigr\rfloor
            inner, denominator = quotient
            big_open, big_close = big_open + r"\bigl(", r"\bigr) / " + denominator + big_close
        if len(inner) == 1:
            break
        pieces = [term[:i] + big_open + inner[0], *inner[1:-1], inner[-1] + big_close]
        return [p for piece in pieces for p in _opened(piece, room)]
    return _product(term, room)


def _quotient(tex: str):
    """A sum in brackets over a denominator (\\left(a + b\\right) / 4) as (its terms, the denominator); else None."""
    if not tex.startswith(r"\left("):
        return None
    depth = 0
    for i in range(len(tex)):
        if tex.startswith("\\left", i):
            depth += 1
        elif tex.startswith("\\right", i):
            depth -= 1
            if depth == 0:
                denominator = tex[i + len(r"\right)"):].removeprefix(" / ")
                inner = terms(tex[len(r"\left("):i])
                one = re.fullmatch(r"\S+", denominator) and not tex.endswith(r"\right)")   # one factor, no space
                return (inner, denominator) if one and len(inner) > 1 else None
    return None


def _items(tex: str) -> list[str]:
    """A shape's lengths: `tex` cut at its top-level commas."""
    out, depth, start = [], 0, 0
    for i, char in enumerate(tex):
        depth += {"{": 1, "}": -1, "(": 1, ")": -1}.get(char, 0)
        if depth == 0 and tex.startswith(", ", i):
            out.append(tex[start:i])
            start = i + 2
    return [*out, tex[start:]]


def _product(term: str, room: float) -> list[str]:
    """A product too wide for `room` cut before a top-level \\cdot or \\times: the head that fits, then rows that
    start with the operator (chunks keeps such a row apart: it continues a product, not a sum)."""
    cuts, depth = [], 0
    for i, char in enumerate(term):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if term.startswith("\\left", i):
            depth += 1
        elif term.startswith("\\right", i):
            depth -= 1
        if depth == 0 and term.startswith((" \\cdot ", " \\times "), i):
            cuts.append(i)
    fitting = [i for i in cuts if width(term[:i]) <= room]
    if not fitting:
        return [term]
    cut = fitting[-1]
    return [term[:cut], *_product(term[cut + 1:], room)]


def _continues(term: str) -> bool:
    """A piece that continues a product or a shape, not a sum: its row starts with no +."""
    return term.startswith(("\\cdot ", "\\times ", "\\; "))


def chunks(form, room: float) -> list[str]:
    """A long sum cut into pieces of about the same width, each fitting in `room` (if its terms do); every piece
    after the first starts with its sign. A term wider than `room` that ends in a bracketed sum is opened."""
    form = [piece for term in form for piece in _opened(term, room)]
    if width(join(form)) == 0:   # nothing to cut (an empty form)
        return [join(form)]
    target = width(join(form)) / math.ceil(width(join(form)) / room)
    chunks: list[list[str]] = [[]]
    for term in form:
        if chunks[-1] and (_continues(term) or width(join([*chunks[-1], term])) > min(room, target * 1.2)):
            chunks.append([])
        chunks[-1].append(term)
    return [join(chunk) if i == 0 or chunk[0].startswith("- ") or _continues(chunk[0]) else "+ " + join(chunk)
            for i, chunk in enumerate(chunks)]


def pieces(line: Line, room: float) -> list[tuple[str, str]]:
    """A line's chain cut to fit in `room`: ("=", forms) starts a row with '=' (as many forms as fit), ("+", terms)
    continues a long sum."""
    if width(line.math) <= room:
        return [("=", line.math)]
    rows: list[tuple[str, str]] = []
    for form in line.forms:
        parts = chunks(form, room - 6)
        if rows and rows[-1][0] == "=" and len(parts) == 1 and width(f"{rows[-1][1]} = {parts[0]}") <= room:
            rows[-1] = ("=", f"{rows[-1][1]} = {parts[0]}")
            continue
        rows.append(("=", parts[0]))
        rows.extend(("+", part) for part in parts[1:])
    return rows


def _rows(line: Line, label: str, room: float) -> list[str]:
    """The line's rows of an align*: its words, then its chain (see `pieces`)."""
    out = [("&= " if kind == "=" else r"&\quad ") + math for kind, math in pieces(line, room)]
    out[0] = f"{label} {out[0]}"
    return out


def align(lines, limit: int = LIMIT) -> str:
    """Lines aligned on '='; the words take the widest label's room (at most LABEL of it), the math what is left
    of `limit`."""
    labels = [_plain(line) for line in lines]
    room = max(limit - min(max(_text_width(words) for words in labels), LABEL * limit) - 12, 120)
    rows = [row for line, words in zip(lines, labels) for row in _rows(line, _label(words, limit), room)]
    return r"\begin{align*}" + "\n" + " \\\\\n".join(rows) + "\n" + r"\end{align*}"


def inline(tex: str) -> str:
    """A formula set in running text or a table cell, where TeX may break it: brackets without \\left and \\right
    (a \\left...\\right group never breaks), and a break allowed after each comma of a shape, each underscore of a
    name and each slash."""
    tex = re.sub(r"\\(left|right)(?=[()]|\\[lr](floor|ceil))", "", tex).replace(", ", r",\allowbreak ")
    # a floor's or ceiling's braces make one unbreakable group: the bracket signs are enough
    tex = re.sub(r"\\(lfloor|lceil)\{", r"\\\1 ", tex)
    tex = re.sub(r"\}\\(rfloor|rceil)", r" \\\1", tex)
    # a long name (num\_hidden\_layers) may break after its underscores, a quotient after its slash
    # (a break inside \mathrm{...} is none: the name's group is closed before it and opened again after it)
    return tex.replace(r"\_", r"\_}\allowbreak\mathrm{").replace(" / ", r" /\allowbreak ")


def shapes(items) -> str:
    return ", ".join(f"${inline(s)}$" for s in items)


def sentence(segments, words=text, math=lambda m: f"${inline(m)}$") -> str:
    """A lesson sentence: words escaped for the format, mathematics as mathematics; its full stop added."""
    def piece(part: str) -> str:   # an escaper may trim: the spaces around mathematics are kept
        core = part.strip()
        return part[:len(part) - len(part.lstrip())] + words(core) + part[len(part.rstrip()):] if core else part
    return "".join(piece(part) if kind == "text" else math(part) for kind, part in segments) + "."


def legend(items, words=text, math=lambda m: f"${inline(m)}$") -> str:
    """'Here $k_h = 3$, the window's height (kernel_size); ...': each letter's value and where it comes from."""
    return "Here " + "; ".join(math(item.math) + (f", {words(item.words)}" if item.words else "")
                               for item in items) + "."


def steps(layer: LayerDerivation) -> tuple[Line, ...]:
    """The rows of a layer's worked answer: what comes in, each variable, the sum, the output's lengths by the
    layer's own rule, the output shape."""
    inputs = (Line("input shape" if len(layer.inputs) == 1 else f"input shape {i + 1}", ((shape,),))
              for i, shape in enumerate(layer.inputs))
    return (*inputs, *layer.params, *((layer.total,) if layer.total else ()), *layer.shape, layer.output)


def prose(layer: LayerDerivation, words=text, math=lambda m: f"${inline(m)}$") -> str:
    """The layer's paragraph: its lesson sentence (or its summary), how often it is repeated, why it has no
    parameters."""
    out = [sentence(layer.lesson, words, math) if layer.lesson else (words(layer.summary) + "." if layer.summary
                                                                       else "")]
    if layer.repeat:
        out.append(f"The network holds {math(layer.repeat)} copies of it.")
    if not layer.params:
        out.append(f"No parameters: {words(layer.no_params)}.")
    if not layer.legend and layer.window is not None:
        out.append(f"{words(layer.window.words[:1].upper() + layer.window.words[1:])} {math(layer.window.math)}.")
    return " ".join(filter(None, out))


def paragraphs(layer: LayerDerivation, words=text, math=lambda m: f"${inline(m)}$") -> list[str]:
    """The layer's prose, then (its own paragraph) the legend of its letters."""
    return [prose(layer, words, math), *([legend(layer.legend, words, math)] if layer.legend else [])]


def breakable(words: str) -> str:
    """Text that may break after an underscore, a slash or a dot (layer names, module paths)."""
    broken = text(words).replace(r"\_", r"\_\allowbreak{}").replace("/", r"/\allowbreak{}")
    return re.sub(r"\.(?=[^\s.\\{}])", r".\\allowbreak{}", broken)   # inside a name, not a sentence's end


def layer_block(layer: LayerDerivation, heading: str = r"\subsection*", limit: int = LIMIT) -> list[str]:
    out = [rf"{heading}{{Layer {layer.index}: {text(layer.name)} ({text(layer.type)})}}",
           "\n\n".join(paragraphs(layer, words=breakable)), align(steps(layer), limit)]
    if layer.buffers:
        out.append("Buffers (not parameters):")
        out.append(align(layer.buffers, limit))
    if layer.macs:
        out.append("Multiply-accumulates (MACs):")
        out.append(align(layer.macs, limit))
    return out


def bindings(d: Derivation) -> list[str]:
    return ["With " + ", ".join(f"${b}$" for b in d.bindings) + "."] if d.bindings else []


SHORTHANDS = ("Parts of the formulas that cannot be broken across lines (a choice by cases, a maximum or a minimum, "
              "a rounding of a rounding) are named here once, each by a letter, and written by that letter below")


def shorthands_block(d: Derivation, heading: str = r"\subsection*", limit: int = LIMIT) -> list[str]:
    """The shorthand letters the formulas use, each = its part written out (= its value), before their first use."""
    if not d.shorthands:
        return []
    room = limit - 40
    rows = [row for line in d.shorthands for row in _rows(Line("", line.forms), line.words, room)]
    return [rf"{heading}{{Shorthands}}", text(SHORTHANDS) + ".",
            r"\begin{align*}" + "\n" + " \\\\\n".join(rows) + "\n" + r"\end{align*}"]


def totals_block(d: Derivation, heading: str = r"\subsection*", limit: int = LIMIT) -> list[str]:
    out = [rf"{heading}{{Total}}", align((*d.totals, *d.split, *((d.buffers,) if d.buffers else ())), limit)]
    if d.free:
        out.append("Free symbols: " + ", ".join(f"${inline(f)}$" for f in d.free) + ".")
    if d.assumptions:
        out.append("Valid when " + "; ".join(f"${inline(a.math)}$ ({breakable(a.where)}: {text(a.why)})"
                                             for a in d.assumptions) + ".")
    return out


def fragment(d: Derivation) -> str:
    out = [rf"\section*{{Parameters of {text(d.name)}}}", *bindings(d), *shorthands_block(d)]
    for layer in d.layers:
        out.extend(layer_block(layer))
    out.extend(totals_block(d))
    return "\n".join(out) + "\n"


def render(a: Account, share=None, compute=None) -> str:
    """The fragment; with `share` (a sensitivity report) its section after the totals; with `compute` (a
    symparam.compute.Report) each layer's MACs and FLOPs."""
    out = fragment(derive(of(a), compute))
    if share is not None:
        from .sensitivity import latex as share_latex
        out += share_latex(share)
    return out


def summary(a: Account) -> str:
    """Math only, for a notebook (Network._repr_latex_): each layer's formula and count, then the total."""
    d = derive(of(a))
    rows = []
    for row in d.rows:
        value = row.params if row.formula in ("", row.params) else f"{row.formula} = {row.params}"
        rows.append(rf"\text{{{text(row.name)} ({text(row.type)})}} &: {value}")
    rows.append(rf"\text{{total}} &= {d.total}")
    return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"
