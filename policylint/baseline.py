"""Baselines: record today's findings so that only new ones fail.

A finding is identified by its fingerprint, a hash of rule, path and the normalized image
(the image as written, or the message, when there is none) and never of its line, so a
finding that only moved stays hidden. The baseline keeps a count per fingerprint: it hides
at most that many findings, so a second identical violation added to the same file is new.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter

from policylint.errors import PolicylintError
from policylint.model import Finding, Location

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

    PathLike = Union[str, "os.PathLike[str]"]

BASELINE_VERSION = 1
TOOL = "policylint"
MAX_BASELINE_BYTES = 64 * 1024 * 1024  # about 300,000 findings


def _subject(finding: Finding) -> str:
    if finding.normalized:
        return finding.normalized
    if finding.image:
        return finding.image
    return finding.message


def fingerprint(finding: Finding) -> str:
    """sha256 of rule NUL path NUL (normalized image, else image, else message); no line numbers."""
    text = "\0".join((finding.rule, finding.location.path, _subject(finding)))
    # surrogatepass: paths decoded with surrogateescape still hash (and hash distinctly)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _show(path: PathLike) -> str:
    """The file name for a one-line message."""
    return os.fspath(path).replace("\r", "\\r").replace("\n", "\\n")


def baseline_document(findings: Iterable[Finding]) -> Dict[str, Any]:
    counts: Counter = Counter()
    entries: Dict[str, Dict[str, Any]] = {}
    for finding in findings:
        fp = fingerprint(finding)
        counts[fp] += 1
        entries.setdefault(fp, {
            "rule": finding.rule,
            "path": finding.location.path,
            "image": finding.normalized or finding.image,
            "message": None if (finding.normalized or finding.image) else finding.message,
        })
    human: List[Dict[str, Any]] = []
    for fp, entry in entries.items():
        item = {key: value for key, value in entry.items() if value is not None}
        item["count"] = counts[fp]
        item["fingerprint"] = fp
        human.append(item)
    human.sort(key=lambda e: (e["path"], e["rule"], e.get("image", e.get("message", "")), e["fingerprint"]))
    return {
        "version": BASELINE_VERSION,
        "tool": TOOL,
        "fingerprints": {fp: counts[fp] for fp in sorted(counts)},
        "entries": human,
    }


def write_baseline(path: PathLike, findings: Iterable[Finding]) -> None:
    """Write the baseline of `findings` to `path` (ASCII JSON, sorted, so it diffs well)."""
    text = json.dumps(baseline_document(findings), indent=2, ensure_ascii=True) + "\n"
    try:
        with open(path, "w", encoding="ascii", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise PolicylintError(f"cannot write baseline {_show(path)}: {exc.strerror or exc}") from None


def _invalid(path: PathLike, what: str, location: Optional[Location] = None) -> PolicylintError:
    if location is not None:
        return PolicylintError(f"invalid baseline: {what}", location)
    return PolicylintError(f"invalid baseline {_show(path)}: {what}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_ENTRY_KEYS = frozenset({"rule", "path", "image", "message", "count", "fingerprint"})


def _drop_entries(value: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """An object of the baseline, or None for one of its human-readable entries."""
    return None if "fingerprint" in value and value.keys() <= _ENTRY_KEYS else value


def load_baseline(path: PathLike) -> Counter:
    """The fingerprint counts recorded in `path`; PolicylintError when it cannot be used."""
    from policylint.fileio import UnusableFile, read_regular_file

    try:
        data = read_regular_file(path, MAX_BASELINE_BYTES)
    except UnusableFile as problem:
        if problem.reason == "too-large":
            raise _invalid(path, f"larger than the {MAX_BASELINE_BYTES} byte limit") from None
        why = "it is a directory" if problem.reason == "directory" else "not a regular file"
        raise PolicylintError(f"cannot read baseline {_show(path)}: {why}") from None
    except OSError as exc:
        raise PolicylintError(f"cannot read baseline {_show(path)}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _invalid(path, f"not UTF-8 text (byte {exc.start})") from None
    del data  # a large baseline is held once, as text
    try:
        # The whole text is parsed (and so checked), but the human-readable entries, most of a
        # baseline, are dropped as each is read: only the fingerprint counts are used.
        document = json.loads(text, object_hook=_drop_entries)
    except json.JSONDecodeError as exc:
        location = Location(_show(path), exc.lineno, exc.colno)
        raise _invalid(path, f"not valid JSON ({exc.msg})", location) from None
    except RecursionError:
        raise _invalid(path, "not valid JSON (nested too deeply)") from None
    except ValueError as exc:  # a number of thousands of digits, which int() refuses
        raise _invalid(path, f"not usable JSON ({str(exc).split(':')[0]})") from None
    if not isinstance(document, dict):
        raise _invalid(path, f"expected a JSON object, found {type(document).__name__}")
    version = document.get("version")
    if version != BASELINE_VERSION or not _is_int(version):
        raise _invalid(path, f"unsupported version {version!r} (expected {BASELINE_VERSION})")
    tool = document.get("tool", TOOL)
    if tool != TOOL:
        raise _invalid(path, f"written by {tool!r}, not {TOOL!r}")
    fingerprints = document.get("fingerprints")
    if not isinstance(fingerprints, dict):
        raise _invalid(path, "'fingerprints' must be an object mapping fingerprints to counts")
    counts: Counter = Counter()
    for key, count in fingerprints.items():
        if not _is_int(count) or count < 0:
            raise _invalid(path, f"count of fingerprint {key[:16]!r} must be a non-negative integer, "
                                 f"found {json.dumps(count)[:40]}")
        if count:
            counts[key] = count
    return counts


def apply_baseline(findings: Iterable[Finding], baseline: Counter) -> Tuple[List[Finding], int]:
    """(findings the baseline does not hide, number hidden); at most `count` hidden per fingerprint.

    Findings are matched in order, so when a file has more identical findings than the
    baseline recorded, the last ones are kept. `baseline` is not modified.
    """
    remaining = Counter(baseline)
    kept: List[Finding] = []
    suppressed = 0
    for finding in findings:
        fp = fingerprint(finding)
        if remaining[fp] > 0:
            remaining[fp] -= 1
            suppressed += 1
        else:
            kept.append(finding)
    return kept, suppressed
