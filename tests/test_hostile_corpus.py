"""Hostile names and docs (issue 11): what symparam writes runs nothing where it is used.

A seeded corpus of names and docs drawn from LaTeX, HTML, Markdown, terminal control and Unicode alphabets goes
through every command and format, and:
- every LaTeX output compiles with pdflatex (no shell escape) and runs no primitive: the PDF holds no file's
  content (a canary file, /etc/passwd, the host name), shows the names as text, and pdflatex writes no file;
- every HTML page, and every Markdown output rendered by Python-Markdown, runs no script in headless Chromium,
  and holds the same elements and attributes as the same network with plain names: the names stay text;
- no terminal output (stdout, stderr) carries a control character or a bidi override;
- nothing ends in a traceback: exit status 0, or 2 with one line on stderr.
Names with control characters may be refused when a spec is read; the renderers are tested on them directly too.
Then the escaping functions on their own (hypothesis), and the issue's concrete cases.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import unicodedata
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from symparam.cli import main
from symparam.render import escape
from test_course_outputs import CHROMIUM, CHROMIUM_FLAGS, PDFLATEX, needs_chromium, needs_pdflatex

ROOT = Path(__file__).resolve().parent.parent
CNN = str(ROOT / "examples" / "cnn.toml")
PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext is not installed (apt-get install "
                                                               "poppler-utils)")
needs_markdown = pytest.mark.skipif(any(__import__("importlib").util.find_spec(m) is None
                                        for m in ("markdown", "pymdownx")),
                                    reason="Python-Markdown is not installed (pip install mkdocs-material)")

# ---- the corpus ---------------------------------------------------------------------------------------------------

RAN = "XSS" + "RAN"                                   # what a payload writes when it runs; the page never holds it
JS = "document.title='XSS'+'RAN'"                     # so the text of the payload never spells it
MARK = "var e=document.createElement('b');e.id='XSS'+'RAN';document.documentElement.append(e)"

LATEX = (r"\input /etc/hostname", r"\input{/etc/passwd}", r"\catcode`\@=11 \makeatletter\@@end", r"\catcode`\^^M=13",
         r"\immediate\openout5=pwned-openout.tex\immediate\write5{x}\immediate\closeout5",
         r"\immediate\write18{touch pwned-shell}", r"$\undefinedmacro$", r"\def\pwned{1}\pwned", "}{", "%", "#",
         "^^5c", "^^5cinput /etc/hostname", r"\end{document}", r"[3cm] \\[4cm]", "*[opt]", "~", "&", "_", "\\",
         r"\verb|x|", r"\csname @@end\endcsname", "--- ``quotes''", r"\relax}", r"\string\x\expandafter",
         "\\begin{verbatim}")
HTML = (f"<script>{JS}</script>", f"<img src=x onerror=\"{MARK}\">", f"<svg onload={JS}>",
        f"</math><script>{JS}</script>", f"</title><script>{JS}</script>", f"\"><script>{JS}</script>",
        f"' onmouseover='{JS}' x='", "&amp; &lt;b&gt;", "<!--", "-->", "]]>", f"</script><script>{JS}</script>",
        "<style>body{display:none}</style>", f"<a href=\"javascript:{JS}\">link</a>", "<iframe src=\"javascript:1\">",
        f"<details open ontoggle=\"{MARK}\">", "</textarea></style>")
MARKDOWN = (f"[x](javascript:{JS})", f"![i](javascript:{JS})", "<javascript:alert(1)>", "*em* **strong** _em_",
            "`code`", "```", "| a | b |", "# heading", "$x^2$", "$$", r"\(x\) \[y\]", "<https://example.com>",
            "[ref]: javascript:alert(1)", "---", "> quote", "1. item", "- item", "~~strike~~", "&#60;script&#62;",
            "{: onclick=\"alert(1)\" }", "\\*", "[^1]", "<div markdown=\"1\">", "==mark== ^sup^ ~sub~",
            "x  ", "   ")
RICH = ("[bold red]x[/]", "[link=javascript:alert(1)]y[/link]", ":warning: :smile:", "[/]", "\\[b]", "ends\\")
TERMINAL = ("\x1b[2J", "\x1b]52;c;SGVsbG8=\x07", "\x1b[31mred\x1b[0m", "\x9b2J", "\x07", "\x08", "\r",
            "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "\x1bP+q\x1b\\", "\x1b[6n", "\x00", "\x7f", "\u202e",
            "\u2066", "\u200f", "\u061c", "\n", "\t", "\u2028", "\ufeff", "\u00a0", "\x1bc")
UNICODE = ("αβγ Δ ω", "Привет мир", "中文字符", "日本語のテキスト", "한국어", "مرحبا بالعالم", "עברית",
           "😀🚀👍🏽", "e\u0301\u0302 combining", "ﬁ ligature", "Ωμέγα", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "ℵ∑∫", "٣٤", "x\u0338",
           "ǅ İı ß", "ﾊﾝｶｸ ＼＄", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F")

PRINTABLE = tuple(f for f in LATEX + HTML + MARKDOWN + RICH + UNICODE if f.isprintable())
CONTROL = TERMINAL + tuple(f for f in LATEX + HTML + MARKDOWN + RICH + UNICODE if not f.isprintable())
EVERYTHING = PRINTABLE + CONTROL

BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def combine(fragments, seed: int, limit: int = 110) -> list[str]:
    """Every fragment once, joined at random into names of at most `limit` characters; distinct, never blank."""
    rng = random.Random(seed)
    pool = list(fragments)
    rng.shuffle(pool)
    out: list[str] = []
    while pool:
        name = pool.pop()
        while pool and len(name) + 3 + len(pool[-1]) <= limit and rng.random() < 0.6:
            name += rng.choice([" ", "", " | "]) + pool.pop()
        if not name.strip() or name in out:
            name = f"n{len(out)} {name}"
        out.append(name)
    return out


def toml_string(text: str) -> str:
    """A TOML basic string holding exactly `text`."""
    def char(c: str) -> str:
        if c in '"\\':
            return "\\" + c
        return f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c
    return '"' + "".join(map(char, text)) + '"'


def corpus_spec(names: list[str], title: str, docs: tuple[str, str, str], opaque: str, units: int = 4) -> str:
    """A network using every name: named inputs, a Conv1D, Dense layers, a block used once, an Embedding on the
    second input, an Add, a Dense whose kernel is tied to the embedding, and a pooling output (a condition on T)."""
    q = toml_string
    source, tokens, block, use, inner_a, inner_b, conv, embed, add, head, pool = names[:11]
    dense = names[11:] or ["plain"]
    lines = ["[network]", f"name = {q(title)}", f"input = {{ {q(source)} = [\"T\", \"d\"], {q(tokens)} = [\"T\"] }}",
             f"outputs = [{q(head)}, {q(pool)}]", "", "[symbols]", f"T = {{ default = 16, doc = {q(docs[0])} }}",
             f"d = {{ default = 8, doc = {q(docs[1])} }}", f"V = {{ default = 50, doc = {q(docs[2])} }}", "",
             f"[blocks.{q(block)}]", 'args = { w = "required" }', 'inputs = ["x"]', f"output = {q(inner_b)}", "",
             f"[[blocks.{q(block)}.layers]]", 'type = "Dense"', f"name = {q(inner_a)}", 'units = "w"', "",
             f"[[blocks.{q(block)}.layers]]", 'type = "Dense"', f"name = {q(inner_b)}", 'units = "w"',
             f"kernel_initializer = {q(opaque)}", "",
             "[[layers]]", 'type = "Conv1D"', f"name = {q(conv)}", 'filters = "d"', "kernel_size = 3",
             'padding = "same"', f"inputs = [{q(source)}]", ""]
    for i, name in enumerate(dense):
        lines += ["[[layers]]", 'type = "Dense"', f"name = {q(name)}", f"units = {units if i % 3 == 1 else q('d')}",
                  *([f"kernel_initializer = {q(opaque)}"] if i % 4 == 0 else []), ""]
    lines += ["[[layers]]", 'type = "Dense"', 'name = "to_d"', 'units = "d"', "",
              "[[layers]]", f"type = {q(block)}", f"name = {q(use)}", 'w = "d"', "",
              "[[layers]]", 'type = "Embedding"', f"name = {q(embed)}", 'input_dim = "V"', 'output_dim = "d"',
              f"inputs = [{q(tokens)}]", "",
              "[[layers]]", 'type = "Add"', f"name = {q(add)}", f"inputs = [{q(use)}, {q(embed)}]", "",
              "[[layers]]", 'type = "Dense"', f"name = {q(head)}", 'units = "V"', "use_bias = false",
              f"tie = {{ kernel = {q(embed + '/embeddings')} }}", "",
              "[[layers]]", 'type = "MaxPooling1D"', f"name = {q(pool)}", "pool_size = 4", f"inputs = [{q(source)}]",
              ""]
    return "\n".join(lines)


def hostile_names(seed: int, extra=()) -> list[str]:
    """Printable hostile names (a spec's layer names must be printable), no '/' where a path needs one."""
    names = combine(PRINTABLE + tuple(extra), seed)
    names.sort(key=lambda n: r"\input" in n)   # the names a test looks for in the PDFs: among the plain layers
    # Names in paths ("use/layer" in the block, "name/embeddings" in the tie) and the others of corpus_spec's
    # first eleven roles hold no '/'.
    slashless = [n.replace("/", "∕") for n in names]
    return slashless[:11] + names[11:]


def layer_names(names: list[str]) -> set[str]:
    """The full names of corpus_spec's layers (the block's carry its use's name)."""
    return set(names[6:]) | {f"{names[3]}/{names[4]}", f"{names[3]}/{names[5]}", "to_d"}


def plain_names(count: int) -> list[str]:
    return [f"layer{i}" for i in range(count)]


@contextlib.contextmanager
def no_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    assert not [str(w.message) for w in caught], "a warning would reach stderr"


def run(capsys, *args: str, ok=(0,)) -> tuple[int, str, str]:
    """The CLI in this process: no traceback, an exit status in `ok` (2 with one error line), and a terminal that
    gets no control character."""
    capsys.readouterr()
    with no_warnings():
        status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert status in ok, (args, status, err)
    if status == 2:
        assert err.startswith("error: ") and err.count("\n") == 1, (args, err)
    else:
        assert err == "", (args, err)
    assert_terminal_clean(out + err)
    return status, out, err


def visible(text: str) -> str:
    """The text without the characters the escaping functions drop (control and invisible formatting ones)."""
    return "".join(c for c in text if escape.html(c))


def assert_terminal_clean(text: str) -> None:
    bad = sorted({c for c in text if (unicodedata.category(c) == "Cc" and c != "\n") or c in BIDI})
    assert not bad, f"control characters reach the terminal: {bad!r}"


# ---- LaTeX: compiled, nothing run ---------------------------------------------------------------------------------

PASSWD = Path("/etc/passwd").read_text(errors="replace").splitlines()[0] if Path("/etc/passwd").exists() else ""
HOSTNAME = socket.gethostname()
CANARY = "CANARY" + "CONTENT"
EXPECTED_FILES = ["doc.aux", "doc.log", "doc.pdf", "doc.tex"]


def canary(directory: Path) -> str:
    """A file whose content must never appear in a PDF; the name fragment that would \\input it."""
    path = directory / "canary.tex"
    path.write_text(CANARY + "\n", encoding="utf-8")
    return rf"\input{{{path}}}"


def fragment_document(fragment: str) -> str:
    """The LaTeX fragment inside a plain article with amsmath (what render/latex.py promises)."""
    return "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n" + fragment + "\\end{document}\n"


def compile_latex(directory: Path, tex: str) -> str:
    """pdflatex without shell escape: it succeeds, writes only its own files, runs nothing; the PDF's text."""
    directory.mkdir(parents=True)
    (directory / "doc.tex").write_text(tex, encoding="utf-8")
    proc = subprocess.run([PDFLATEX, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=directory, capture_output=True, text=True, errors="replace", timeout=120)
    log = (directory / "doc.log").read_text(encoding="latin-1") if (directory / "doc.log").exists() else ""
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert sorted(p.name for p in directory.iterdir()) == EXPECTED_FILES, "pdflatex wrote a file of its own"
    assert "runsystem" not in log
    text = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", "doc.pdf", "-"], cwd=directory, capture_output=True,
                          text=True, check=True, timeout=60).stdout
    assert CANARY not in text
    assert not PASSWD or PASSWD not in text
    assert len(HOSTNAME) < 4 or HOSTNAME not in text
    return text


def compile_all(tmp_path: Path, documents: dict[str, str]) -> dict[str, str]:
    """Several documents compiled two at a time (each in its own folder): name -> the PDF's text."""
    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(compile_latex, tmp_path / f"tex-{name}", tex) for name, tex in documents.items()}
        return {name: future.result() for name, future in futures.items()}


def squeeze(text: str) -> str:
    """Text without line breaks, hyphenation or spaces (TeX breaks lines where it likes)."""
    return re.sub(r"\s+", "", re.sub(r"-\n", "", text))


# ---- HTML: elements the page had anyway, and nothing run ---------------------------------------------------------

class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, tuple(sorted(k for k, _ in attrs))))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self.elements.append(("/" + tag,))

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.elements.append(("<!--",))


def elements(page: str) -> tuple[list[tuple], str]:
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser.elements, "".join(parser.text)


def assert_same_elements(hostile: str, plain: str, what: str = "") -> str:
    """The hostile page has exactly the plain page's elements and attribute names: the names stayed text.
    Returns the hostile page's text."""
    found, text = elements(hostile)
    expected, _ = elements(plain)
    if found != expected:
        i = next((i for i, (a, b) in enumerate(zip(found, expected)) if a != b), min(len(found), len(expected)))
        pytest.fail(f"{what}: a name made elements: {found[i - 6:i + 4]} where plain names give "
                    f"{expected[i - 6:i + 4]}")
    assert not any(c in BIDI or (unicodedata.category(c) == "Cc" and c not in "\n\t") for c in hostile)
    return text


def markdown_page(*documents: str, extensions=("tables", "attr_list", "md_in_html", "pymdownx.arithmatex")) -> str:
    """Markdown documents rendered by Python-Markdown (as MkDocs would), as one HTML page."""
    import markdown

    configs = {"pymdownx.arithmatex": {"generic": True}}
    body = "\n".join(f"<section>{markdown.markdown(d, extensions=list(extensions), extension_configs=configs)}"
                     "</section>" for d in documents)
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>md</title></head><body>{body}</body></html>\n'


def chromium_doms(tmp_path: Path, urls: list[str]) -> list[str]:
    """Each page's DOM after headless Chromium loaded it and ran its scripts (two at a time)."""
    def dump(i_url):
        i, url = i_url
        proc = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / f'profile-{i}'}",
                               "--virtual-time-budget=3000", "--dump-dom", url],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(dump, enumerate(urls)))


def assert_nothing_ran(dom: str) -> None:
    assert RAN not in dom, "a payload ran in the page"
    found, _ = elements(dom)
    assert not [e for e in found if len(e) > 1 and any(a.startswith("on") for a in e[1])], "an event handler"
    assert not [e for e in found if e[0] in ("img", "svg", "iframe", "a", "details", "object", "embed")]


# ---- the corpus through every command ------------------------------------------------------------------------------

def write_pair(tmp_path: Path, seed: int, extra=()) -> tuple[Path, Path, list[str]]:
    """The hostile spec and its plain twin (the same network, names and docs of plain words)."""
    names = hostile_names(seed, extra)
    words = " ".join(combine(PRINTABLE, seed + 1))
    docs = (words[:490], words[490:980], words[980:1470])   # a doc holds at most 500 characters
    hostile = tmp_path / "hostile.toml"
    hostile.write_text(corpus_spec(names, names[-1] + " " + names[0], docs, names[3]), encoding="utf-8")
    twin = tmp_path / "twin.toml"
    twin.write_text(corpus_spec(plain_names(len(names)), "net", ("a", "b", "c"), "x"), encoding="utf-8")
    return hostile, twin, names


def outputs(capsys, tmp_path: Path, spec: Path, tag: str, formats, ok=(0,), quiz=True) -> dict[str, str]:
    """derive in the given formats (and options), quiz sheets and keys, as text; missing when refused (exit 2)."""
    out: dict[str, str] = {}
    for fmt, *options in formats:
        status, text, _ = run(capsys, "derive", spec, "--format", fmt, *options, ok=ok)
        if status == 0:
            out[" ".join([fmt, *options])] = text
    for fmt in ("latex", "markdown", "html") if quiz else ():
        sheet, key = tmp_path / f"{tag}-sheet-{fmt}", tmp_path / f"{tag}-key-{fmt}"
        status, _, _ = run(capsys, "quiz", spec, "--vary", "d=4,8", "--count", "2", "--format", fmt,
                           "--questions", "total,layer,shape,largest", "-o", sheet, "--answers", key, ok=ok)
        if status == 0:
            out[f"quiz {fmt} sheet"] = sheet.read_text(encoding="utf-8")
            out[f"quiz {fmt} key"] = key.read_text(encoding="utf-8")
    return out


LATEX_FORMATS = [("latex",), ("latex", "--share"), ("latex-document", "--share"), ("latex-document", "--symbolic")]
WEB_FORMATS = [("html", "--share"), ("html", "--symbolic"), ("markdown", "--share"), ("markdown", "--symbolic")]


@needs_pdflatex
@needs_pdftotext
def test_corpus_latex_compiles_and_runs_nothing(capsys, tmp_path):
    hostile, _, names = write_pair(tmp_path, seed=11, extra=[canary(tmp_path)])
    texts = outputs(capsys, tmp_path, hostile, "h", LATEX_FORMATS)
    documents = {key.replace(" ", "_").replace("-", ""): (fragment_document(tex) if key.split()[0] == "latex" else tex)
                 for key, tex in texts.items() if key.startswith(("latex", "quiz latex"))}
    assert len(documents) == 6
    shown = compile_all(tmp_path, documents)
    for text in shown.values():
        # The names are there as words, their commands not run (TeX breaks lines and words where it likes).
        assert r"\input/etc/hostname" in squeeze(text) and r"\input{/etc/passwd}" in squeeze(text)
    assert "[3cm]" in squeeze(shown["latexdocument_share"])   # not taken for a table row's spacing


def test_corpus_json_reads_back_every_name(capsys, tmp_path):
    hostile, _, names = write_pair(tmp_path, seed=12)
    _, text, _ = run(capsys, "derive", hostile, "--json", "--share", "--leading", "--convention", "torch")
    doc = json.loads(text)
    assert {layer["name"] for layer in doc["layers"]} == layer_names(names)
    assert doc["network"] == names[-1] + " " + names[0]


@needs_chromium
@needs_markdown
def test_corpus_html_and_markdown_run_no_script(capsys, tmp_path):
    hostile, twin, names = write_pair(tmp_path, seed=13)
    texts = outputs(capsys, tmp_path, hostile, "h", WEB_FORMATS)
    plain = outputs(capsys, tmp_path, twin, "p", WEB_FORMATS)
    for page in ("h", "p"):
        run(capsys, "explore", hostile if page == "h" else twin, "-o", tmp_path / f"{page}-explore.html")
    texts["explore"] = (tmp_path / "h-explore.html").read_text(encoding="utf-8")
    plain["explore"] = (tmp_path / "p-explore.html").read_text(encoding="utf-8")

    pages = {}
    for key in ("html --share", "html --symbolic", "quiz html sheet", "quiz html key", "explore"):
        text = assert_same_elements(texts[key], plain[key], key)
        if key != "explore":
            assert all(name in text for name in layer_names(names)), "a name was mangled"
        pages[key] = texts[key]
    markdown_keys = ("markdown --share", "markdown --symbolic", "quiz markdown sheet", "quiz markdown key")
    for extensions in (("tables", "attr_list", "md_in_html", "pymdownx.arithmatex"), ()):
        page = markdown_page(*(texts[k] for k in markdown_keys), extensions=extensions)
        assert_same_elements(page, markdown_page(*(plain[k] for k in markdown_keys), extensions=extensions),
                             f"Markdown with {extensions or 'no extensions'}")
        pages[f"markdown {extensions}"] = page
    urls = []
    for i, (key, page) in enumerate(pages.items()):
        path = tmp_path / f"page-{i}.html"
        path.write_text(page, encoding="utf-8")
        urls.append(path.resolve().as_uri())
    doms = dict(zip(pages, chromium_doms(tmp_path, urls)))
    for key, dom in doms.items():
        assert_nothing_ran(dom)
    total = re.search(r'id="total">([^<]*)<', doms["explore"])
    assert total and re.fullmatch(r"[\d,]+", total.group(1)), "the explorer's script stopped"


def test_corpus_terminal_commands(capsys, tmp_path):
    hostile, _, names = write_pair(tmp_path, seed=14)
    for options in ([], ["--share"], ["--leading"], ["--convention", "torch"], ["--symbolic"], ["--format", "json"]):
        _, out, _ = run(capsys, "derive", hostile, *options)
    _, out, _ = run(capsys, "derive", hostile)
    assert ":warning: :smile:" in out and "[bold red]x[/]" in out   # no emoji, no markup: the name as written
    other = tmp_path / "other.toml"
    other.write_text(hostile.read_text(encoding="utf-8").replace("units = 4", "units = 5"), encoding="utf-8")
    run(capsys, "diff", hostile, other)
    _, out, _ = run(capsys, "diff", hostile, other, "--json")
    json.loads(out)
    for fmt in ("table", "csv", "json"):
        run(capsys, "sweep", hostile, "--over", "d=4:6", "--per-layer", "--format", fmt)
    run(capsys, "sweep", hostile, "--over", "d=4:6", "--over", "T=8,16", "--plot", tmp_path / "plot.svg")
    run(capsys, "solve", hostile, "--for", "d", "--budget", "100K")
    run(capsys, "layers")
    for name in names[:3]:
        run(capsys, "layers", name, ok=(2,))
    for fmt in ("latex", "markdown", "html"):
        run(capsys, "quiz", hostile, "--vary", "d=4,8", "--format", fmt)


def control_spec(tmp_path: Path) -> tuple[Path, Path]:
    """Control characters where a spec can hold any string: the network's name, docs, an opaque argument, and the
    file's name (a network without a name takes its file's)."""
    title = "".join(TERMINAL[:12]) + "net\n# injected heading"
    spec = corpus_spec(hostile_names(15), title, ("\x1b[2J" + "\x07 doc", "\u202e" + "d doc", "\x9b" + "6n"),
                       "\x1b]52;c;SGVsbG8=\x07\n\\input /etc/hostname")
    path = tmp_path / "named.toml"
    path.write_text(spec, encoding="utf-8")
    nameless = tmp_path / ("\x1b[2J\x1b]52;c;eA==\x07\u202e" + "spec.toml")
    nameless.write_text(re.sub(r"(?m)^name = .*\n", "", spec, count=1), encoding="utf-8")
    return path, nameless


@needs_pdflatex
@needs_pdftotext
def test_corpus_control_characters_in_spec_text(capsys, tmp_path):
    """Refused when read (exit 2, one line), or else rendered without them: no output holds a control character,
    the LaTeX compiles, the Markdown heading stays one line."""
    documents = {}
    for i, spec in enumerate(control_spec(tmp_path)):
        formats = [("table",), ("latex-document",), ("markdown",)] + [("html",), ("json",)] * (i == 0)
        texts = outputs(capsys, tmp_path, spec, f"c{i}", formats, ok=(0, 2), quiz=i == 0)
        if i == 0:
            run(capsys, "explore", spec, "-o", tmp_path / f"c{i}.html", ok=(0, 2))
            run(capsys, "sweep", spec, "--over", "d=4:5", "--plot", tmp_path / f"c{i}.png", ok=(0, 2))
            run(capsys, "derive", spec, "-f", "markdown", "-o", tmp_path / "\x1b]52;c;eA==\x07out.md", ok=(0, 2))
        for key, text in texts.items():
            if key != "json":
                assert_terminal_clean(text)
        if "markdown" in texts:
            assert [line for line in texts["markdown"].splitlines() if line.startswith("# ")] == \
                   [texts["markdown"].splitlines()[0]]
        if "latex-document" in texts:
            documents[f"doc{i}"] = texts["latex-document"]
        if "quiz latex key" in texts:
            documents[f"key{i}"] = texts["quiz latex key"]
    compile_all(tmp_path, documents)


# ---- the renderers on their own, with names no spec may hold -------------------------------------------------------

def poisoned(net, names: dict[str, str], title: str, doc: str, symbol: str = "d"):
    """The network with its layers, its name and a symbol's doc renamed (past the parser's checks)."""
    def layer(record):
        return replace(record, name=names.get(record.name, record.name),
                       inputs=tuple(names.get(n, n) for n in record.inputs))

    def network(n):
        return replace(n, name=title, source=title + ".toml", layers=tuple(map(layer, n.layers)),
                       assumptions=tuple((names.get(w, w), c) for w, c in n.assumptions))
    symbolic = network(net.unbound)
    info = symbolic.symbols.info(symbol)
    symbolic.symbols.declare(symbol, info.default, doc)
    return symbolic if net.symbolic is None else replace(network(net), symbolic=symbolic)


@needs_pdflatex
@needs_pdftotext
def test_renderers_drop_or_show_control_characters(tmp_path):
    from symparam.account import build
    from symparam.engine import derive_file
    from symparam.quiz import make
    from symparam.render import FORMATS, render, sweep as sweep_out
    from symparam.render.diff import table as diff_table
    from symparam.render.explore import render as explore
    from symparam.render.quiz import SHEETS
    from symparam.render.table import show
    from symparam.sensitivity import analyse, leading
    from symparam.sweep import parse_over, run as sweep
    from symparam.twins import translate
    from symparam.diff import compare
    from rich.console import Console

    spec = tmp_path / "spec.toml"
    spec.write_text(corpus_spec(plain_names(12), "net", ("a", "b", "c"), "x"), encoding="utf-8")
    net = derive_file(str(spec), {})
    names = {f"layer{i}": f"l{i} " + TERMINAL[i % len(TERMINAL)] + TERMINAL[(i + 5) % len(TERMINAL)] + "\n# x"
             for i in range(12)}
    bad = poisoned(net, names, "".join(TERMINAL) + "title\n# heading", "".join(TERMINAL) + "doc")
    account = build(bad)
    share, lead, twin = analyse(account), leading(account), translate(bad, "torch")
    texts = {}
    for fmt in FORMATS:
        options = {"share": share, **({"leading": lead, "translation": twin} if fmt.name in ("table", "json") else {})}
        texts[fmt.name] = render(account, fmt.name, **options)
    texts["explore"] = explore(account)
    variants = make(bad, [parse_over("d=4,8")], 2, 0, ("total", "layer", "shape", "largest"))
    for fmt, (sheet, key) in SHEETS.items():
        texts[f"{fmt} sheet"], texts[f"{fmt} key"] = sheet(bad.name, variants), key(bad.name, variants)
    console = Console(file=io.StringIO(), width=200, color_system=None, emoji=False)
    show(account, console, share=share, translation=twin, leading=lead)
    diff_table(compare(account, account), console)
    result = sweep(poisoned(derive_file(str(spec), {}, free={"d"}), names, "t", "d"), [parse_over("d=4:5")],
                   per_layer=True)
    sweep_out.table(result, console)
    texts["terminal"] = console.file.getvalue()
    texts["csv"] = sweep_out.csv(result)
    for key, text in texts.items():
        if key != "json":
            assert_terminal_clean(text)
    json.loads(texts["json"])
    assert [line for line in texts["markdown"].splitlines() if line.startswith("# ")] == \
           [texts["markdown"].splitlines()[0]]
    compile_all(tmp_path, {"document": texts["latex-document"], "key": texts["latex key"]})


# ---- each escaping function, for any text ---------------------------------------------------------------------------

_LATEX_TOKEN = re.compile(r"\\textbackslash\{\}|\\[{}#$%&_]|\\textasciitilde\{\}|\\\^\{\}|\\textless\{\}"
                          r"|\\textgreater\{\}|\\textbar\{\}|\{\[\}|\{\]\}|\\ensuremath\{\\[A-Za-z]+\}"
                          r"|\\texttt\{U\+[0-9A-F]{4,6}\}|[ !\"'()*+,\-./0-9:;=?@A-Z`a-z]")
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
          "nu", "xi", "pi", "rho", "sigma", "varsigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "Gamma",
          "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(), max_size=40) | st.text(alphabet="\\{}$&#^_%~[]<>|*'`-", max_size=20)
       | st.sampled_from(EVERYTHING))
def test_latex_escape_holds_only_known_commands(text):
    """Whatever the text, the result is plain letters and a closed set of commands: no primitive can be named."""
    out = escape.latex(text)
    tokens = _LATEX_TOKEN.findall(out)
    assert "".join(tokens) == out, out
    assert {m for m in re.findall(r"\\ensuremath\{\\([A-Za-z]+)\}", out)} <= _GREEK


@needs_pdflatex
@needs_pdftotext
def test_latex_escape_compiles_any_unicode(tmp_path):
    """Code points from every plane (and every fragment of the corpus), escaped, in the documents' fonts."""
    rng = random.Random(5)
    points = [c for c in range(0x20, 0x800)] + [rng.randrange(0x800, 0x110000) for _ in range(3000)]
    chars = [chr(c) for c in points if not 0xD800 <= c <= 0xDFFF]
    words = ["".join(chars[i:i + 40]) for i in range(0, len(chars), 40)] + list(EVERYTHING)
    body = "\n\n".join(rf"{escape.latex(w)} \texttt{{{escape.latex(w)}}} \section*{{{escape.latex(w)}}}"
                       for w in words)
    from symparam.render.latex_document import PREAMBLE
    from symparam.render.quiz import _PREAMBLE
    compile_all(tmp_path, {"document": PREAMBLE + "\\begin{document}\n" + body + "\n\\end{document}\n",
                           "quiz": _PREAMBLE + "\\begin{document}\n" + body + "\n\\end{document}\n"})


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(), max_size=40) | st.sampled_from(EVERYTHING))
def test_html_escape_is_text(text):
    out = escape.html(text)
    assert not re.search(r"[<>\"']|&(?!(amp|lt|gt|quot|#x27);)", out)
    assert html.unescape(out) == visible(text)
    assert_terminal_clean(out)
    parsed, shown = elements(f"<p>{out}</p>")
    assert parsed == [("p", ()), ("/p",)]
    assert shown == html.unescape(out)


@needs_markdown
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
       | st.text(alphabet="\\`*_{}[]()#+-.!|$&<>~:=^ \n", max_size=20) | st.sampled_from(EVERYTHING))
def test_markdown_escape_renders_as_the_text(text):
    """Python-Markdown (as MkDocs runs it) shows the escaped text as exactly the text wherever symparam puts it (a
    paragraph, a heading, a list item, a table cell); nothing else is made of it."""
    import markdown

    out = escape.markdown(text)
    assert "\n" not in out
    extensions = ["tables", "attr_list", "md_in_html", "pymdownx.arithmatex"]
    configs = {"pymdownx.arithmatex": {"generic": True}}
    table = ["table", "thead", "tr", "th", "tbody", "tr", "td"]
    for source, tags in ((f"a {out} b", ["p"]), (f"# a {out} b", ["h1"]), (f"- {out} b", ["ul", "li"]),
                         (f"1. {out} b", ["ol", "li"]), (f"| h |\n| - |\n| {out} b |", table)):
        page = markdown.markdown(source, extensions=extensions, extension_configs=configs)
        found, shown = elements(page)
        assert [e[0] for e in found if not e[0].startswith("/")] == tags, (source, page)
        words = " ".join(shown.split()).removeprefix("h " if tags == table else "")
        expected = ("a " if tags in (["p"], ["h1"]) else "") + visible(text.replace("\n", " ")) + " b"
        assert words == " ".join(expected.split()), (source, page)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(), max_size=40) | st.sampled_from(EVERYTHING))
def test_terminal_escape_prints_as_plain_text(text):
    """Through symparam's rich console the escaped text prints as plain(text): no markup, no emoji, no control."""
    from rich.console import Console

    out = escape.terminal(text)
    assert_terminal_clean(out)
    assert_terminal_clean(escape.plain(text))
    console = Console(file=io.StringIO(), width=10_000, color_system=None, emoji=False, force_terminal=False)
    console.print(out, highlight=False, soft_wrap=True)
    assert console.file.getvalue() == escape.plain(text) + "\n"


# ---- the cases ----------------------------------------------------------------------------------------------

def small_spec(tmp_path: Path, network: str, layer: str, doc: str = "size", name: str = "spec.toml",
               second: str = "out") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([
        "[network]", f"name = {toml_string(network)}", 'input = ["n"]', "",
        "[symbols]", f"n = {{ default = 8, doc = {toml_string(doc)} }}", "",
        "[[layers]]", 'type = "Dense"', f"name = {toml_string(layer)}", 'units = "n"', "",
        "[[layers]]", 'type = "Dense"', f"name = {toml_string(second)}", "units = 3", ""]), encoding="utf-8")
    return path


@needs_pdflatex
@needs_pdftotext
def test_quiz_latex_inputs_no_file(capsys, tmp_path):
    """A layer named \\input /etc/hostname and a network named \\input /etc/passwd: the PDFs show those words."""
    spec = small_spec(tmp_path, r"\input /etc/passwd", r"\input /etc/hostname",
                      second=canary(tmp_path).replace("{", " ").replace("}", ""))
    run(capsys, "quiz", spec, "--vary", "n=4,8", "--format", "latex", "-o", tmp_path / "sheet.tex",
        "--answers", tmp_path / "key.tex")
    shown = compile_all(tmp_path, {k: (tmp_path / f"{k}.tex").read_text(encoding="utf-8") for k in ("sheet", "key")})
    for text in shown.values():
        assert r"\input/etc/passwd" in squeeze(text) and r"\input/etc/hostname" in squeeze(text)


@needs_pdflatex
@needs_pdftotext
def test_catcode_and_openout_write_no_file(capsys, tmp_path):
    name = r"\catcode`\[=1 \catcode`\]=2 \immediate\openout9=pwned.txt \immediate\write9[owned]\immediate\closeout9"
    spec = small_spec(tmp_path, name, name + " ")
    run(capsys, "quiz", spec, "--vary", "n=4,8", "--format", "latex", "-o", tmp_path / "sheet.tex",
        "--answers", tmp_path / "key.tex")
    _, document, _ = run(capsys, "derive", spec, "--format", "latex-document")
    compile_all(tmp_path, {"sheet": (tmp_path / "sheet.tex").read_text(encoding="utf-8"),
                           "key": (tmp_path / "key.tex").read_text(encoding="utf-8"), "document": document})


@needs_chromium
@needs_markdown
def test_quiz_markdown_script_and_img_stay_text(capsys, tmp_path):
    spec = small_spec(tmp_path, f"<script>{JS}</script>", f"<img src=x onerror=\"{MARK}\">")
    run(capsys, "quiz", spec, "--vary", "n=4,8", "--format", "markdown", "-o", tmp_path / "sheet.md",
        "--answers", tmp_path / "key.md")
    page = markdown_page(*((tmp_path / f).read_text(encoding="utf-8") for f in ("sheet.md", "key.md")))
    assert "<script" not in page and "<img" not in page
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    (dom,) = chromium_doms(tmp_path, [(tmp_path / "page.html").resolve().as_uri()])
    assert_nothing_ran(dom)
    assert f"&lt;script&gt;{JS}&lt;/script&gt;" in dom


def test_derive_prints_no_escape_sequence(tmp_path):
    """What users run: a network named with a clipboard write (OSC 52) and a screen clear, or a spec file named
    so; exit 0 with the sequences shown as text, or refused in one line."""
    named = small_spec(tmp_path, "net \x1b]52;c;SGVsbG8=\x07 \x1b[2J \x9b2J end", "layer")
    nameless = tmp_path / "\x1b]52;c;SGVsbG8=\x07\x1b[2J.toml"
    nameless.write_text(re.sub(r"(?m)^name = .*\n", "", named.read_text(encoding="utf-8"), count=1),
                        encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for spec in (named, nameless):
        proc = subprocess.run([sys.executable, "-m", "symparam", "derive", str(spec)], capture_output=True,
                              env=env, timeout=120)
        out, err = proc.stdout.decode(), proc.stderr.decode()
        assert proc.returncode in (0, 2) and "Traceback" not in err
        assert_terminal_clean(out + err)
        if proc.returncode == 0:
            assert "\\x1b]52;c;SGVsbG8=\\x07" in out
        else:
            assert err.count("\n") == 1


@needs_pdflatex
@needs_pdftotext
def test_non_latin_names_compile(capsys, tmp_path):
    spec = small_spec(tmp_path, "Сеть 网络 شبكة 🚀", "Слой αβγ 层 طبقة é ﬁ 😀", second="ähnlich 日本")
    run(capsys, "quiz", spec, "--vary", "n=4,8", "--format", "latex", "-o", tmp_path / "sheet.tex",
        "--answers", tmp_path / "key.tex")
    _, document, _ = run(capsys, "derive", spec, "--format", "latex-document", "--share")
    shown = compile_all(tmp_path, {"sheet": (tmp_path / "sheet.tex").read_text(encoding="utf-8"),
                                   "key": (tmp_path / "key.tex").read_text(encoding="utf-8"), "document": document})
    assert "αβγ" in shown["document"] and "ahnlich" in shown["document"]


@needs_pdflatex
@needs_pdftotext
def test_name_opening_with_a_bracket_is_no_optional_argument(capsys, tmp_path):
    """After a table row's \\\\ (or an \\item), [3cm] would be read as the row's spacing."""
    spec = small_spec(tmp_path, "net", "*[x] first", second="[3cm] second")
    _, document, _ = run(capsys, "derive", spec, "--format", "latex-document")
    (text,) = compile_all(tmp_path, {"document": document}).values()
    for name in ("*[x]first", "[3cm]second"):   # in the table and in the layer's heading
        assert squeeze(text).count(f"{name}(Dense)") == squeeze(text).count(f"{name[-5:]}(Dense)") == 2


def test_error_and_wrote_lines_show_no_control_character(capsys, tmp_path):
    """A path or an option as given, quoted back in an error or a 'Wrote' line, reaches the terminal as text."""
    osc = "\x1b]52;c;SGVsbG8=\x07"
    _, _, err = run(capsys, "derive", tmp_path / f"{osc}missing.toml", ok=(2,))
    assert "\\x1b]52;c;SGVsbG8=\\x07missing.toml" in err
    run(capsys, "derive", CNN, "--format", f"{osc}latex", ok=(2,))
    spec = small_spec(tmp_path, "net", "layer")
    _, out, _ = run(capsys, "derive", spec, "-f", "markdown", "-o", tmp_path / f"{osc}.md")
    assert out.startswith("Wrote ") and "\\x1b]52" in out
    run(capsys, "explore", spec, "-o", tmp_path / f"{osc}.html")


def test_newline_in_network_name_keeps_the_markdown_heading(capsys, tmp_path):
    spec = small_spec(tmp_path, "net\n# injected\n\n<b>x</b>", "layer")
    status, text, _ = run(capsys, "derive", spec, "--format", "markdown", ok=(0, 2))
    if status == 0:
        lines = text.splitlines()
        assert lines[0].startswith("# Parameters of net") and "injected" in lines[0]
        assert not [line for line in lines[1:] if "injected" in line]


def test_newline_in_network_name_renderer(tmp_path):
    """The Markdown renderers on their own (the parser may refuse such a name first)."""
    from symparam.account import build
    from symparam.engine import derive_file
    from symparam.quiz import make
    from symparam.render.markdown import render
    from symparam.render.quiz import markdown_key, markdown_sheet
    from symparam.sweep import parse_over

    net = derive_file(str(small_spec(tmp_path, "net", "layer")), {})
    bad = poisoned(net, {"layer": "a\n## b"}, "net\n# injected\n", "doc", symbol="n")
    variants = make(bad, [parse_over("n=4,8")], 1, 0, ("total", "layer"))
    for text in (render(build(bad)), markdown_sheet(bad.name, variants), markdown_key(bad.name, variants)):
        lines = text.splitlines()
        assert "injected" in lines[0]
        assert all(r"net \# injected" in line for line in lines if "injected" in line)   # never a line of its own
        assert all(r"a \#\# b" in line for line in lines if "# b" in line)


def test_undefined_macro_in_a_doc(capsys, tmp_path):
    """A doc is words: sweep --plot puts it in an axis label (matplotlib would read $...$ as math), explore in
    the page."""
    spec = small_spec(tmp_path, "net", "layer", doc=r"size $\undefinedmacro$ 中文")
    for plot in ("plot.svg", "plot.png"):
        run(capsys, "sweep", spec, "--over", "n=2:5", "--plot", tmp_path / plot)
        assert (tmp_path / plot).stat().st_size > 1000
    run(capsys, "explore", spec, "-o", tmp_path / "page.html")
    assert r"size $\undefinedmacro$ 中文" in (tmp_path / "page.html").read_text(encoding="utf-8")


@needs_chromium
def test_bad_url_hash_keeps_the_explorer_running(capsys, tmp_path):
    import symparam

    run(capsys, "explore", CNN, "-o", tmp_path / "page.html")
    page = (tmp_path / "page.html").resolve().as_uri()
    total = f"{int(symparam.load(CNN).total):,}"
    shapes = ["(" + ", ".join(str(d) for d in symparam.load(CNN, **values).layers[0].output_shape) + ")"
              for values in ({}, {"img_size": 64})]
    assert shapes[0] != shapes[1]
    hashes = ["#%E0%A4%A", "#img_size=%E0%A4%A", "#img_size=%ZZ", "#img_size=%ZZ&img_size=64"]
    doms = chromium_doms(tmp_path, [page + h for h in hashes])
    cells = [(re.search(r'id="total">([^<]*)<', dom).group(1), re.search(r'id="shape-0">([^<]*)<', dom).group(1))
             for dom in doms]
    # The page computed; after a bad part of the hash it still reads a good one.
    assert cells == [(total, shapes[0])] * 3 + [(total, shapes[1])]
