"""One escaping function per output syntax. Every piece of user text (network, layer, block and input names, symbol
docs, values) passes through the one for the syntax it lands in; nothing else is trusted.

- latex(text): for LaTeX text mode (and \\text{}): every special character escaped, control characters dropped,
  any Unicode letter made printable by pdflatex with only texlive-latex-base (Greek as math letters, accented
  Latin letters as their base letters, anything else as its code point), so no name can run a TeX primitive.
- markdown(text): for Markdown text (CommonMark and Python-Markdown): characters Markdown or a math extension acts
  on escaped, HTML made inert, one line.
- html(text): for HTML text and attribute values.
- terminal(text): for a terminal: no control character (ESC, CSI, OSC ...) reaches it; rich markup escaped.
- csv(text): one CSV field, never a spreadsheet formula.
"""

from __future__ import annotations

import html as _html
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&", "_": r"\_",
    "~": r"\textasciitilde{}", "^": r"\^{}", "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
    "[": "{[}", "]": "{]}",   # braced, so that a name after \\ or \item is never read as its [optional argument]
}
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta", "θ": "theta",
    "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho",
    "σ": "sigma", "ς": "varsigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
    "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma", "Υ": "Upsilon",
    "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
}


def _visible(text: str) -> str:
    """The text without control or invisible formatting characters (bidi overrides, zero widths)."""
    return _CONTROL.sub("", str(text))


def latex(text: str) -> str:
    """Plain words for LaTeX's text mode: compiles for any Unicode text, never runs a command."""
    out = []
    for char in _visible(text):
        if char in _LATEX_SPECIAL:
            out.append(_LATEX_SPECIAL[char])
        elif " " <= char <= "~":
            out.append(char)
        elif char in _GREEK:
            out.append(rf"\ensuremath{{\{_GREEK[char]}}}")
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            if base and all(" " <= c <= "~" for c in base):
                out.append("".join(_LATEX_SPECIAL.get(c, c) for c in base))
            else:
                out.append(rf"\texttt{{U+{ord(char):04X}}}")
    return "".join(out)


_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "~": "&#126;"}


def markdown(text: str) -> str:
    """Plain words in Markdown: what Markdown or a math extension acts on is escaped (a backslash where CommonMark
    and Python-Markdown both accept one, else an HTML entity); HTML is inert; one line, no space around it (after a
    list marker, indented text would be code)."""
    line = _visible(text.replace("\n", " ")).strip()
    escaped = re.sub(r"([\\`*_{}\[\]|#$])", r"\\\1", line)
    # Right after a list marker, the text must not open a block of its own: a list (- + 1. 1)), an admonition (!!!).
    escaped = re.sub(r"^(\d+)([.)])", r"\1\\\2", re.sub(r"^([-+!])", r"\\\1", escaped))
    return re.sub(r"[&<>~]", lambda m: _MD_ENTITIES[m.group(0)], escaped)


def html(text: str) -> str:
    """Text for HTML element content or a quoted attribute value."""
    return _html.escape(_visible(text), quote=True)


_RICH_BRACKET = re.compile(r"(\\*)(\[(?:[a-z#/@][^[]*?\])?)")   # backslashes, then "[" or what rich reads as a tag


def terminal(text: str) -> str:
    """Text for a terminal through rich markup: control characters shown as escapes (\\x1b), every bracket and
    backslash printed as written (symparam's consoles are made with emoji=False, so :smile: stays text too)."""
    def bracket(m: re.Match) -> str:
        slashes, opening = m.groups()
        if len(opening) > 1:   # a would-be tag: rich reads each pair of backslashes as one, then \[ as [
            return slashes * 2 + "\\" + opening
        return slashes + "\\[" if slashes else "["   # elsewhere rich reads \[ as [ (and leaves a lone [ alone)

    return _RICH_BRACKET.sub(bracket, plain(text))


def plain(text: str) -> str:
    """Text for a plain-text file or a terminal without markup: control characters shown as escapes."""
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), str(text))


def csv(text: str) -> str:
    """One CSV field: control characters shown as escapes (a tab or a line break too); text a spreadsheet would run
    as a formula (starting with = + - @) kept as text by a leading apostrophe (OWASP's CSV-injection rule); quoted
    when it holds a comma or a quote."""
    text = plain(text)
    if text[:1] in ("=", "+", "-", "@"):
        text = "'" + text
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"') else text


_PY_NAME = re.compile(r"[^0-9A-Za-z_]")


def python(text: str) -> str:
    """A Python string literal that holds `text` exactly: repr-based and ASCII only (every other character, quotes
    and backslashes included, escaped), so no text ever becomes code where the literal lands in a source file."""
    return ascii(str(text))


def python_name(text: str, taken: set[str]) -> str:
    """A Python identifier for `text` not in `taken` (then added to it): ASCII letters, digits and underscores only,
    not a keyword, not starting with a digit; a clash gets a numbered suffix (conv, conv_2, ...)."""
    import keyword

    base = _PY_NAME.sub("_", str(text)).strip("_") or "layer"
    if base[0].isdigit():
        base = "layer_" + base
    if keyword.iskeyword(base) or keyword.issoftkeyword(base):
        base += "_"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name
