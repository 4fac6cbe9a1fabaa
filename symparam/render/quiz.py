"""Exercise sheets and their answer keys, in LaTeX (a standalone document), Markdown or HTML (one offline page).

The key holds, per variant, the answers and the full worked solution (the derivation renderers' own output)."""

from __future__ import annotations

import re

from ..quiz import Variant, describe
from .escape import html as _html, latex as _tex, markdown as _md


def _values(v: Variant) -> str:
    return ", ".join(f"{k} = {val:,}" for k, val in v.values.items())


# ---- LaTeX ----------------------------------------------------------------------------------------------------

PAPERS = {"a4": "a4paper", "letter": "letterpaper"}   # --paper; A4 by default, as latex-document


def _preamble(paper: str) -> str:
    return ("\\documentclass[11pt]{article}\n\\usepackage{amsmath}\n"
            f"\\usepackage[{PAPERS[paper]},margin=2.2cm]{{geometry}}\n"
            "\\setlength{\\parindent}{0pt}\n\\frenchspacing\n")


# Where a layer's line may break, and how reluctantly: after an argument's comma, else after '(' or '=', and only
# when nothing else fits after an underscore (so that a name of any length still wraps inside the text width).
_BREAKS = ((", ", 0), ("(", 1000), ("=", 1000), (r"\_", 5000))


_PREAMBLE = _preamble("a4")   # the default preamble (tests/test_hostile_corpus.py compiles hostile text with it)


def _code(line: str) -> str:
    """A layer's line in typewriter type, breakable as _BREAKS says."""
    text = _tex(line)
    for mark, penalty in _BREAKS:
        text = text.replace(mark, mark + rf"\penalty{penalty}\relax{{}}")
    return rf"\texttt{{{text}}}"


def _network(v: Variant) -> list[str]:
    return [r"\begin{itemize}\raggedright", *(rf"\item {_code(line)}" for line in describe(v.net)), r"\end{itemize}"]


def latex_sheet(name: str, variants: list[Variant], paper: str = "a4") -> str:
    out = [_preamble(paper), r"\begin{document}"]
    for v in variants:
        out.append(r"\clearpage" if v.number > 1 else "")
        out.append(rf"\section*{{Exercise sheet: {_tex(name)}, variant {v.number}}}")
        out.append(rf"{{\raggedright Count by hand. This variant has {_tex(_values(v))}. Every argument of every "
                   r"layer is given, defaults included.\par}")
        out += _network(v)
        out.append(r"\begin{enumerate}")
        out += [rf"\item {_tex(q.text)}\par\vspace{{4\baselineskip}}" for q in v.questions]
        out.append(r"\end{enumerate}")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def latex_key(name: str, variants: list[Variant], paper: str = "a4") -> str:
    from .latex import render as fragment

    out = [_preamble(paper), r"\begin{document}"]
    for v in variants:
        out.append(r"\clearpage" if v.number > 1 else "")
        out.append(rf"\section*{{Answer key: {_tex(name)}, variant {v.number}}}")
        out.append(rf"{{\raggedright {_tex(_values(v))}\par}}")
        out.append(r"\begin{enumerate}")
        out += [rf"\item {_tex(q.text)} \textbf{{{_tex(q.answer)}}}" for q in v.questions]
        out.append(r"\end{enumerate}")
        out.append(r"\subsection*{Worked solution}")
        body = fragment(v.account)
        out.append(body.replace(r"\section*", r"\subsection*"))
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


# ---- Markdown -------------------------------------------------------------------------------------------------

ANSWER = "Answer: " + "_" * 24   # the space a student writes in (Markdown, HTML)


def markdown_sheet(name: str, variants: list[Variant]) -> str:
    """One section per variant, parted by a rule; each question with its answer line."""
    out = [f"# Exercise sheet: {_md(name)}", "", "Count the parameters by hand. Each variant is the same network with "
           "other numbers; every argument of every layer is given, defaults included.", ""]
    for v in variants:
        if v.number > 1:
            out += ["---", ""]
        out += [f"## Variant {v.number}: {_md(_values(v))}", ""]
        out += [f"- {_md(line)}" for line in describe(v.net)] + [""]
        for i, q in enumerate(v.questions, start=1):
            out += [f"{i}. {_md(q.text)}", "", f"   {_md(ANSWER)}", ""]
    return "\n".join(out)


def markdown_key(name: str, variants: list[Variant]) -> str:
    from .markdown import render as worked

    out = [f"# Answer key: {_md(name)}", ""]
    for v in variants:
        out += [f"## Variant {v.number}: {_md(_values(v))}", ""]
        out += [f"{i}. {_md(q.text)} **{_md(q.answer)}**" for i, q in enumerate(v.questions, start=1)] + [""]
        body = worked(v.account)
        out += ["### Worked solution", "", re.sub(r"^(#+) ", lambda m: "#" * min(len(m.group(1)) + 2, 6) + " ",
                                                   body, flags=re.M), ""]
    return "\n".join(out)


# ---- HTML -----------------------------------------------------------------------------------------------------

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}"
          "code{font-size:.95em;overflow-wrap:anywhere}section.variant{border-top:1px solid #ccc;margin-top:2rem}"
          "strong.answer{color:#064}div.space{height:5em;border-bottom:1px dotted #888;margin-bottom:1em}"
          "@media print{section.variant+section.variant{break-before:page;border-top:none}}")
_PAPER = {"a4": "A4", "letter": "letter"}   # CSS page sizes for --paper


def _page(title: str, head_extra: str, body: list[str], paper: str = "a4") -> str:
    style = _STYLE + f"@page{{size:{_PAPER[paper]};margin:2.2cm}}"
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{_html(title)}</title>\n<style>{style}</style>\n{head_extra}</head>\n<body>\n<main>\n"
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


def html_sheet(name: str, variants: list[Variant], paper: str = "a4") -> str:
    """One section per variant (one printed page each), each question followed by room for the answer."""
    body = [f"<h1>Exercise sheet: {_html(name)}</h1>",
            "<p>Count the parameters by hand. Each variant is the same network with other numbers; every argument "
            "of every layer is given, defaults included.</p>"]
    for v in variants:
        body.append(f'<section class="variant"><h2>Variant {v.number}: {_html(_values(v))}</h2><ul>'
                    + "".join(f"<li><code>{_html(line)}</code></li>" for line in describe(v.net))
                    + "</ul><ol>" + "".join(f'<li>{_html(q.text)}<div class="space"></div></li>'
                                            for q in v.questions)
                    + "</ol></section>")
    return _page(f"Exercise sheet: {name}", "", body, paper)


def html_key(name: str, variants: list[Variant], paper: str = "a4") -> str:
    from .html import render as worked

    head_extra, body = "", [f"<h1>Answer key: {_html(name)}</h1>"]
    for v in variants:
        page = worked(v.account)
        style = re.search(r"<style>(.*?)</style>", page, flags=re.S)
        if style and not head_extra:
            head_extra = f"<style>{style.group(1)}</style>\n"
        inner = re.search(r"<main>(.*)</main>", page, flags=re.S)
        solution = inner.group(1) if inner else ""
        solution = re.sub(r"<(/?)h([1-4])", lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 2, 6)}", solution)
        body.append(f'<section class="variant"><h2>Variant {v.number}: {_html(_values(v))}</h2><ol>'
                    + "".join(f'<li>{_html(q.text)} <strong class="answer">{_html(q.answer)}</strong>'
                              f"</li>" for q in v.questions)
                    + f"</ol><h3>Worked solution</h3>{solution}</section>")
    return _page(f"Answer key: {name}", head_extra, body, paper)


# ---- JSON (for a course platform that grades) -----------------------------------------------------------------

def _json_variant(v: Variant, answers: bool) -> dict:
    out = {"number": v.number, "seed": v.seed, "values": dict(v.values), "network": describe(v.net),
           "questions": [{"style": q.style, "text": q.text, **({"layer": q.layer} if q.layer else {})}
                         for q in v.questions]}
    if answers:
        out["answers"] = [q.value for q in v.questions]
    return out


def _json(name: str, variants: list[Variant], answers: bool) -> str:
    import json
    # ASCII only, as `derive --format json`: every other character as \uXXXX, so none reaches a terminal raw
    return json.dumps({"network": name, "variants": [_json_variant(v, answers) for v in variants]}, indent=2) + "\n"


def json_sheet(name: str, variants: list[Variant]) -> str:
    """The sheet as JSON: per variant its number, seed, values, the network as stated, and the questions."""
    return _json(name, variants, answers=False)


def json_key(name: str, variants: list[Variant]) -> str:
    """The sheet's JSON with each variant's answers, in question order: a count as an integer, a shape as a list
    of integers, the largest layer as {"layers": [...], "parameters": N}."""
    return _json(name, variants, answers=True)


# One (sheet, key) pair per format that render.FORMATS marks `sheet`.
SHEETS = {"latex": (latex_sheet, latex_key), "markdown": (markdown_sheet, markdown_key),
          "html": (html_sheet, html_key), "json": (json_sheet, json_key)}
