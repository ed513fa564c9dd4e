"""Resolve: an Occurrence found by a scanner, plus the policy, becomes the Subject rules judge."""

from __future__ import annotations

import functools
import os

from policylint.model import TAG_ELSEWHERE, Occurrence, Subject
from policylint.policy import Environment, Policy
from policylint.reference import InvalidReference, parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Sequence


def policy_relative_path(policy: Policy, abspath: Optional[str], display: str) -> Optional[str]:
    """The file's path relative to the policy's folder (what path globs match), or None when outside it."""
    if abspath is None or policy.base_dir is None:
        relative = display
    else:
        relative = path_below(abspath, policy.base_dir) or os.path.relpath(abspath, policy.base_dir)
    relative = relative.replace(os.sep, "/")
    if relative == ".." or relative.startswith("../"):
        return None
    return relative[2:] if relative.startswith("./") else relative


def path_below(abspath: str, folder: Optional[str]) -> Optional[str]:
    """`os.path.relpath(abspath, folder)` when `abspath` is a normalized path inside the
    normalized `folder` (what discovery produces), by slicing; None to let relpath decide.

    relpath costs as much as checking a small file, and it runs for every file and folder
    discovery meets (policy `ignore:`) and every file checked.
    """
    if folder is None or os.sep != "/" or not folder.startswith("/") or folder.endswith("/"):
        return None
    if not abspath.startswith(folder) or abspath[len(folder):len(folder) + 1] != "/":
        return None
    rest = abspath[len(folder) + 1:]
    path = folder + "/" + rest
    if "//" in path or "/./" in path or "/../" in path or path.endswith(("/", "/.", "/..")):
        return None
    return rest


def environment_for(
    policy: Policy,
    relative_path: Optional[str],
    namespace: Optional[str],
    forced: Optional[Environment] = None,
) -> Optional[Environment]:
    """The first environment whose paths match the file or whose namespaces match the object."""
    if forced is not None:
        return forced
    for environment in policy.environments:
        if relative_path is not None and any(glob.matches(relative_path) for glob in environment.paths):
            return environment
        if namespace and environment.namespaces and _namespace_matches(namespace, environment.namespaces):
            return environment
    return None


def _namespace_matches(namespace: str, patterns: Sequence[str]) -> bool:
    # the import statement is run here, not once per file: it costs a lookup through importlib
    from fnmatch import fnmatchcase

    return any(fnmatchcase(namespace, pattern) for pattern in patterns)


# A repository names the same few images thousands of times; a parsed reference is immutable,
# so each text is parsed once (the table is bounded). Invalid texts raise, and are not kept.
_parse = functools.lru_cache(maxsize=4096)(parse)


def resolve(occurrence: Occurrence, environment: Optional[Environment]) -> Subject:
    """Parse the resolved text (unless variables left it meaningless) and scope the environment."""
    ref = None
    error = None
    if not occurrence.unresolved or occurrence.unresolved in TAG_ELSEWHERE:
        if occurrence.resolved.strip() == "" and occurrence.resolved != occurrence.written:
            error = "it resolves to an empty string"
        else:
            try:
                ref = _parse(occurrence.resolved)
            except InvalidReference as problem:
                error = str(problem)
    in_scope = environment is not None and ref is not None and environment.governs(ref.repository)
    return Subject(
        written=occurrence.written,
        resolved=occurrence.resolved,
        ref=ref,
        error=error,
        unresolved=occurrence.unresolved,
        environment=environment,
        in_scope=in_scope,
        kind=occurrence.kind,
        context=occurrence.context,
    )
