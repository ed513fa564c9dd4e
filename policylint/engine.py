"""The pipeline for one file, and for a whole run: read -> scan -> resolve -> rules -> findings.

Rule violations become findings with their location (the key that decides the violated part
when a reference was assembled from several keys), effective severity, policy exceptions and
inline waivers. Nothing here prints.
"""

from __future__ import annotations

import os
import time

from policylint import rules as rule_catalog
from policylint import scanners
from policylint.errors import PolicylintError, ScanFailure
from policylint.fileio import UnusableFile, read_regular_file
from policylint.model import (
    EMPTY_MAPPING,
    Finding,
    Location,
    NotScanned,
    Occurrence,
    RunResult,
    ScanError,
    ScanOptions,
    Severity,
    Skipped,
    SourceFile,
    Subject,
    Violation,
)
from policylint.policy import Environment, Policy, reset_pattern_budget
from policylint.resolve import environment_for, policy_relative_path, resolve

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

MAX_FILE_BYTES = 32 * 1024 * 1024
_SIBLING_MAX_BYTES = 1024 * 1024


class EngineOptions:
    """How files are judged: the policy, and what the command line adds to it."""

    __slots__ = ("policy", "build_args", "environ", "forced_environment", "inline_waivers", "today",
                 "policy_path", "collect_references", "verdicts", "kustomizations", "compose_builds")

    def __init__(self, policy: Policy, build_args: Mapping[str, str] = EMPTY_MAPPING,
                 environ: Optional[Mapping[str, str]] = None, forced_environment: Optional[str] = None,
                 inline_waivers: bool = True, today: Optional[str] = None,
                 policy_path: Optional[str] = None, collect_references: bool = False) -> None:
        self.policy = policy
        self.build_args = build_args
        self.environ = environ
        self.forced_environment = forced_environment
        self.inline_waivers = inline_waivers
        # YYYY-MM-DD, compared with the policy's `expires` as text (no datetime import)
        self.today = time.strftime("%Y-%m-%d") if today is None else today
        self.policy_path = policy_path  # display path of the policy, for exception-expired
        self.collect_references = collect_references
        # What the rules said of each distinct subject: a repository names the same images
        # many times (the corpus: 4,527 references, 1,608 distinct), and no rule looks at
        # anything but the reference, its environment and the kind of file (for its advice).
        self.verdicts: Dict[tuple, List[Tuple[str, Violation]]] = {}
        # file path -> (text of the kustomization checked in this run that lists it under
        # `resources:`, the file's path as listed there); set by `run`
        self.kustomizations: Dict[str, Tuple[str, str]] = {}
        # Dockerfile path -> (build args, named build contexts) a compose file of this run builds
        # it with (set by `run`)
        self.compose_builds: Dict[str, Tuple[Mapping[str, str], FrozenSet[str]]] = {}


class FileReport:
    """What checking one file gave; filled in by the engine, merged in order by `run`."""

    __slots__ = ("path", "findings", "references", "unreadable", "not_scanned", "suppressed", "subjects", "truncated")

    def __init__(self, path: str) -> None:
        self.path = path
        self.findings: List[Finding] = []
        self.truncated = 0  # findings past MAX_FINDINGS_PER_FILE, not reported
        self.references = 0
        self.unreadable = False
        self.not_scanned: Optional[str] = None  # why the scanner declined the file (an unrendered template)
        self.suppressed = 0
        self.subjects: List[Tuple[Occurrence, Subject]] = []


def decode(data: bytes) -> str:
    """UTF-8 text (BOM dropped); undecodable bytes become U+FFFD so one bad byte hides no line."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


def _read(source: SourceFile) -> bytes:
    """The file's bytes: a regular file of at most MAX_FILE_BYTES, opened without following a
    link (discovery gives the checked target of a link as `realpath`) or waiting on a FIFO."""
    if source.data is not None:
        if len(source.data) > MAX_FILE_BYTES:
            raise OSError(0, f"input is larger than the {MAX_FILE_BYTES} byte limit")
        return source.data
    path = source.realpath or source.abspath
    assert path is not None
    try:
        return read_regular_file(path, MAX_FILE_BYTES, follow_links=False)
    except UnusableFile as problem:
        if problem.reason != "too-large":
            raise OSError(0, "not a regular file") from None
        if problem.size is None:
            raise OSError(0, f"file grew past the {MAX_FILE_BYTES} byte limit while being read") from None
        raise OSError(0, f"file is {problem.size} bytes, larger than the {MAX_FILE_BYTES} byte limit") from None


def _kustomized_files(sources: Sequence[SourceFile]) -> Dict[str, Tuple[str, str]]:
    """Each file a kustomization of this run lists under `resources:`, in its folder or below
    it (kustomize refuses files outside), -> (the kustomization's text, the file as listed).
    The first kustomization by path wins where two list one file."""
    listed: Dict[str, Tuple[str, str]] = {}
    for source in sources:
        if source.kind != "kustomize" or not source.abspath:
            continue
        from policylint.scanners import kustomize  # YAML: only where there is a kustomization

        try:
            text = decode(read_regular_file(source.abspath, _SIBLING_MAX_BYTES))
        except (OSError, UnusableFile):
            continue  # its own scan reports why
        folder = os.path.dirname(source.abspath)
        for name in kustomize.facts(text)[0]:
            listed.setdefault(os.path.normpath(os.path.join(folder, name)), (text, name))
    return listed


def _folder(source: SourceFile) -> Optional[str]:
    """The folder of the file's siblings: its own, or the one --stdin-filename names."""
    return os.path.dirname(source.abspath) if source.abspath else source.folder


def _sibling_reader(source: SourceFile):
    folder = _folder(source)
    if folder is None:
        return lambda name: None

    def read_sibling(name: str) -> Optional[str]:
        if "/" in name or os.sep in name or name in ("", ".", ".."):
            return None
        path = os.path.join(folder, name)
        try:
            if os.path.islink(path) or not os.path.isfile(path):
                return None
            with open(path, "rb") as handle:
                data = handle.read(_SIBLING_MAX_BYTES + 1)
            # a file past the limit is not read at all: a value cut at the limit (a `.env`
            # line ending mid-tag) would be judged as if it were the one deployed
            return decode(data) if len(data) <= _SIBLING_MAX_BYTES else None
        except OSError:
            return None

    return read_sibling


def _nul_error(text: str, path: str) -> Optional[ScanError]:
    index = text.find("\x00")
    if index == -1:
        return None
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return ScanError("file holds a NUL byte, so it is not a text file", Location(path, line, column))


def _severity(rule_id: str, policy: Policy) -> Optional[Severity]:
    override = policy.severity.get(rule_id)
    if override == "off":
        return None
    if override is not None:
        return Severity(override)
    return rule_catalog.get(rule_id).default_severity


def _finding(rule_id: str, message: str, location: Location, policy: Policy, **extra) -> Optional[Finding]:
    severity = _severity(rule_id, policy)
    if severity is None:
        return None
    return Finding(rule=rule_id, severity=severity, message=message, location=location, **extra)


def check_source(source: SourceFile, options: EngineOptions) -> FileReport:
    """Scan one file and judge every reference in it; a bug on the way names the file."""
    try:
        return _check_source(source, options)
    except PolicylintError:
        raise  # the policy's fault, not the file's (a tags.pattern that never finishes)
    except Exception as error:
        first = str(error).splitlines()[0] if str(error) else ""
        raise ScanFailure(source.path, f"{type(error).__name__}: {first}") from error


def _check_source(source: SourceFile, options: EngineOptions) -> FileReport:
    policy = options.policy
    report = FileReport(source.path)
    try:
        data = _read(source)
    except OSError as error:
        report.unreadable = True
        reason = error.strerror or str(error)
        finding = _finding("parse-error", f"cannot read the file: {reason}", Location(source.path, 1, 1), policy,
                           kind=_kind_name(source.kind))
        if finding is not None:
            report.findings.append(finding)
        return report
    text = decode(data)
    # what environment paths and exception paths match; without either it is never asked for
    relative = policy_relative_path(policy, source.abspath, source.path) \
        if policy.environments or policy.exceptions else None
    forced = policy.environment_named(options.forced_environment) if options.forced_environment else None
    kustomization = options.kustomizations.get(source.abspath) if options.kustomizations and source.abspath else None
    build_args, build_contexts = options.build_args, frozenset()
    if options.compose_builds and source.kind == "dockerfile" and source.abspath in options.compose_builds:
        compose_args, build_contexts = options.compose_builds[source.abspath]
        build_args = {**compose_args, **build_args}  # --build-arg wins, as on docker's command line
    scan_options = ScanOptions(build_args=build_args, environ=options.environ,
                               read_sibling=_sibling_reader(source), kustomization=kustomization,
                               folder=_folder(source),
                               build_contexts=build_contexts)
    nul_error = _nul_error(text, source.path)
    items = [nul_error] if nul_error else scanners.scan(source.kind, text, source.path, scan_options)
    exceptions = policy.exceptions_in_force(options.today)
    findings: List[Finding] = []
    # The environment depends on the file's path and the object's namespace only: once per
    # namespace, not once per reference (a manifest bundle holds hundreds in a few namespaces).
    environments: Dict[Optional[str], Optional[Environment]] = {}
    for item in items:
        if isinstance(item, NotScanned):
            report.not_scanned = item.reason
            continue
        if isinstance(item, ScanError):
            finding = _finding("parse-error", item.message, item.location, policy, kind=_kind_name(source.kind))
            if finding is not None and not _excepted(exceptions, finding, relative, None):
                findings.append(finding)
            continue
        report.references += 1
        namespace = item.context.get("namespace")
        if namespace in environments:
            environment = environments[namespace]
        else:
            environment = environments[namespace] = environment_for(policy, relative, namespace, forced)
        subject = resolve(item, environment)
        if options.collect_references:
            report.subjects.append((item, subject))
        findings.extend(_judge(item, subject, options, exceptions, relative))
    if findings or "policylint:" in text:
        # a clean file without waivers (most, in pre-commit) never needs the module
        from policylint.waivers import apply_inline_waivers, find_inline_waivers

        dockerfile = source.kind == "dockerfile"
        found = find_inline_waivers(text, lone_cr_breaks=not dockerfile, own_line=dockerfile)
        allowed = options.inline_waivers and policy.inline_waivers
        findings, problems, waived = apply_inline_waivers(
            findings, found, source.path, allowed, rule_catalog.RULE_IDS)
        report.suppressed += waived
        for location, message in problems:
            finding = _finding("invalid-waiver", message, location, policy, kind=_kind_name(source.kind))
            if finding is not None:
                findings.append(finding)
    if len(findings) > MAX_FINDINGS_PER_FILE:
        findings.sort(key=lambda finding: finding.sort_key)
        report.truncated = len(findings) - MAX_FINDINGS_PER_FILE
        del findings[MAX_FINDINGS_PER_FILE:]
    report.findings = findings
    return report


# A file yields at most this many findings: 100,000 `FROM a` lines (700 KB) took 0.9 GB to
# report as SARIF, and a file within the size limit could take tens of GB. The rest are counted,
# and the run says so.
MAX_FINDINGS_PER_FILE = 10_000


def _kind_name(kind: str) -> str:
    return "kubernetes" if kind == "yaml" else kind


def _excepted(exceptions: Sequence, finding: Finding, relative: Optional[str], repository: Optional[str]) -> bool:
    if not exceptions:
        return False
    from policylint.waivers import exception_applies

    return any(exception_applies(item, finding, relative, repository) for item in exceptions)


_MAX_VERDICTS = 20_000  # the table is emptied when full: memory stays flat on any repository


def _verdicts(subject: Subject, options: EngineOptions) -> List[Tuple[str, Violation]]:
    """(rule id, violation) for every rule that fails `subject`, remembered for the run."""
    environment = subject.environment
    key = (subject.written, subject.resolved, subject.unresolved, id(environment) if environment else None,
           subject.in_scope, subject.kind)
    verdicts = options.verdicts.get(key)
    if verdicts is None:
        verdicts = [(rule.id, violation) for rule in rule_catalog.reference_rules()
                    for violation in rule.check(subject, options.policy)]
        if len(options.verdicts) >= _MAX_VERDICTS:
            options.verdicts.clear()
        options.verdicts[key] = verdicts
    return verdicts


def _judge(occurrence: Occurrence, subject: Subject, options: EngineOptions, exceptions: Sequence,
           relative: Optional[str]) -> List[Finding]:
    findings = []
    policy = options.policy
    ref = subject.ref
    repository = ref.repository if ref is not None else None
    environment: Optional[Environment] = subject.environment
    context = dict(occurrence.context)
    for rule_id, violation in _verdicts(subject, options):
        location = occurrence.parts.get(violation.part, occurrence.location) if violation.part \
            else occurrence.location
        finding = _finding(
            rule_id, violation.message, location, policy,
            image=occurrence.written,
            normalized=ref.normalized if ref is not None else None,
            kind=occurrence.kind,
            environment=environment.name if environment is not None else None,
            context=context,
            fix=violation.fix,
        )
        if finding is not None and not _excepted(exceptions, finding, relative, repository):
            findings.append(finding)
    return findings


def policy_findings(options: EngineOptions) -> List[Finding]:
    """Findings about the policy itself: expired exceptions, at their line in the policy."""
    findings = []
    path = options.policy_path or ".policylint.yaml"
    for item in options.policy.expired_exceptions(options.today):
        location = item.location or Location(path, 1, 1)
        location = Location(path, location.line, location.column)
        finding = _finding(
            "exception-expired",
            f"exception ({item.reason}) expired on {item.expires} and no longer waives anything",
            location, options.policy,
            fix="fix the images it covered, or renew it with a new expires date and reason",
        )
        if finding is not None:
            findings.append(finding)
    return findings


def run(sources: Sequence[SourceFile], options: EngineOptions, jobs: int = 1) -> Tuple[RunResult, List[FileReport]]:
    """Check every source; results come back in the order of `sources`, whatever `jobs` is."""
    options.kustomizations = _kustomized_files(sources)
    options.compose_builds = _compose_builds(sources, options)
    reset_pattern_budget()
    restore = _few_collections()
    try:
        reports = _check_all(sources, options, jobs)
    finally:
        restore()
    result = RunResult()
    findings: List[Finding] = list(policy_findings(options))
    for report in reports:
        if report.not_scanned is not None:
            result.skipped.append(Skipped(report.path, report.not_scanned))
            continue
        result.files_scanned += 0 if report.unreadable else 1
        result.unreadable += 1 if report.unreadable else 0
        result.references += report.references
        result.suppressed += report.suppressed
        result.scanned_paths.append(report.path)
        if report.truncated:
            result.truncated.append((report.path, report.truncated))
        findings.extend(report.findings)
    result.findings = sorted(findings, key=lambda finding: finding.sort_key)
    return result, reports


def _compose_builds(sources: Sequence[SourceFile], options: EngineOptions
                    ) -> Dict[str, Tuple[Mapping[str, str], FrozenSet[str]]]:
    """The build args and named contexts the compose files of this run build each Dockerfile
    of this run with (the first compose file and service in path order, when several do)."""
    dockerfiles = {source.abspath for source in sources if source.kind == "dockerfile" and source.abspath}
    composes = [source for source in sources if source.kind == "compose" and source.abspath] if dockerfiles else []
    if not composes:
        return {}
    from policylint.scanners import compose

    found: Dict[str, Tuple[Mapping[str, str], FrozenSet[str]]] = {}
    for source in composes:
        assert source.abspath is not None
        try:
            text = decode(_read(source))
        except OSError:
            continue  # reported when the file itself is checked
        if "build" not in text or ("args" not in text and "additional_contexts" not in text):
            continue  # the cheap test first: only build args and named contexts matter here
        scan_options = ScanOptions(environ=options.environ, read_sibling=_sibling_reader(source),
                                   folder=os.path.dirname(source.abspath))
        for dockerfile, args, contexts in compose.builds(text, scan_options):
            if dockerfile in dockerfiles and dockerfile not in found and (args or contexts):
                found[dockerfile] = (args, contexts)
    return found


def _few_collections() -> Callable[[], None]:
    """Run the cyclic garbage collector rarely while files are checked; call what it returns after.

    Composing YAML allocates hundreds of thousands of short-lived nodes, and with the default
    threshold (a collection every 700 allocations) the collector walked them over and over:
    a tenth of a corpus run. They are freed by reference counting (nodes form no cycles), so
    collections find almost nothing; one every 50,000 allocations keeps the rare cycle (an
    exception's traceback) bounded. Objects that exist before the run (modules, the policy) are
    frozen out of collection, which also keeps forked workers from copying them.
    """
    import gc

    threshold = gc.get_threshold()
    was_enabled = gc.isenabled()  # the command line turns it off until here (cli.run)
    gc.freeze()
    gc.set_threshold(50_000, *threshold[1:])
    gc.enable()

    def restore() -> None:
        gc.set_threshold(*threshold)
        gc.unfreeze()
        if not was_enabled:
            gc.disable()

    return restore


# Below this many files a second process costs about what it saves. On the 2-core machine of
# the README's Performance section, fresh runs over corpus files took (median of 9, one
# process against two): 60 files 179/170 ms, 120 files 353/311 ms, 200 files 293/272 ms; with a
# ProcessPoolExecutor, which imports more, two workers still lost at 300 files.
PARALLEL_THRESHOLD = 200
# Files per batch: small enough that the processes finish together, large enough that the
# per-batch cost (reading its number from the pipe, pickling its reports) disappears.
_BATCH_FILES = 64
_LAST_BATCH_FILES = 2

_worker_options: Optional[EngineOptions] = None


def _check_all(sources: Sequence[SourceFile], options: EngineOptions, jobs: int) -> List[FileReport]:
    """Reports in the order of `sources`. With `jobs` > 1 and enough files, worker processes
    check batches of neighbouring files and the batches are put back in order, so the output
    is identical to a serial run."""
    if jobs <= 1 or len(sources) < PARALLEL_THRESHOLD:
        return [check_source(source, options) for source in sources]
    from policylint import parallel

    _preload({source.kind for source in sources})
    batches = _batches(sources, jobs, parallel.MAX_BATCHES)
    if parallel.fork_available():
        # forked workers start with every module imported and the options in memory
        chunks = parallel.map_batches(lambda batch: [check_source(source, options) for source in batch],
                                      batches, jobs)
        return [report for chunk in chunks for report in chunk]
    # spawn (Windows, macOS): each worker imports policylint and is sent the options
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=min(jobs, len(batches)), initializer=_init_worker,
                             initargs=(options,)) as pool:
        return [report for chunk in pool.map(_check_batch, batches) for report in chunk]


def _batches(sources: Sequence[SourceFile], jobs: int, most: int) -> List[Sequence[SourceFile]]:
    """Neighbouring files in batches that shrink towards the end (at most `most` batches).

    Each process takes the next batch when it is done with one, so they all finish within the
    last batch's time of each other: with equal batches of 64 one process sat idle for about
    30 ms of a 0.7 s corpus run; shrinking ones (a quarter of what is left per process, down to
    _LAST_BATCH_FILES) make that tail a few files long.
    """
    count = len(sources)
    largest = max(_BATCH_FILES, -(-count // (most // 2)))
    batches: List[Sequence[SourceFile]] = []
    index = 0
    while index < count:
        size = max(_LAST_BATCH_FILES, min(largest, (count - index) // (jobs * 4)))
        batches.append(sources[index:index + size])
        index += size
    if len(batches) > most:  # so many processes that the shrinking tail is long: equal batches
        size = -(-count // most)
        batches = [sources[index:index + size] for index in range(0, count, size)]
    return batches


def _preload(kinds: Iterable[str]) -> None:
    """Load the scanners a run needs before the workers fork, so no worker imports them again
    (scanners are otherwise imported on first use; each worker would pay for it)."""
    for kind in sorted(set(kinds)):
        scanners.load(kind)


def _init_worker(options: EngineOptions) -> None:
    global _worker_options
    _worker_options = options


def _check_batch(batch: Sequence[SourceFile]) -> List[FileReport]:
    assert _worker_options is not None
    return [check_source(source, _worker_options) for source in batch]
