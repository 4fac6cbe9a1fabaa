"""Write a spec document (dicts, lists, strings, integers, booleans, exact fractions) as TOML text.

Only what specs use: tables, arrays of tables (`[[layers]]`), inline tables for small mappings, and scalars.
Strings are written as TOML basic strings with every control character escaped, so a name taken from a foreign
file cannot end a string or a line. A leading `#` comment block comes from the document's "__comment__" key.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def dumps(document: dict[str, Any]) -> str:
    lines: list[str] = []
    comment = document.get("__comment__")
    if comment:
        lines += [f"# {line}".rstrip() for line in _plain_lines(str(comment))]
    _table(lines, (), {k: v for k, v in document.items() if k != "__comment__"})
    return "\n".join(lines).strip("\n") + "\n"


def _plain_lines(text: str) -> list[str]:
    return ["".join(c if c.isprintable() else " " for c in line) for line in text.splitlines()]


def _table(lines: list[str], path: tuple[str, ...], table: dict[str, Any]) -> None:
    """Scalars and inline tables first (TOML needs them before any sub-table), then tables, then arrays of tables."""
    later = []
    for key, value in table.items():
        if _inline(value):
            lines.append(f"{key_text(key)} = {value_text(value)}")
        else:
            later.append((key, value))
    for key, value in later:
        header = ".".join(key_text(p) for p in (*path, key))
        if isinstance(value, dict):
            if not value or any(_inline(v) for v in value.values()):   # a table of tables needs no header
                lines += ["", f"[{header}]"]
            _table(lines, (*path, key), value)
        else:   # a list of tables: [[layers]]
            for item in value:
                lines += ["", f"[[{header}]]"]
                _table(lines, (*path, key), item)


def _inline(value: Any) -> bool:
    """A scalar, a list of scalars, or a small mapping of those ({ default = 12, doc = "..." })."""
    if isinstance(value, dict):
        return all(_scalar(v) for v in value.values()) and len(value_text(value)) <= 100
    if isinstance(value, list):
        return not any(isinstance(v, dict) for v in value)
    return True


def _scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list, tuple)) or all(_scalar(v) for v in value) and not isinstance(value, dict)


def key_text(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else string_text(key)   # (match: "$" also matches before a final "\n")


def string_text(text: str) -> str:
    out = ['"']
    for c in text:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c in "\b\t\n\f\r":
            out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[c])
        elif not c.isprintable() or c in "\u2028\u2029":
            out.append(f"\\u{ord(c):04X}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08X}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else string_text(f"{value.numerator}/{value.denominator}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a spec has no place for {value!r}")
        return repr(value)
    if isinstance(value, str):
        return string_text(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key_text(k)} = {value_text(v)}" for k, v in value.items()) + " }" if value else "{}"
    raise TypeError(f"cannot write {type(value).__name__} in a spec")
