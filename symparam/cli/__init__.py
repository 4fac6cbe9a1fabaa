"""The command line: a thin Typer app. Each command parses its options, calls the library, hands the result
to a renderer. Every user mistake becomes one line on stderr and exit status 2."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status (0 success, 2 bad input)."""
    import typer

    from ..errors import SymparamError
    from .app import build

    args = sys.argv[1:] if argv is None else list(argv)
    # Build only the command being run (when it is named first); anything else gets the whole app.
    app = build(args[0] if args and not args[0].startswith("-") else None)
    try:
        result = app(args=args, prog_name="symparam", standalone_mode=False)
    except SymparamError as exc:
        return _fail(str(exc))
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        return _fail("aborted")
    except BrokenPipeError:
        return 0
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
    print(f"error: {message}", file=sys.stderr)
    return 2


def run() -> None:
    """The console-script entry point."""
    sys.exit(main())
