"""The command line grammar, with argparse: every command, its options and its help.

A one-file check rarely comes here: cli.py reads the plain `check` command lines that
pre-commit and CI use without argparse (which with gettext and locale is a sixth of such a
run), and hands everything else, help and mistakes included, to this parser.
"""

from __future__ import annotations

import argparse
import os
import sys

from policylint import __version__
from policylint.cli import FAIL_ON, FORMATS
from policylint.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, Optional, Tuple


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
COMMAND_PARSERS: Dict[str, Tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
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
    for name, (summary, add_arguments) in COMMAND_PARSERS.items():
        if command is None or name == command:
            add_arguments(sub.add_parser(name, help=summary))
    return parser
