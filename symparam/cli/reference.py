"""The CLI reference page, generated from the Typer app: `python -m symparam.cli.reference > docs/cli.md`.

It walks the Click command behind the app and writes every command (groups recursively) with its usage, its help
and a line per argument and option. Typer 0.28 carries its own copy of Click (`typer._click`), older ones use
Click itself, so commands and parameters are told apart by what they offer (`list_commands`, `param_type_name`),
never by class; the usage and metavars are spelt here rather than by Click's formatter, so the page reads the same
whichever Click renders it.
"""

from __future__ import annotations

import enum
import inspect
import re
import sys
from collections.abc import Iterator
from typing import Any

PROG = "symparam"
REGENERATE = "python -m symparam.cli.reference > docs/cli.md"


def command_tree() -> Any:
    """The Click command behind symparam's Typer app."""
    import typer

    from .app import app

    return typer.main.get_command(app)


def walk(command: Any, path: tuple[str, ...] = (PROG,)) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every visible command under `command` (itself first), with its words on the command line."""
    yield path, command
    for name, sub in subcommands(command, path):
        yield from walk(sub, path + (name,))


def is_group(command: Any) -> bool:
    return hasattr(command, "list_commands") and hasattr(command, "get_command")


def subcommands(command: Any, path: tuple[str, ...]) -> list[tuple[str, Any]]:
    """A group's visible commands in the order the app lists them; none for a plain command."""
    if not is_group(command):
        return []
    ctx = command.context_class(command, info_name=path[-1])
    found = [(name, command.get_command(ctx, name)) for name in command.list_commands(ctx)]
    return [(name, sub) for name, sub in found if sub is not None and not sub.hidden]


def arguments(command: Any) -> list[Any]:
    return [p for p in visible_params(command) if p.param_type_name == "argument"]


def options(command: Any) -> list[Any]:
    return [p for p in visible_params(command) if p.param_type_name == "option"]


def visible_params(command: Any) -> list[Any]:
    """The command's own arguments and options (Click's --help is not among them), hidden ones left out."""
    return [p for p in command.params if not getattr(p, "hidden", False)]


def render() -> str:
    """The whole reference page as Markdown."""
    lines = [
        "# Command-line reference",
        "",
        f"Generated from the command-line app (`{REGENERATE}`); do not edit by hand.",
        "Every command also takes `--help`. A mistake on the command line is reported in one line on stderr, with "
        "exit status 2.",
        "Files written with `--output`, `--answers` or `--plot` appear whole or not at all (a temporary file beside "
        "the target, removed if the command fails or is stopped), with the mode a shell redirect gives; only a "
        "regular file is written, never a directory, device or FIFO, one of the command's inputs or another of "
        "its outputs. Standard output that cannot be written (a full disk, a closed pipe) is one line on stderr "
        "and a non-zero exit status.",
        "",
    ]
    for path, command in walk(command_tree()):
        lines += _command(path, command)
    return "\n".join(lines).rstrip("\n") + "\n"


def _command(path: tuple[str, ...], command: Any) -> list[str]:
    name = " ".join(path)
    lines = [f"## `{name}`", "", "```text", _usage(path, command), "```", ""]
    lines += [*_help(command), ""]
    if command.deprecated:
        lines += ["Deprecated.", ""]
    if arguments(command):
        lines += ["Arguments:", ""] + [_argument(p) for p in arguments(command)] + [""]
    if options(command):
        lines += ["Options:", ""] + [_option(p) for p in options(command)] + [""]
    subs = subcommands(command, path)
    if subs:
        lines += ["Commands:", ""]
        lines += [f"- [`{n}`](#{_anchor(' '.join(path + (n,)))}): {_first_sentence(c)}" for n, c in subs]
        lines += [""]
    return lines


def _usage(path: tuple[str, ...], command: Any) -> str:
    pieces = [*path, "[OPTIONS]"]          # there is always --help
    pieces += [_argument_metavar(p) for p in arguments(command)]
    if is_group(command):
        pieces.append("COMMAND [ARGS]...")
    return "Usage: " + " ".join(pieces)


def _help(command: Any) -> list[str]:
    text = inspect.cleandoc(command.help or "").split("\f")[0].strip()
    if not text:
        return ["(No description.)"]
    paragraphs = re.split(r"\n\s*\n", text)
    out: list[str] = []
    for paragraph in paragraphs:
        if paragraph.startswith("\b\n"):     # Click's "keep these lines as they are"
            out += ["```text", paragraph[2:], "```", ""]
        else:
            out += [_escape(" ".join(paragraph.split())), ""]
    return out[:-1]


def _first_sentence(command: Any) -> str:
    text = " ".join((command.short_help or command.help or "").split("\f")[0].split())
    return text.split(". ")[0].rstrip(".") + "." if text else ""


def _anchor(title: str) -> str:
    """The id Python-Markdown's toc gives a heading `` `title` ``."""
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", title).strip().lower())


def _argument_metavar(p: Any) -> str:
    name = p.metavar or (p.name or "").upper()
    if p.nargs == -1:
        name += "..."
    return name if p.required else f"[{name}]"


_TYPE_NAMES = {"str": "TEXT", "text": "TEXT", "string": "TEXT", "int": "INTEGER", "integer": "INTEGER",
               "float": "FLOAT", "bool": "BOOLEAN", "boolean": "BOOLEAN", "path": "PATH", "filename": "FILE"}


def _type_metavar(p: Any) -> str:
    if p.metavar:
        return p.metavar
    choices = getattr(p.type, "choices", None)
    if choices:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in choices) + "]"
    name = str(getattr(p.type, "name", "text"))
    return _TYPE_NAMES.get(name.lower(), name.upper())


def _argument(p: Any) -> str:
    name = p.metavar or (p.name or "").upper()
    facts = ["required" if p.required else "optional"]
    if p.nargs == -1:
        facts.append("any number")
    help_text = _text(getattr(p, "help", None))
    return f"- `{name}` ({', '.join(facts)}): {help_text}"


def _option(p: Any) -> str:
    names = ", ".join(f"`{o}`" for o in p.opts)
    if p.secondary_opts:
        names += " / " + ", ".join(f"`{o}`" for o in p.secondary_opts)
    if not p.is_flag or p.count:
        names += f" `{_type_metavar(p)}`"
    facts = []
    if p.required:
        facts.append("required")
    if p.multiple and "repeatable" not in (p.help or "").lower():
        facts.append("repeatable")
    default = _default(p)
    if default is not None:
        facts.append(f"default: `{default}`")
    suffix = f" ({'; '.join(facts)})" if facts else ""
    return f"- {names}: {_text(p.help)}{suffix}"


def _default(p: Any) -> str | None:
    """The default worth printing: none for flags off by default, empty values and callables."""
    value = p.default
    if value is None or callable(value) or value in ("", (), []):
        return None
    if p.is_flag and value is False:
        return None
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (list, tuple)):
        return " ".join(_plain(v) for v in value)
    return _plain(value)


def _plain(value: Any) -> str:
    """A default as typed on the command line: an Enum member by its value."""
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


def _text(help_text: str | None) -> str:
    text = " ".join((help_text or "").split())
    return _escape(text) or "(No description.)"


def _escape(text: str) -> str:
    """Help text as Markdown that shows it as written: no HTML tags, no emphasis from `*` or a word's `_`."""
    text = text.replace("<", "&lt;").replace("*", r"\*")
    return re.sub(r"(?<!\w)_|_(?!\w)", r"\_", text)


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
