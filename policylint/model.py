"""Records that cross module boundaries in the pipeline.

discover -> SourceFile -> scan -> Occurrence | ScanError -> resolve -> Subject -> rules -> Violation
-> engine -> Finding -> RunResult -> report.
"""

from __future__ import annotations

from policylint.records import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, ClassVar, FrozenSet, Iterator, List, Mapping, Optional, Tuple

# Records are NamedTuples: immutable, compared and hashed by value, and about ten times cheaper
# to define than frozen dataclasses (which cost a one-file run a quarter of its start-up).


class _EmptyMapping:
    """The shared default for mapping fields: immutable, so no record can change another's.

    It reads as an empty dict does (and equals one). A plain class, not a collections.abc.Mapping:
    importing collections.abc and making an abstract class cost a one-file check 0.5%."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]  # equal to {}, so unhashable as a dict is

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __contains__(self, key: object) -> bool:
        return False

    def get(self, key: str, default: Any = None) -> Any:
        return default

    def keys(self) -> Any:
        return {}.keys()

    def values(self) -> Any:
        return {}.values()

    def items(self) -> Any:
        return {}.items()

    def __eq__(self, other: object) -> bool:
        return other == {} if isinstance(other, dict) else isinstance(other, _EmptyMapping)

    def __repr__(self) -> str:
        return "{}"

    def __reduce__(self) -> str:
        return "EMPTY_MAPPING"  # pickled by name: a worker's result holds the same object


EMPTY_MAPPING: Mapping[str, Any] = _EmptyMapping()


class _SeverityType(type):
    """Severity's class: iterating it gives the three severities, most serious first."""

    def __iter__(cls) -> Iterator[Severity]:
        return iter(_SEVERITIES)


class Severity(str, metaclass=_SeverityType):
    """How serious a finding is: Severity.ERROR, .WARNING or .NOTE, ordered by `rank`.

    Each is the string it names (`Severity.ERROR == "error"`, and it prints, formats and
    encodes as "error"), and there is one of each: `Severity("error") is Severity.ERROR`; any
    other text raises ValueError. An enum.Enum would do as much, but defining one cost a
    one-file check 0.5% of its instructions.
    """

    __slots__ = ()
    ERROR: ClassVar[Severity]
    WARNING: ClassVar[Severity]
    NOTE: ClassVar[Severity]

    def __new__(cls, value: str) -> Severity:
        try:
            return _BY_VALUE[value]
        except (KeyError, TypeError):
            raise ValueError(f"{value!r} is not a valid Severity") from None

    @property
    def value(self) -> str:
        """The plain string ("error")."""
        return str.__str__(self)

    @property
    def rank(self) -> int:
        """3 for an error, 2 for a warning, 1 for a note."""
        return _RANKS[self]

    def __repr__(self) -> str:
        return f"Severity.{self.upper()}"

    def __reduce__(self) -> Tuple[type, Tuple[str]]:
        return Severity, (self.value,)  # unpickled as the very same object, by every protocol


_RANKS = {"error": 3, "warning": 2, "note": 1}
_SEVERITIES = tuple(str.__new__(Severity, value) for value in _RANKS)
_BY_VALUE = {severity.value: severity for severity in _SEVERITIES}
Severity.ERROR, Severity.WARNING, Severity.NOTE = _SEVERITIES


class Location(NamedTuple):
    """A position in a file: path relative to the scan root (with `/`), 1-based line and column.

    `end_column` is the column just past the reference text when it sits on one line.
    """

    path: str
    line: int
    column: int
    end_column: Optional[int] = None


class SourceFile(NamedTuple):
    """A file chosen for scanning.

    `path` is the display path relative to the scan root; `abspath` is where to read it
    (None for standard input, whose bytes are in `data`). `kind` is the scanner to use.
    `realpath` is set when `abspath` is a symlink that discovery checked stays inside the
    scan root: the file is opened there, since a link itself is never followed when opening.
    `folder` is where standard input named by `--stdin-filename` would be (its `.env`,
    `Chart.yaml`), when that folder exists; files read from disk have their own.
    """

    path: str
    kind: str
    abspath: Optional[str] = None
    data: Optional[bytes] = None
    realpath: Optional[str] = None
    folder: Optional[str] = None


class ScanOptions(NamedTuple):
    """What scanners may be told from outside the file.

    `read_sibling(name)` returns the text of a file in the same folder (`.env`, `Chart.yaml`)
    or None; it never leaves that folder. `kustomization` is the text of a kustomization checked
    in the same run that lists the file under `resources:` (in its folder or above), and the
    file's path as listed there, if any (its `images:` and `namespace:` rewrite the manifests).
    `folder` is the absolute path of the file's folder, when the file has one (not stdin).
    `build_contexts` are the named build contexts a compose file builds a Dockerfile with.
    """

    build_args: Mapping[str, str] = EMPTY_MAPPING
    environ: Optional[Mapping[str, str]] = None
    read_sibling: Callable[[str], Optional[str]] = lambda name: None
    kustomization: Optional[Tuple[str, str]] = None
    folder: Optional[str] = None
    build_contexts: FrozenSet[str] = frozenset()


class Occurrence(NamedTuple):
    """One image reference found by a scanner.

    `written` is the text as it stands in the file; `resolved` is the text after variable
    substitution (equal to `written` when nothing changed; for references assembled from
    several YAML keys it is the joined reference). `unresolved` names variables that had no value.
    `parts` points at the keys that decide a mapping-built reference ("registry", "repository",
    "tag", "digest") so a finding can sit on the line that decides it.
    """

    written: str
    resolved: str
    location: Location
    kind: str
    context: Mapping[str, str] = EMPTY_MAPPING
    unresolved: Tuple[str, ...] = ()
    parts: Mapping[str, Location] = EMPTY_MAPPING


class ScanError(NamedTuple):
    """A file that should have been scanned could not be parsed (becomes `parse-error`)."""

    message: str
    location: Location


class NotScanned(NamedTuple):
    """A scanner's word that the file is not of its kind after all (an unrendered template).

    The file is counted and listed as skipped, with `reason`, instead of being a parse-error.
    """

    reason: str


class Violation(NamedTuple):
    """What a rule says about one subject: the broken policy and, where one exists, the fix.

    `part` names which part of the reference the rule is about ("registry", "tag", "digest"),
    so the engine can point at the key that decides it.
    """

    message: str
    fix: Optional[str] = None
    part: Optional[str] = None


class Finding(NamedTuple):
    """A violation placed in a file with its effective severity: everything a reporter needs."""

    rule: str
    severity: Severity
    message: str
    location: Location
    image: Optional[str] = None
    normalized: Optional[str] = None
    kind: Optional[str] = None
    environment: Optional[str] = None
    context: Mapping[str, str] = EMPTY_MAPPING
    fix: Optional[str] = None

    @property
    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule, self.message)


class Skipped(NamedTuple):
    """A candidate path that was not scanned, with the reason (shown by --debug, counted in the summary)."""

    path: str
    reason: str


class RunResult:
    """Everything a run produced, in a stable order."""

    __slots__ = ("findings", "files_scanned", "references", "unreadable", "skipped", "suppressed", "scanned_paths",
                 "truncated")

    def __init__(self, findings: Optional[List[Finding]] = None, files_scanned: int = 0, references: int = 0,
                 unreadable: int = 0, skipped: Optional[List[Skipped]] = None, suppressed: int = 0,
                 scanned_paths: Optional[List[str]] = None) -> None:
        self.findings: List[Finding] = [] if findings is None else findings
        self.files_scanned = files_scanned
        self.references = references
        self.unreadable = unreadable
        self.skipped: List[Skipped] = [] if skipped is None else skipped
        self.suppressed = suppressed
        self.scanned_paths: List[str] = [] if scanned_paths is None else scanned_paths
        self.truncated: List[Tuple[str, int]] = []  # (path, findings not reported past the per-file limit)

    def __repr__(self) -> str:
        return (f"RunResult({len(self.findings)} findings, {self.files_scanned} files, "
                f"{self.references} references)")

    @property
    def candidates(self) -> int:
        """Every path considered: scanned, unreadable (each a parse-error) and skipped."""
        return self.files_scanned + self.unreadable + len(self.skipped)

    def counts(self) -> dict:
        counts = {s.value: 0 for s in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts


# The unresolved values that leave the rest of a reference meaningful, a tag written elsewhere:
# a Helm values file's empty tag, which the chart's template fills with its appVersion, read alone
# (no Chart.yaml); and a kustomization `images:` entry with only `newName`, which renames an
# image and keeps the tag and digest each manifest writes (judged in those manifests).
CHART_APP_VERSION = ".Chart.AppVersion"
MANIFEST_TAG = "the manifest's tag"
TAG_ELSEWHERE = ((CHART_APP_VERSION,), (MANIFEST_TAG,))


class Subject(NamedTuple):
    """What rules judge: one reference, parsed and placed in its environment.

    `ref` is the parsed reference (None when `error` says why it does not parse, or when
    `unresolved` variables make the text meaningless; when they are one of TAG_ELSEWHERE, the
    reference without its tag). `environment` is the policy
    environment the file falls in (None for the global rules only), and `in_scope` says
    whether the environment's `images:` patterns govern this image.
    """

    written: str
    resolved: str
    ref: Any = None
    error: Optional[str] = None
    unresolved: Tuple[str, ...] = ()
    environment: Any = None
    in_scope: bool = False
    kind: Optional[str] = None
    context: Mapping[str, str] = EMPTY_MAPPING

    @property
    def shown(self) -> str:
        """The reference as written, with what a variable resolved it to when that differs."""
        if self.resolved != self.written:
            return f"{self.written} (resolved to {self.resolved})"
        return self.written
