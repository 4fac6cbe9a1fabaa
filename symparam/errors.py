"""One root exception for every user mistake, with context added on the way up.

Low-level code raises a short fact ("filters must be a positive integer ... Received: filters = -4.").
The code that knows where the fact came from adds that context, so the message a user reads is one line:

    cnn.toml: layer 3 'Conv2' (Conv2D): filters must be a positive integer ... Received: filters = -4.
"""

from __future__ import annotations


class SymparamError(Exception):
    """A mistake in a spec or on the command line. Printed as one line; exit status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.file: str | None = None
        self.where: str | None = None

    def within(self, where: str) -> "SymparamError":
        """Name the part of the spec the fact is about (a layer, a table, a key); the innermost wins."""
        if self.where is None:
            self.where = where
        return self

    def in_file(self, file: str) -> "SymparamError":
        if self.file is None:
            self.file = file
        return self

    def __str__(self) -> str:
        """One line whatever the spec held: control, format and line-break characters are shown escaped."""
        return ": ".join(escaped(p) for p in (self.file, self.where, self.message) if p)


def layer_where(index: int, name: str, type_name: str) -> str:
    """How a message names a layer: its 1-based position, its name and its type (made printable, one line)."""
    return f"layer {index} '{_printable(name)}' ({_printable(type_name)})"


def _printable(text: str) -> str:
    text = escaped(text)
    return text if len(text) <= 60 else text[:57] + "..."


def escaped(text: str) -> str:
    """Text with every character that does not print (control, format, line and paragraph separators, unassigned)
    written as its Python escape (\\x1b, \\n, \\u202e); letters of any script stay as they are."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def show(value: object) -> str:
    """A received value as the user wrote it, shortened so the message stays one line."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = repr(value)
    else:
        text = repr(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= 80 else text[:77] + "..."


class Interrupted(BaseException):
    """A signal stopped a write (symparam.fileio); its temporary file is removed. The command exits with `status`
    (128 + the signal's number). Here, not in fileio, so that the CLI can catch it without importing fileio."""

    def __init__(self, signum: int, path: str) -> None:
        import signal

        self.signum = signum
        self.status = 128 + signum
        super().__init__(f"interrupted by {signal.Signals(signum).name} while writing {path}.")
