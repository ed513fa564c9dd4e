"""What check, images and init share: the policy in force and the files to scan."""

from __future__ import annotations

import os
import sys

from policylint.errors import PolicylintError
from policylint.model import Skipped, SourceFile
from policylint.policy import Policy, default_policy, find_policy, load_policy
from policylint.records import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Dict, List, Optional, TextIO


class Selection(NamedTuple):
    policy: Policy
    policy_path: Optional[str]
    sources: List[SourceFile]
    skipped: List[Skipped]


def display_path(path: str) -> str:
    """A path as shown in output: relative to the current folder, with `/`."""
    relative = os.path.relpath(os.path.abspath(path))
    return relative.replace(os.sep, "/")


def _search_start(paths: List[str]) -> str:
    """Where the policy search starts: the scan root.

    One folder argument is the scan root itself (`policylint services/api`). Otherwise (file
    names, as pre-commit passes them, or several paths) it is the current folder when every path
    lies below it, so the policy does not depend on how pre-commit batches the files; else the
    paths' common folder.
    """
    real = [os.path.abspath(path) for path in paths if path != "-"]
    if len(real) == 1 and os.path.isdir(real[0]):
        return real[0]
    cwd = os.getcwd()
    if all(path == cwd or path.startswith(cwd.rstrip(os.sep) + os.sep) for path in real):
        return cwd
    folders = [path if os.path.isdir(path) else os.path.dirname(path) for path in real]
    try:
        return os.path.commonpath(folders)
    except ValueError:  # different drives
        return cwd


def active_policy(args: argparse.Namespace) -> tuple[Policy, Optional[str]]:
    """The policy named by -p, or found from the scan root up to the git root, or the default."""
    paths = list(getattr(args, "paths", None) or ["."])
    if args.policy:
        if not os.path.lexists(args.policy):
            raise PolicylintError(f"policy file {args.policy} does not exist (given by -p/--policy)")
        return load_policy(args.policy, display_path(args.policy)), display_path(args.policy)
    found = find_policy(_search_start(paths))
    if found is None:
        return default_policy(), None
    return load_policy(found, display_path(found)), display_path(found)


def parse_build_args(values: List[str]) -> Dict[str, str]:
    build_args = {}
    for value in values:
        name, sep, content = value.partition("=")
        if not name or not name.replace("_", "a").isalnum():
            raise PolicylintError(f"--build-arg {value!r}: expected NAME=value")
        if not sep:
            env_value = os.environ.get(name)
            if env_value is None:
                continue  # as docker build: a bare NAME not in the environment is ignored
            content = env_value
        build_args[name] = content
    return build_args


def select_sources(args: argparse.Namespace, policy: Policy) -> Selection:
    from policylint.discovery import discover, kind_for_name
    from policylint.matching import any_path_glob, compile_path_glob, glob_error
    from policylint.resolve import path_below, policy_relative_path

    paths = list(args.paths or ["."])
    cwd = os.getcwd()
    # `--exclude "$PWD/vendor"` (a shell's completion writes absolute paths): the path below the
    # current folder, which globs are relative to (a leading `/` alone anchors a glob there)
    here = cwd.replace(os.sep, "/").rstrip("/") + "/"
    exclude = [glob[len(here):] if glob.startswith(here) else glob for glob in args.exclude]
    for glob in exclude:
        problem = glob_error(glob)
        if problem:
            raise PolicylintError(f"--exclude: {problem}")
    excludes = any_path_glob(compile_path_glob(glob) for glob in exclude)
    ignores = any_path_glob(policy.ignore)

    def is_ignored(abspath: str) -> bool:
        """Asked for every file and folder discovery walks (it passes normalized absolute paths)."""
        if ignores is not None:
            relative = path_below(abspath, policy.base_dir) or policy_relative_path(policy, abspath, abspath)
            if relative is not None and ignores.match(relative):
                return True
        if excludes is not None:
            from_cwd = path_below(abspath, cwd) or os.path.relpath(abspath, cwd).replace(os.sep, "/")
            if excludes.match(from_cwd):
                return True
        return False

    sources: List[SourceFile] = []
    skipped: List[Skipped] = []
    if "-" in paths:
        paths = [path for path in paths if path != "-"]
        from policylint.engine import MAX_FILE_BYTES

        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)  # more is reported by the engine, not held
        name = args.stdin_filename or "-"
        kind = kind_for_name(name) if args.stdin_filename else None
        if kind is None:
            kind = sniff_kind(data)
        # the `.env` or `Chart.yaml` beside the file the input stands for, where that folder exists
        folder = os.path.dirname(os.path.abspath(args.stdin_filename)) if args.stdin_filename else None
        sources.append(SourceFile(path=name, kind=kind, data=data,
                                  folder=folder if folder and os.path.isdir(folder) else None))
    elif args.stdin_filename:
        raise PolicylintError("--stdin-filename needs '-' among the paths to read standard input")
    if paths:
        found = discover(paths, root=cwd, is_ignored=is_ignored,
                         use_gitignore=not getattr(args, "no_gitignore", False))
        sources.extend(found.files)
        skipped.extend(found.skipped)
    if getattr(args, "debug", False):
        from policylint.report.safe_text import printable

        for item in skipped:
            print(printable(f"policylint: skipped {item.path}: {item.reason}"), file=sys.stderr)
    return Selection(policy, None, sources, skipped)


def sniff_kind(data: bytes) -> str:
    """Standard input with no name: a Dockerfile if its first instruction says so, else YAML."""
    for raw in data.splitlines()[:200]:
        line = raw.strip().lower()
        if not line or line.startswith(b"#"):
            continue
        word = line.split(None, 1)[0]
        if word in (b"from", b"arg") :
            return "dockerfile"
        return "yaml"
    return "yaml"


def resolve_environment(args: argparse.Namespace, policy: Policy) -> Optional[str]:
    if not getattr(args, "env", None):
        return None
    if policy.environment_named(args.env) is None:
        names = ", ".join(environment.name for environment in policy.environments) or "none defined"
        raise PolicylintError(f"--env {args.env}: no such environment in the policy (environments: {names})")
    return args.env


def jobs(args: argparse.Namespace) -> int:
    """Worker processes: -j N as given; 0 (the default) means one per usable core. The engine
    starts a pool only for scans of at least engine.PARALLEL_THRESHOLD files, so small runs
    (a pre-commit hook, one file) stay in one process whatever this says."""
    if args.jobs < 0:
        raise PolicylintError("--jobs must be 0 (one per core) or more")
    return args.jobs or usable_cores()


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, which containers and taskset narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _cannot_write(path: str, error: OSError) -> PolicylintError:
    """The error for an output file (-o, --sarif-file, ...) that cannot be written."""
    return PolicylintError(f"cannot write {path}: {error.strerror or error}")


class Output:
    """`with Output(path) as out:` the -o FILE (created or emptied; `append`: added to), or
    standard output when `path` is None. A file that cannot be opened or written is a
    PolicylintError naming it; standard output's errors are left to the command line (cli.py)."""

    def __init__(self, path: Optional[str], append: bool = False) -> None:
        self.path = path
        self.append = append
        self.handle: Optional[TextIO] = None

    def __enter__(self) -> TextIO:
        if self.path is None:
            return sys.stdout
        try:
            self.handle = open(self.path, "a" if self.append else "w", encoding="utf-8", newline="\n")
        except OSError as error:
            raise _cannot_write(self.path, error) from None
        return self.handle

    def __exit__(self, kind: object, error: Optional[BaseException], traceback: object) -> None:
        if self.handle is None:
            return
        try:
            self.handle.close()
        except OSError as closing:
            error = error or closing
        if isinstance(error, OSError):
            raise _cannot_write(self.path or "", error) from None
