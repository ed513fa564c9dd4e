"""Test helpers: lint a text as one file under a policy and compare whole finding lists."""

from __future__ import annotations

import datetime
import textwrap
from typing import List, Optional, Tuple

from policylint import engine
from policylint.model import Finding, SourceFile
from policylint.policy import Policy, default_policy, parse_policy


def policy_from(text: Optional[str], base_dir: Optional[str] = None) -> Policy:
    if text is None:
        return default_policy()
    return parse_policy(textwrap.dedent(text), ".policylint.yaml", base_dir=base_dir)


def findings(
    text: str,
    *,
    kind: str = "dockerfile",
    path: str = "Dockerfile",
    policy: Optional[str] = None,
    env: Optional[str] = None,
    build_args: Optional[dict] = None,
    inline_waivers: bool = True,
    today: Optional[datetime.date] = None,
) -> List[Finding]:
    """All findings for `text` scanned as `kind`, including policy-level ones, sorted."""
    compiled = policy_from(policy)
    options = engine.EngineOptions(
        policy=compiled,
        build_args=build_args or {},
        forced_environment=env,
        inline_waivers=inline_waivers,
        today=(today or datetime.date.today()).isoformat(),
        policy_path=".policylint.yaml",
    )
    source = SourceFile(path=path, kind=kind, data=textwrap.dedent(text).encode())
    result, _ = engine.run([source], options, jobs=1)
    return result.findings


def lint(text: str, **kwargs) -> List[Tuple[str, int, int]]:
    """[(rule, line, column)] of every finding, as yamllint's and hadolint's test helpers do."""
    return [(f.rule, f.location.line, f.location.column) for f in findings(text, **kwargs)]


def rules_of(text: str, **kwargs) -> List[str]:
    return [f.rule for f in findings(text, **kwargs)]


def scandir_with_a_vanished_entry(name: str, folder: str):
    """An `os.scandir` that lists `folder` with one more entry, `name`, that is gone by the
    time discovery looks at it (what a file deleted mid-walk looks like); other folders as is."""
    import errno
    import os

    real_scandir = os.scandir

    class Gone:
        def __init__(self) -> None:
            self.name = name

        def is_symlink(self) -> bool:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory")

    class Listing:
        def __init__(self, path: str) -> None:
            self.path = path
            self.inner = real_scandir(path)

        def __enter__(self) -> Listing:
            return self

        def __exit__(self, *exc: object) -> None:
            self.inner.close()

        def __iter__(self):
            yield from self.inner
            if os.path.samefile(self.path, folder):
                yield Gone()

    return Listing
