"""The user guide: the generated CLI reference is current and complete, the mkdocs site builds in strict mode, and
every relative link in the docs and the README reaches a file."""

from __future__ import annotations

import enum
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import pytest
import typer

from symparam.cli import reference

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CLI_MD = DOCS / "cli.md"


# --- the CLI reference ------------------------------------------------------------------------------------------

def test_cli_reference_is_current():
    expected = reference.render()
    actual = CLI_MD.read_text(encoding="utf-8") if CLI_MD.exists() else ""
    assert actual == expected, (
        f"docs/cli.md is stale: the command line changed. Regenerate it with `{reference.REGENERATE}` "
        "and review the diff.")


def _commands(command, path):
    """Every visible command of a Click (or Typer's own Click) command tree, walked here independently of the
    generator: groups offer `commands`."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        if not sub.hidden:
            yield from _commands(sub, path + (name,))


def _sections(text: str) -> dict[str, str]:
    """docs/cli.md split at its `## `symparam ...`` headings."""
    parts = re.split(r"^## `([^`]+)`\s*$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def _check_documented(root, text: str) -> list[str]:
    sections = _sections(text)
    missing = []
    for path, command in _commands(root, ("symparam",)):
        title = " ".join(path)
        if title not in sections:
            missing.append(f"command `{title}`")
            continue
        body = sections[title]
        for param in command.params:
            if getattr(param, "hidden", False):
                continue
            if param.param_type_name == "argument":
                names = [param.metavar or param.name.upper()]
            else:
                names = [*param.opts, *param.secondary_opts]
            missing += [f"`{title}`: {name}" for name in names if f"`{name}`" not in body]
    return missing


def test_every_command_and_option_is_in_the_reference():
    from symparam.cli.app import app

    missing = _check_documented(typer.main.get_command(app), CLI_MD.read_text(encoding="utf-8"))
    assert not missing, (f"docs/cli.md does not document: {', '.join(missing)}. "
                         f"Regenerate it with `{reference.REGENERATE}`.")


class _Fmt(str, enum.Enum):
    latex = "latex"
    markdown = "markdown"


def _toy_app() -> typer.Typer:
    """A command line with what symparam's may grow: a group with a subcommand, a choice, a required and a hidden
    option, optional arguments."""
    app = typer.Typer(add_completion=False, rich_markup_mode=None)

    @app.command("derive")
    def derive(spec: Annotated[str, typer.Argument(help="The spec.")]) -> None:
        """Derive it."""

    sheet = typer.Typer(help="Exercise sheets.")
    app.add_typer(sheet, name="quiz")

    @sheet.command("make")
    def make(
        spec: Annotated[str, typer.Argument(help="The spec.")],
        vary: Annotated[Optional[list[str]], typer.Option("--vary", help="Vary a symbol.", metavar="NAME=V")] = None,
        count: Annotated[int, typer.Option("--count", help="How many.")] = 3,
        fmt: Annotated[_Fmt, typer.Option("--format", help="Output format.")] = _Fmt.latex,
        answers: Annotated[str, typer.Option("--answers", help="The key.")] = ...,
        secret: Annotated[bool, typer.Option("--secret", hidden=True)] = False,
        names: Annotated[Optional[list[str]], typer.Argument(help="More.")] = None,
    ) -> None:
        """Make a sheet.

        With answers."""

    return app


def test_the_generator_documents_a_new_command_and_group(monkeypatch):
    """A command added later appears in the page with its usage, its help and every visible option."""
    app = _toy_app()
    root = typer.main.get_command(app)
    monkeypatch.setattr(reference, "command_tree", lambda: root)
    text = reference.render()
    assert _check_documented(root, text) == []
    section = _sections(text)["symparam quiz make"]
    assert "Usage: symparam quiz make [OPTIONS] SPEC [NAMES...]" in section
    assert "Make a sheet.\n\nWith answers." in section
    assert "- `--vary` `NAME=V`: Vary a symbol. (repeatable)" in section
    assert "- `--count` `INTEGER`: How many. (default: `3`)" in section
    assert "- `--format` `[latex|markdown]`: Output format. (default: `latex`)" in section
    assert "- `--answers` `TEXT`: The key. (required)" in section
    assert "--secret" not in text
    assert "Usage: symparam quiz [OPTIONS] COMMAND [ARGS]..." in _sections(text)["symparam quiz"]
    assert "[`make`](#symparam-quiz-make)" in text


# --- the site ---------------------------------------------------------------------------------------------------

def test_every_docs_page_is_in_the_nav():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    named = set(re.findall(r"[\w./-]+\.md", config))
    missing = sorted(p.name for p in DOCS.glob("*.md") if p.name not in named)
    assert not missing, f"docs pages missing from mkdocs.yml's nav: {', '.join(missing)}"


def test_mkdocs_strict_build(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install mkdocs-material)")
    pytest.importorskip("material", reason="mkdocs-material is not installed (pip install mkdocs-material)")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
         "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}"
    for page in ("index.html", "getting-started/index.html", "cli/index.html", "layers/index.html",
                 "spec/index.html", "whatif/index.html", "conventions/index.html",
                 "cookbook-whatif/index.html", "cookbook-course/index.html"):
        assert (tmp_path / "site" / page).is_file(), f"the build did not write {page}"


# --- links ------------------------------------------------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+).+?\1", re.S)
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def relative_links(text: str) -> list[str]:
    """The targets of a Markdown text's links and images that are relative paths (outside code)."""
    text = _CODE_SPAN.sub("", _FENCE.sub("", text))
    targets = _INLINE_LINK.findall(text) + _REFERENCE_DEF.findall(text)
    return [t for t in targets if not _SCHEME.match(t) and not t.startswith(("#", "/"))]


def test_the_link_finder():
    text = ("See [a](spec.md) and [b](../README.md#quick-start \"title\"), ![c](img/x.png), [d](https://x.org/y.md),"
            " [e](#here), `[f](code.md)`.\n\n```md\n[g](fenced.md)\n```\n\n[h]: other.md\n")
    assert relative_links(text) == ["spec.md", "../README.md#quick-start", "img/x.png", "other.md"]


@pytest.mark.parametrize("page", sorted([*DOCS.glob("*.md"), ROOT / "README.md"]), ids=lambda p: p.name)
def test_relative_links_reach_files(page):
    broken = []
    for target in relative_links(page.read_text(encoding="utf-8")):
        path = target.split("#", 1)[0].split("?", 1)[0]
        if path and not (page.parent / path).exists():
            broken.append(target)
    assert not broken, f"{page.relative_to(ROOT)} links to missing files: {', '.join(broken)}"


def test_every_symparam_command_in_the_readme_runs_verbatim(tmp_path):
    """Each `symparam ...` line of the README's code blocks, as a user pastes it in a clone (examples/ beside it)."""
    import shlex
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    commands = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()
                if line.startswith("symparam ")]
    assert len(commands) >= 10
    for command in commands:
        done = subprocess.run([sys.executable, "-m", *shlex.split(command)], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert done.returncode == 0, (command, done.stderr)
