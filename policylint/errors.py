"""The one expected error type: bad usage or a bad policy. Everything else is a bug."""

from __future__ import annotations

from policylint.model import Location

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Optional


class PolicylintError(Exception):
    """A user-facing error: printed as one line (with file:line:col when known), exit code 2."""

    def __init__(self, message: str, location: Optional[Location] = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        loc = self.location
        return f"{loc.path}:{loc.line}:{loc.column}: {self.message}"

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return type(self), (self.message, self.location)  # a worker's error keeps its location


class ScanFailure(Exception):
    """A bug met while checking one file (never the file's fault: broken input is a finding).

    Carries the file's display path so the one-line report names it; the original exception
    is chained as the cause, which `--debug` shows. Plain strings, so it crosses processes.
    """

    def __init__(self, path: str, description: str) -> None:
        super().__init__(path, description)
        self.path = path
        self.description = description

    def __str__(self) -> str:
        return f"while scanning {self.path}: {self.description}"


class UsageError(Exception):
    """A command line that does not parse: printed with a pointer to --help, exit code 2."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest of `choices` to a mistyped `word`, or ""."""
    import difflib  # only for a hint in an error message

    hint = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""
