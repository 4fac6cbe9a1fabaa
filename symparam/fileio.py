"""Files symparam writes appear whole or not at all: write beside the target, then rename over it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import SymparamError


def check_writable(path: str | Path, option: str = "--output") -> Path:
    """Fail early, with one line, when `path` cannot be written (before any long computation)."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise SymparamError(f"{option} {path} is a directory; give a file name.")
    if not folder.is_dir():
        raise SymparamError(f"{option} {path}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK):
        raise SymparamError(f"{option} {path}: the folder {folder} is not writable.")
    return target


def write_atomic(path: str | Path, data: str | bytes, option: str = "--output") -> None:
    """Write all of `data` to a temporary file in the target's folder, then rename it over the target."""
    target = check_writable(path, option)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    except OSError as exc:
        raise SymparamError(f"{option} {path}: cannot write there ({exc.strerror}).") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise SymparamError(f"{option} {path}: cannot write there ({exc.strerror}).") from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
