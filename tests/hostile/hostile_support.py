"""Shared helpers of the hostile-input tests: run policylint in a child process with a timeout
and a memory cap, scan texts in process, and check locations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from policylint import scanners
from policylint.model import Location, NotScanned, Occurrence, ScanError, ScanOptions

KINDS = ("dockerfile", "compose", "kubernetes", "helm", "kustomize", "yaml")
YAML_KINDS = ("compose", "kubernetes", "helm", "kustomize", "yaml")
# A file name that discovery gives each kind (helm needs a Chart.yaml beside it).
FILE_NAMES = {
    "dockerfile": "Dockerfile",
    "compose": "compose.yaml",
    "kubernetes": "deploy.yaml",
    "helm": "values.yaml",
    "kustomize": "kustomization.yaml",
    "yaml": "manifest.yaml",
}
SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "schemas"
# Address space for a child process: far more than any scan needs, far less than an alias
# bomb or a quadratic blow-up would take, so those die fast instead of swapping.
CHILD_MEMORY = 2 << 30


def scan(kind: str, text: str, path: str = "file") -> List[Union[Occurrence, ScanError]]:
    return list(scanners.scan(kind, text, path, ScanOptions()))


def check_locations(items: Sequence[Union[Occurrence, ScanError]], text: str, path: str = "file") -> None:
    """Every location is 1-based and inside the text (as the scanners split it into lines)."""
    lines = max(1, len(text.split("\n")))
    for item in items:
        assert isinstance(item, (Occurrence, ScanError, NotScanned)), item
        if isinstance(item, NotScanned):  # an unrendered template: declined, with no position
            assert len(items) == 1 and "{{" in text
            continue
        locations: List[Location] = [item.location]
        if isinstance(item, Occurrence):
            locations += list(item.parts.values())
        for location in locations:
            assert location.path == path
            assert isinstance(location.line, int) and isinstance(location.column, int)
            assert 1 <= location.line <= lines, (item, lines)
            assert location.column >= 1, item
            if location.end_column is not None:
                assert location.end_column > location.column, item


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def run_cli(args: Sequence[str], cwd: Path, timeout: float = 60, stdin: Optional[bytes] = None,
            env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """`python -m policylint ARGS` in `cwd`, killed after `timeout` seconds, memory capped."""
    environment = dict(os.environ)
    environment.pop("NO_COLOR", None)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "policylint", *args],
        cwd=str(cwd), input=stdin if stdin is not None else b"", capture_output=True,
        timeout=timeout, env=environment,
        preexec_fn=_limit_memory if sys.platform.startswith("linux") else None,
    )


def run_json(args: Sequence[str], cwd: Path, timeout: float = 60, **kwargs: Any) -> Tuple[int, Dict[str, Any], str]:
    """(exit code, JSON report, stderr) of a child run with `-f json`; the run must not crash."""
    completed = run_cli(["-f", "json", *args], cwd, timeout=timeout, **kwargs)
    stderr = completed.stderr.decode("utf-8", "replace")
    assert completed.returncode in (0, 1), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    return completed.returncode, json.loads(completed.stdout), stderr


def rows(document: Dict[str, Any]) -> List[Tuple[str, str, int, int]]:
    """(rule, path, line, column) of every finding of a JSON report."""
    return [(f["rule"], f["path"], f["line"], f["column"]) for f in document["findings"]]


def make_repo(root: Path, kind: str, data: bytes, name: Optional[str] = None) -> Path:
    """A repository holding one file of `kind` with content `data` (and a Chart.yaml for helm)."""
    (root / ".git").mkdir(exist_ok=True)
    path = root / (name or FILE_NAMES[kind])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if kind == "helm":
        (path.parent / "Chart.yaml").write_text("apiVersion: v2\nname: chart\nversion: 1.0.0\n")
    return path


def yaml_quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar whose value is exactly `text` (every character
    outside printable ASCII escaped, so no line break, control or bidi character is raw)."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def image_document(kind: str, value: str) -> str:
    """A small file of `kind` whose single image reference is the YAML text `value`."""
    if kind == "compose":
        return f"services:\n  web:\n    image: {value}\n"
    if kind in ("kubernetes", "yaml"):
        return ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
                f"    - name: c\n      image: {value}\n")
    if kind == "helm":
        return f"image: {value}\n"
    if kind == "kustomize":
        return f"images:\n  - name: app\n    newName: {value}\n"
    raise ValueError(kind)


def json_lines(output: bytes) -> List[Any]:
    return [json.loads(line) for line in output.decode().splitlines() if line.strip()]
