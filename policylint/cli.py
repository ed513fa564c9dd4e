"""Command line: argument parsing, the single error boundary, exit codes 0/1/2.

Usage errors, unreadable or invalid policies and internal errors all exit 2 with one line on
stderr (a traceback only with --debug).
"""

from __future__ import annotations

import argparse
import errno
import os
import sys

from policylint import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, List, NoReturn, Optional, Sequence, Tuple

COMMANDS = ("check", "images", "rules", "explain", "init", "fix")
FORMATS = ("text", "json", "sarif", "github", "junit", "markdown")
FAIL_ON = ("error", "warning", "note", "never")


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() decides the exit code and message."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, measuring the terminal once per run rather than once per argument
    (argparse makes a formatter for every add_argument; each asked shutil for the size)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: Optional[int] = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _help_width() if width is None else width)


_terminal_columns: Optional[int] = None


def _help_width() -> int:
    """The width argparse gives help: shutil.get_terminal_size().columns - 2, computed once."""
    global _terminal_columns
    if _terminal_columns is None:
        try:
            columns = int(os.environ.get("COLUMNS", "0"))
        except ValueError:
            columns = 0
        if columns <= 0:
            try:
                columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
            except (AttributeError, ValueError, OSError):
                columns = 0
        _terminal_columns = columns or 80
    return _terminal_columns - 2


class UsageError(Exception):
    pass


def _add_selection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="files or folders to check (default: .); '-' reads standard input")
    parser.add_argument("-p", "--policy", metavar="FILE",
                        help="policy file (default: .policylint.yaml found from the scan root up to the git root)")
    parser.add_argument("--env", metavar="NAME", help="treat every file as being in environment NAME")
    parser.add_argument("--build-arg", action="append", default=[], metavar="K=V",
                        help="Dockerfile build argument, as docker build --build-arg (repeatable)")
    parser.add_argument("--use-env", action="store_true",
                        help="let the process environment fill compose ${VAR}s (by default only .env files do)")
    parser.add_argument("--stdin-filename", metavar="NAME",
                        help="the name to give standard input (decides its kind and environment)")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="path glob to leave out, relative to the current folder (repeatable)")
    parser.add_argument("--no-gitignore", action="store_true", help="scan files that .gitignore excludes")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--no-color", action="store_true", help="never colour the output")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    parser.add_argument("-j", "--jobs", type=int, default=0, metavar="N",
                        help="processes that check files in large scans, this one included (default: 0 = "
                             "one per core; a scan of few files always runs in one process; 1 = never start "
                             "workers)")
    parser.add_argument("--debug", action="store_true", help="list skipped paths; show tracebacks")


def _check_arguments(check: argparse.ArgumentParser) -> None:
    _add_selection_options(check)
    check.add_argument("-f", "--format", choices=FORMATS, default="text", help="output format (default: text)")
    check.add_argument("--fail-on", choices=FAIL_ON, default="error",
                       help="lowest severity that makes the exit code 1 (default: error)")
    check.add_argument("--baseline", metavar="FILE", help="hide findings recorded in FILE")
    check.add_argument("--write-baseline", metavar="FILE", help="record the current findings in FILE")
    check.add_argument("--no-inline-waivers", action="store_true",
                       help="do not honour '# policylint: ignore=' comments")
    check.add_argument("--sarif-file", metavar="FILE", help="also write SARIF to FILE")
    check.add_argument("--summary-file", metavar="FILE",
                       help="also append a Markdown summary to FILE (e.g. $GITHUB_STEP_SUMMARY)")


def _images_arguments(images: argparse.ArgumentParser) -> None:
    _add_selection_options(images)
    images.add_argument("-f", "--format", choices=("text", "json"), default="text")


def _rules_arguments(rules: argparse.ArgumentParser) -> None:
    rules.add_argument("rule", nargs="?", metavar="ID")
    rules.add_argument("-f", "--format", choices=("text", "json"), default="text")


def _explain_arguments(explain: argparse.ArgumentParser) -> None:
    explain.add_argument("reference", metavar="REF")
    explain.add_argument("-p", "--policy", metavar="FILE")
    explain.add_argument("--env", metavar="NAME")
    explain.add_argument("--debug", action="store_true")


def _init_arguments(init: argparse.ArgumentParser) -> None:
    init.add_argument("paths", nargs="*", metavar="PATH")
    init.add_argument("-o", "--output", metavar="FILE", default=".policylint.yaml")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.add_argument("--debug", action="store_true")


def _fix_arguments(fix: argparse.ArgumentParser) -> None:
    _add_selection_options(fix)
    fix.add_argument("--diff", action="store_true", help="only show what would change")


# Each command: its one-line help and what adds its arguments, in the order --help lists them.
_COMMAND_PARSERS: Dict[str, Tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "check": ("check image references against the policy (the default command)", _check_arguments),
    "images": ("list every image reference found, normalized, with its location", _images_arguments),
    "rules": ("list the rules, or explain one", _rules_arguments),
    "explain": ("how one reference parses and normalizes, and what the policy says", _explain_arguments),
    "init": ("write a starter .policylint.yaml from the references the repository uses", _init_arguments),
    "fix": ("rewrite references to their canonical form in place (safe fixes only)", _fix_arguments),
}


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The command line parser; with `command`, one that knows only that command, for a
    command line that starts with it (adding arguments is most of argparse's cost in a
    one-file check, and the other commands' would go unused)."""
    parser = _Parser(prog="policylint",
                     description="Check every container image reference in a repository against a YAML policy.")
    parser.add_argument("--version", action="version", version=f"policylint {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name, (summary, add_arguments) in _COMMAND_PARSERS.items():
        if command is None or name == command:
            add_arguments(sub.add_parser(name, help=summary))
    return parser


def _normalize_argv(argv: List[str]) -> List[str]:
    """`policylint [PATH...]` means `policylint check [PATH...]`."""
    for index, arg in enumerate(argv):
        if arg in ("-h", "--help", "--version"):
            return argv
        if arg in COMMANDS:
            return argv
        if not arg.startswith("-") or arg == "-":
            break
        if index == len(argv) - 1:
            break
    return ["check", *argv]


# What writing the output may meet (stdout redirected to a full disk): the user's to know, not a
# bug to report. Files policylint reads report their own errors, as findings.
_output_failed = False  # set once the output met one of them: it is not flushed again
_WRITE_ERRORS = frozenset(getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EFBIG", "EIO") if hasattr(errno, name))


def main(argv: Optional[Sequence[str]] = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    try:
        normalized = _normalize_argv(args_list)
        command = normalized[0] if normalized and normalized[0] in _COMMAND_PARSERS else None
        args = build_parser(command).parse_args(normalized)
        return _dispatch(args)
    except UsageError as error:
        print(_printable(str(error)), file=sys.stderr)
        print("policylint: try 'policylint --help'", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("policylint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:  # the single boundary: expected errors and bugs alike exit 2
        if isinstance(error, OSError) and error.errno in _WRITE_ERRORS:  # a full disk, not a bug
            global _output_failed
            _output_failed = True
            return _cannot_write(error)
        from policylint.errors import PolicylintError, ScanFailure

        if isinstance(error, PolicylintError):  # a user's mistake: the message is the whole story
            print(f"policylint: {_printable(str(error))}", file=sys.stderr)
            return 2
        if isinstance(error, ScanFailure):
            print(f"policylint: internal error {_printable(str(error))}", file=sys.stderr)
        else:
            first = str(error).splitlines()[0] if str(error) else ""
            print(f"policylint: internal error: {type(error).__name__}: {_printable(first)}", file=sys.stderr)
        if debug:
            import traceback

            traceback.print_exc()
        else:
            print("policylint: run again with --debug for the traceback, and please report it", file=sys.stderr)
        return 2


def run() -> NoReturn:
    """The `policylint` command: `main()`, then an exit that skips the interpreter's teardown.

    Once the output is written nothing needs freeing, yet a normal exit collects and frees every
    object, a few percent of a one-file check. `atexit` handlers still run (coverage and the
    like). A reader that went away (`policylint . | head -1`) gets no "Exception ignored"
    message; output that cannot be written (a full disk) is an error, exit code 2.
    """
    code = main()
    try:
        if not _output_failed:
            sys.stdout.flush()
    except BrokenPipeError:
        pass
    except (OSError, ValueError) as error:  # ValueError: stdout was closed
        code = _cannot_write(error)
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    import atexit

    run_exit_functions = getattr(atexit, "_run_exitfuncs", None)  # CPython's; absent elsewhere
    if run_exit_functions is None:
        sys.exit(code)
    run_exit_functions()
    os._exit(code)


def _cannot_write(error: Exception) -> int:
    """Say that the output could not be written, and why; the exit code for it."""
    print(f"policylint: cannot write the output: {getattr(error, 'strerror', None) or error}", file=sys.stderr)
    return 2


def _printable(text: str) -> str:
    """A message naming paths, options or values from the command line, as one safe line."""
    from policylint.report.safe_text import printable

    return printable(text)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "rules":
        from policylint.commands import rules

        return rules.run(args)
    if args.command == "explain":
        from policylint.commands import explain

        return explain.run(args)
    if args.command == "images":
        from policylint.commands import images

        return images.run(args)
    if args.command == "fix":
        from policylint.commands import fix

        return fix.run(args)
    if args.command == "init":
        from policylint.commands import init

        return init.run(args)
    from policylint.commands import check

    return check.run(args)
