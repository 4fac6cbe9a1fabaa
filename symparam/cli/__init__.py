"""The command line: a thin Typer app. Each command parses its options, calls the library, hands the result
to a renderer. Every user mistake becomes one line on stderr and exit status 2."""

from __future__ import annotations

import errno
import os
import sys

_WRITE_ERRORS = {errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF}

def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status: 0 success; 2 bad input, an unwritable output or standard output;
    128 + N when signal N stopped it (141 a closed pipe, quietly, as `| head` expects; 143 SIGTERM during a
    write)."""
    if sys.stdout is None:   # Python started with descriptor 1 closed: writing must fail, not vanish
        sys.stdout = _Closed()
    try:
        status = _run(sys.argv[1:] if argv is None else list(argv))
        sys.stdout.flush()   # now, not at exit, where a failure could no longer change the status
    except SystemExit as exc:
        if isinstance(exc.__context__, BrokenPipeError):   # Typer's silent sys.exit(1) on a closed pipe
            return _stdout_failed(exc.__context__)
        raise
    except OSError as exc:
        # Every file symparam reads or writes turns its OSError into a SymparamError; what reaches here with a
        # write's errno comes from standard output.
        if exc.errno not in _WRITE_ERRORS:
            raise
        return _stdout_failed(exc)
    return status


def _run(args: list[str]) -> int:
    import typer

    from ..errors import Interrupted, SymparamError
    from .app import build

    # Build only the command being run (when it is named first); anything else gets the whole app.
    app = build(args[0] if args and not args[0].startswith("-") else None)
    try:
        result = app(args=args, prog_name="symparam", standalone_mode=False)
    except SymparamError as exc:
        return _fail(str(exc))
    except Interrupted as exc:
        _fail(str(exc))
        return exc.status
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        return _fail("aborted")
    except Exception as exc:
        # Click's usage errors (vendored inside Typer, so matched by what they offer, not by class).
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            if type(exc).__name__ == "NoArgsIsHelpError":
                print(exc.format_message(), file=sys.stderr)
                return 2
            return _fail(exc.format_message().replace("\n", " "))
        raise
    return result if isinstance(result, int) else 0


def _fail(message: str) -> int:
    from ..render.escape import plain   # a message may quote a name, a path or an option as given: no control code

    try:
        print(f"error: {plain(message)}", file=sys.stderr)
    except (OSError, ValueError, AttributeError):   # no stderr either: the status alone tells
        pass
    return 2


def _stdout_failed(exc: OSError) -> int:
    if exc.errno != errno.EPIPE:   # a reader that closed the pipe (`| head -1`) wanted no more: end quietly
        _fail(f"cannot write to standard output: {exc.strerror or exc}")
    # Python flushes the text still buffered at exit and would report that failure too: let it go to /dev/null.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
    return 128 + 13 if exc.errno == errno.EPIPE else 2   # 141, as a shell reports a command stopped by SIGPIPE


class _Closed:
    """Standard output when descriptor 1 was closed: every write fails as a write to a closed descriptor does."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def run() -> None:
    """The console-script entry point."""
    sys.exit(main())
