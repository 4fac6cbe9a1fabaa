"""Files symparam writes appear whole or not at all, and destroy nothing.

Only a regular file (or a name not yet taken) is written: directories, devices, FIFOs and sockets are refused from
their `stat`, before anything is opened, so a FIFO cannot block. The text goes to a temporary file in the target's
folder, which then replaces the target by a rename. A symbolic link is followed: the file it points to is updated,
the link stays. A file with other names (hard links) is not renamed over, which would cut it off from them: the
finished text is copied into it, so every name sees it. A new file gets the mode a shell redirect gives (0o666 less
the umask); an existing one keeps its permissions, and its owner and group where the process may set them.
SIGTERM, SIGINT or SIGHUP during a write removes the temporary file and raises `Interrupted`.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import tempfile
import threading
from contextlib import contextmanager
from typing import IO, Iterable, Iterator

from .errors import Interrupted, SymparamError

_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name))
_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"))


def check_outputs(outputs: dict[str, str | os.PathLike | None], inputs: Iterable[str | os.PathLike] = ()) -> None:
    """Fail early, with one line, when an output (keyed by its option; None = not asked for) cannot be written, is
    one of the command's inputs, or is another of its outputs. Call it before any long computation."""
    taken: dict[tuple, str] = {}
    for name in inputs:
        taken.setdefault(_identity(os.fspath(name)), f"the input {name}: writing it would destroy it; choose another "
                                                     "file.")
    for option, path in outputs.items():
        if path is None:
            continue
        real, info = _inspect(path, option)
        key = _identity(real, info)
        if key in taken:
            raise SymparamError(f"{option} {path} is {taken[key]}")
        taken[key] = f"the same file as {option} {path}; give each output its own file."


@contextmanager
def atomic_output(path: str | os.PathLike, option: str = "--output", binary: bool = False) -> Iterator[IO]:
    """A handle (text, UTF-8, or binary) on a temporary file beside `path`; committed when the block ends normally,
    removed on any exception or signal. For outputs too big to hold in memory: write them piece by piece."""
    real, _ = _inspect(path, option)
    with _removed_on_signal(os.fspath(path)) as temporary:
        try:
            with _signals_held():   # so that no signal comes between making the file and listing it for removal
                fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(real)}.", suffix=".tmp",
                                           dir=os.path.dirname(real))
                temporary.append(tmp)
        except OSError as exc:
            raise _cannot(option, path, exc) from None
        try:
            with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                yield handle
                handle.flush()
                info = _stat(real, option, path)   # again: the target may have changed during a long write
                _take_over(handle.fileno(), info)
                os.fsync(handle.fileno())
            with _signals_held():
                _commit(tmp, real, info)
                temporary.clear()
        except OSError as exc:
            raise _cannot(option, path, exc) from None
        finally:
            for name in temporary:
                _unlink(name)


def write_atomic(path: str | os.PathLike, data: str | bytes, option: str = "--output") -> None:
    """Write all of `data` to `path`, whole or not at all (see `atomic_output`)."""
    with atomic_output(path, option, binary=isinstance(data, bytes)) as handle:
        handle.write(data)


def _inspect(path: str | os.PathLike, option: str) -> tuple[str, os.stat_result | None]:
    """The file a write to `path` would change (symbolic links followed) and its stat (None: absent), or a
    one-line refusal."""
    name = os.fspath(path)
    if not name:
        raise SymparamError(f"{option} needs a file name.")
    real = os.path.realpath(name)
    info = _stat(real, option, name)
    folder, given = os.path.dirname(real), os.path.dirname(name) or "."
    shown = given if os.path.isdir(given) and os.path.realpath(given) == folder else folder   # as the user wrote it
    if not os.path.isdir(folder):
        raise SymparamError(f"{option} {name}: the folder {given if not os.path.isdir(given) else folder} does "
                            "not exist.")
    if not os.access(folder, os.W_OK):
        raise SymparamError(f"{option} {name}: the folder {shown} is not writable.")
    if info is not None and not os.access(real, os.W_OK):
        raise SymparamError(f"{option} {name}: the file is read-only.")
    return real, info


def _stat(real: str, option: str, name: str | os.PathLike) -> os.stat_result | None:
    try:
        info = os.stat(real)
    except FileNotFoundError:
        return None
    except OSError as exc:   # a loop of links, a file used as a folder, no permission
        raise SymparamError(f"{option} {name}: {exc.strerror}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise SymparamError(f"{option} {name} is a directory; give a file name.")
    if not stat.S_ISREG(info.st_mode):
        kind = next((kind for test, kind in _KINDS if test(info.st_mode)), "not a regular file")
        raise SymparamError(f"{option} {name} is {kind}; symparam writes only regular files.")
    return info


def _identity(name: str, info: os.stat_result | None = None) -> tuple:
    """The same key for two names of one file: device and inode when it exists, else the resolved path."""
    try:
        info = info or os.stat(name)
    except OSError:
        return ("path", os.path.realpath(name))
    return ("file", info.st_dev, info.st_ino)


def _take_over(fd: int, info: os.stat_result | None) -> None:
    """Give the temporary file the mode a shell redirect would leave: the existing file's permissions, owner and
    group (as far as the process may set them), else 0o666 less the umask."""
    if not hasattr(os, "fchmod"):   # Windows: no POSIX modes to keep
        return
    if info is None:
        os.fchmod(fd, 0o666 & ~_umask())
        return
    for owner in ((info.st_uid, info.st_gid), (-1, info.st_gid)):
        try:
            os.fchown(fd, *owner)
            break
        except PermissionError:
            continue
    os.fchmod(fd, stat.S_IMODE(info.st_mode) & 0o777)


def _umask() -> int:
    """The process's umask, read from /proc where there is one, else set (to the strict 077) and restored at once."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _commit(tmp: str, real: str, info: os.stat_result | None) -> None:
    if info is None or info.st_nlink == 1:
        os.replace(tmp, real)
        return
    # Other names share this file: copy the finished text into it (O_NONBLOCK: a FIFO put there meanwhile fails
    # at once instead of blocking), and only if it is still the file that was checked.
    fd = os.open(real, os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    with open(fd, "wb") as target, open(tmp, "rb") as source:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (info.st_dev, info.st_ino):
            raise OSError(0, f"{real} was replaced while symparam was writing it")
        shutil.copyfileobj(source, target, 1 << 20)
        target.truncate()
        target.flush()
        os.fsync(fd)
    os.unlink(tmp)


@contextmanager
def _removed_on_signal(path: str) -> Iterator[list[str]]:
    """While the block runs, SIGTERM, SIGINT and SIGHUP remove the temporary files in the yielded list, then raise
    `Interrupted`. Signals ignored by the caller (nohup) stay ignored; the previous handlers come back after."""
    temporary: list[str] = []

    def handler(signum, frame):
        for name in temporary:
            _unlink(name)
        raise Interrupted(signum, path)

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in _SIGNALS:
            old = signal.getsignal(signum)
            if old is not None and old is not signal.SIG_IGN:
                previous[signum] = signal.signal(signum, handler)
    try:
        yield temporary
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGTERM, SIGINT and SIGHUP while a commit runs, so that it is never cut in half; they arrive after."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _cannot(option: str, path, exc: OSError) -> SymparamError:
    return SymparamError(f"{option} {path}: cannot write there ({exc.strerror or exc}).")


def _unlink(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass
