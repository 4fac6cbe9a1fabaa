"""Reading a user's file, bounded before it is read: at most `limit` bytes are read (a larger file is refused, never
read whole), and each failure is one message naming what the file was meant to be; the caller adds the file's name
(SymparamError.in_file). The spec loader and the config importers all read through here."""

from __future__ import annotations

from .errors import SymparamError


def size_words(limit: int) -> str:
    """4194304 -> "4 MiB", 1048576 -> "1 MiB", 65536 -> "64 KiB"."""
    for unit, scale in (("MiB", 2**20), ("KiB", 2**10)):
        if limit >= scale and limit % scale == 0:
            return f"{limit // scale} {unit}"
    return f"{limit:,} bytes"


def too_large(what: str, limit: int) -> SymparamError:
    return SymparamError(f"the {what} is larger than {size_words(limit)} (a fixed limit).")


def read_head(path, size: int, what: str) -> bytes:
    """The file's first `size` bytes (or all of a shorter file)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError as exc:
        raise SymparamError(f"cannot read the {what}: {exc.strerror or exc}.") from None


def read_bytes(path, limit: int, what: str) -> bytes:
    """The file's bytes, at most `limit` of them: a larger file is refused."""
    data = read_head(path, limit + 1, what)
    if len(data) > limit:
        raise too_large(what, limit)
    return data


def utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SymparamError(f"the {what} is not UTF-8 text.") from None


def read_text(path, limit: int, what: str) -> str:
    """The file as UTF-8 text, at most `limit` bytes of it."""
    return utf8(read_bytes(path, limit, what), what)
