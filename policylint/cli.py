"""Command line: argument parsing, the single error boundary, exit codes 0/1/2.

Usage errors, unreadable or invalid policies and internal errors all exit 2 with one line on
stderr (a traceback only with --debug).
"""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Dict, List, NoReturn, Optional, Sequence, Union

COMMANDS = ("check", "images", "rules", "explain", "init", "fix")
FORMATS = ("text", "json", "sarif", "github", "junit", "markdown")
FAIL_ON = ("error", "warning", "note", "never")


def parse_arguments(argv: List[str]) -> Union[argparse.Namespace, SimpleNamespace]:
    """The parsed command line; UsageError when it does not parse (argparse prints help itself)."""
    normalized = _normalize_argv(argv)
    quick = quick_check_arguments(normalized)
    if quick is not None:
        return quick
    from policylint.arguments import COMMAND_PARSERS, build_parser

    command = normalized[0] if normalized and normalized[0] in COMMAND_PARSERS else None
    return build_parser(command).parse_args(normalized)


# The `check` command lines pre-commit hooks and CI steps use (file names and plain options)
# are read here without argparse, which with the gettext and locale modules it loads costs a
# sixth of a one-file check. Anything else goes to argparse (policylint.arguments): help,
# mistakes, abbreviations, combined short options (-qj2), `--`, a separate value starting with `-`, a
# file name after an option that follows other file names (argparse refuses those). The
# option table is argparse's check parser's; tests keep them equal and compare the two
# parsers on thousands of command lines.
_QUICK_FLAGS = {"-q": "quiet", "--quiet": "quiet", "--no-color": "no_color", "--no-gitignore": "no_gitignore",
                "--use-env": "use_env", "--debug": "debug", "--no-inline-waivers": "no_inline_waivers"}
_QUICK_VALUES = {"-p": "policy", "--policy": "policy", "--env": "env", "--stdin-filename": "stdin_filename",
                 "-o": "output", "--output": "output", "-f": "format", "--format": "format", "--fail-on": "fail_on",
                 "-j": "jobs", "--jobs": "jobs", "--baseline": "baseline", "--write-baseline": "write_baseline",
                 "--sarif-file": "sarif_file", "--summary-file": "summary_file", "--build-arg": "build_arg",
                 "--exclude": "exclude"}
_QUICK_REPEATED = frozenset({"build_arg", "exclude"})
_QUICK_CHOICES = {"format": FORMATS, "fail_on": FAIL_ON}
_QUICK_DEFAULTS = {"command": "check", "paths": [], "policy": None, "env": None, "build_arg": [], "use_env": False,
                   "stdin_filename": None, "exclude": [], "no_gitignore": False, "output": None, "no_color": False,
                   "quiet": False, "jobs": 0, "debug": False, "format": "text", "fail_on": "error", "baseline": None,
                   "write_baseline": None, "no_inline_waivers": False, "sarif_file": None, "summary_file": None}


def quick_check_arguments(argv: List[str]) -> Optional[SimpleNamespace]:
    """What argparse would make of a plain `check` command line, or None to ask argparse."""
    if not argv or argv[0] != "check":
        return None
    values: Dict[str, object] = {dest: list(value) if isinstance(value, list) else value
                                 for dest, value in _QUICK_DEFAULTS.items()}
    paths: List[str] = []
    paths_closed = False  # an option came after file names: argparse takes no more of them
    index = 1
    while index < len(argv):
        arg = argv[index]
        index += 1
        if arg == "-" or not arg.startswith("-"):
            if paths_closed:
                return None
            paths.append(arg)
            continue
        paths_closed = bool(paths)
        if arg in _QUICK_FLAGS:
            values[_QUICK_FLAGS[arg]] = True
            continue
        option, equals, value = arg.partition("=")
        dest = _QUICK_VALUES.get(option)
        if dest is None and not equals and arg[1] != "-" and arg[:2] in _QUICK_VALUES:
            dest, equals, value = _QUICK_VALUES[arg[:2]], "attached", arg[2:]  # -j2, -fjson
        if dest is None:
            return None
        if not equals:
            if index == len(argv) or argv[index].startswith("-"):
                return None
            value = argv[index]
            index += 1
        if dest in _QUICK_CHOICES and value not in _QUICK_CHOICES[dest]:
            return None
        if dest == "jobs":
            try:
                values[dest] = int(value)
            except ValueError:
                return None
        elif dest in _QUICK_REPEATED:
            values[dest].append(value)  # type: ignore[attr-defined]
        else:
            values[dest] = value
    if paths:
        values["paths"] = paths
    return SimpleNamespace(**values)


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
_WRITE_ERRORS = ("ENOSPC", "EDQUOT", "EFBIG", "EIO")  # errno names, looked up only on an error


def _is_write_error(error: BaseException) -> bool:
    """Whether `error` is one of _WRITE_ERRORS (errno is imported only when an error happens)."""
    if not isinstance(error, OSError) or error.errno is None:
        return False
    import errno

    return errno.errorcode.get(error.errno) in _WRITE_ERRORS


def main(argv: Optional[Sequence[str]] = None) -> int:
    from policylint.errors import UsageError

    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    try:
        args = parse_arguments(args_list)
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
        if _is_write_error(error):  # a full disk, not a bug
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

    The cyclic garbage collector is off until files are checked: starting up allocates tens of
    thousands of objects (modules, functions, classes) that all live to the end, and collecting
    them over and over cost a one-file check about 2% of its instructions.

    Once the output is written nothing needs freeing, yet a normal exit collects and frees every
    object, a few percent of a one-file check. `atexit` handlers still run (coverage and the
    like). A reader that went away (`policylint . | head -1`) gets no "Exception ignored"
    message; output that cannot be written (a full disk) is an error, exit code 2.
    """
    import gc

    gc.disable()  # until the engine's run (engine._few_collections): imports allocate, never free
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


def _dispatch(args: Union[argparse.Namespace, SimpleNamespace]) -> int:
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
