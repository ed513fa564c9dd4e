"""Paths on the command line -> the files to scan, each with the scanner kind its name implies.

Directories are walked once (iteratively, `.git` skipped, other hidden folders scanned) honouring
`.gitignore` files (from the git root down, nested ones with negations, `.git/info/exclude`) and an
`is_ignored(abspath)` predicate (policy `ignore:`, `--exclude`), which prunes folders too. Paths
named explicitly are scanned even when gitignored, as ruff and ripgrep do, but `is_ignored` still
applies. Nothing is read but ignore files; `Chart.yaml` is only looked up. A symlink met while walking
is followed only while its real path stays inside a real path given on the command line (a link
named there, also inside the root: the cwd), and a folder is entered at most once (by real
path), so links cannot loop. FIFOs, sockets
and devices are never opened. A file with a scanner's name that vanishes or cannot be examined
while walking is still a file to scan, so that reading it reports why (a `parse-error`), and
every other path not scanned is in `skipped` with its reason.
"""

from __future__ import annotations

import os
import stat

from policylint.errors import PolicylintError
from policylint.model import Skipped, SourceFile
from policylint.records import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

    # (folder the patterns are relative to, its compiled gitignore.IgnoreFile); deeper entries come later and win.
    _Chain = Tuple[Tuple[str, Any], ...]

NOT_A_KIND = "not a file kind policylint reads"
NOT_REGULAR = "not a regular file"
EXCLUDED = "excluded by an ignore pattern"
GITIGNORED = "excluded by .gitignore"


class Discovery(NamedTuple):
    """The files to scan and the candidates that were not scanned, both sorted by path."""

    files: List[SourceFile]
    skipped: List[Skipped]


def kind_for_name(path: str) -> Optional[str]:
    """The scanner kind a file name implies (no I/O): dockerfile, compose, kustomize, yaml or None.

    Helm values are "yaml" here; `discover` makes them "helm" when a `Chart.yaml` sits beside them.
    """
    return _kind(path.replace("\\", "/").rsplit("/", 1)[-1])


# A name that starts like a Dockerfile but ends in one of these is source code, a document or
# data about Dockerfiles (`dockerfile_parser.py`, `Dockerfile.md`, `dockerfile-lint.yaml`).
_NOT_DOCKERFILE_SUFFIXES = (
    ".py", ".pyc", ".pyi", ".go", ".rs", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".java", ".kt", ".rb",
    ".php", ".pl", ".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".swift", ".scala", ".sh", ".bash", ".ps1", ".bat",
    ".cmd", ".md", ".rst", ".adoc", ".html", ".htm", ".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".xml",
    ".lock", ".png", ".jpg", ".svg", ".gif", ".pdf", ".map", ".mts", ".cts",
    # archives of a Dockerfile linter's package (dockerfilelint-1.8.0.tgz), and templates whose
    # `<% %>` tags policylint cannot read around (Dockerfile.ejs, Dockerfile.erb)
    ".tgz", ".gz", ".zip", ".tar", ".bz2", ".xz", ".whl", ".jar", ".ejs", ".erb",
)


def _kind(name: str) -> Optional[str]:
    lower = name.lower()
    if lower.endswith((".dockerignore", ".containerignore")):
        return None
    if lower.endswith((".dockerfile", ".containerfile")) or (
        name[:1] in ("D", "d", "C", "c")
        and lower.startswith(("dockerfile", "containerfile"))
        and name[1:].startswith(("ockerfile", "ontainerfile"))
        and not lower.endswith(_NOT_DOCKERFILE_SUFFIXES)
    ):
        return "dockerfile"
    if name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        return "kustomize"
    if not lower.endswith((".yaml", ".yml")):
        return None
    if lower.startswith(("compose", "docker-compose")):
        return "compose"
    return "yaml"


def _is_values(name: str) -> bool:
    return name.startswith("values") and name.lower().endswith((".yaml", ".yml"))


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _inside(real: str, roots: Sequence[str]) -> bool:
    for root in roots:
        if real == root or real.startswith(root if root.endswith(os.sep) else root + os.sep):
            return True
    return False


def _gitignored(chain: _Chain, abspath: str, is_dir: bool) -> bool:
    for base, spec in reversed(chain):
        rel = abspath[len(base) :].lstrip(os.sep).replace(os.sep, "/")
        include = spec.include(rel + "/" if is_dir else rel)
        if include is not None:
            return bool(include)
    return False


class _Walk:
    def __init__(self, root: str, is_ignored: Callable[[str], bool], use_gitignore: bool) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.is_ignored = is_ignored
        self.use_gitignore = use_gitignore
        # Where a symlink met while walking may lead: the real paths named on the command line
        # (not the root, the cwd, which may hold far more: `policylint repo` run from `/`).
        self.allowed: List[str] = []
        self.files: Dict[str, SourceFile] = {}
        self.skipped: Dict[str, str] = {}
        self.visited: Set[str] = set()
        self.deferred: List[Tuple[str, str, _Chain]] = []

    def skip(self, rel: str, reason: str) -> None:
        self.skipped.setdefault(rel, reason)

    def display(self, abspath: str) -> str:
        """`abspath` relative to the root with `/`; through real paths when the root is reached via links."""
        try:
            rel = os.path.relpath(abspath, self.root)
            if rel.startswith(".."):
                real = os.path.join(os.path.realpath(os.path.dirname(abspath)), os.path.basename(abspath))
                real_rel = os.path.relpath(real, self.real_root)
                rel = rel if real_rel.startswith("..") else real_rel
        except ValueError:  # another drive on Windows
            rel = abspath
        return rel.replace(os.sep, "/")

    def extend(self, chain: _Chain, folder: str, has_git: bool, has_gitignore: bool) -> _Chain:
        """The ignore rules that apply inside `folder`, given those of its parent."""
        if not self.use_gitignore:
            return ()
        from policylint.gitignore import load_gitignore  # not needed for files named one by one

        if has_git:  # a repository (or submodule) root: the outer repository's rules stop here
            exclude = load_gitignore(os.path.join(folder, ".git", "info", "exclude"))
            chain = ((folder, exclude),) if exclude is not None else ()
        if has_gitignore:
            spec = load_gitignore(os.path.join(folder, ".gitignore"))
            if spec is not None:
                chain = chain + ((folder, spec),)
        return chain

    def ancestor_chain(self, top: str) -> _Chain:
        """Ignore rules inherited by `top` from the folders above it, from the git root down.

        Outside a git repository, `.gitignore` files count from the scan root down. A gitignored
        folder named on the command line is walked with only the rules from inside it.
        """
        if not self.use_gitignore or os.path.lexists(os.path.join(top, ".git")):
            return ()
        above: List[str] = []
        folder = os.path.dirname(top)
        while True:
            above.append(folder)
            if os.path.lexists(os.path.join(folder, ".git")):
                break
            parent = os.path.dirname(folder)
            if parent == folder:  # no repository: stop at the scan root, if top is below it
                if top == self.root or not _inside(top, [self.root]):
                    return ()
                above = above[: above.index(self.root) + 1]
                break
            folder = parent
        chain: _Chain = ()
        below = list(reversed(above))[1:] + [top]
        for folder, child in zip(reversed(above), below):
            has_git = os.path.lexists(os.path.join(folder, ".git"))
            chain = self.extend(chain, folder, has_git, os.path.lexists(os.path.join(folder, ".gitignore")))
            if chain and _gitignored(chain, child, True):
                chain = ()  # an ignored folder named on the command line: the rules above it stop there
        return chain

    def add(self, abspath: str, rel: str, kind: str, real: Optional[str] = None) -> None:
        if rel not in self.files:
            self.files[rel] = SourceFile(path=rel, kind=kind, abspath=abspath, realpath=real)

    def argument(self, abspath: str) -> None:
        """One path typed by the user (it exists: checked by the caller)."""
        rel = self.display(abspath)
        try:
            info = os.stat(abspath)
        except OSError as exc:
            kind = kind_for_name(abspath)
            if kind is not None and not os.path.islink(abspath) and not self.is_ignored(abspath):
                self.add(abspath, rel, kind)  # named but unreadable: reading it reports why, as a finding
            else:
                self.skip(rel, _reason(exc))
            return
        if stat.S_ISDIR(info.st_mode):
            if self.is_ignored(abspath):
                self.skip(rel, EXCLUDED)
                return
            real = os.path.realpath(abspath)
            if real not in self.visited:
                self.visited.add(real)
                self.walk(abspath, rel, real, self.ancestor_chain(abspath))
            return
        if not stat.S_ISREG(info.st_mode):
            self.skip(rel, NOT_REGULAR)
            return
        real = os.path.realpath(abspath) if os.path.islink(abspath) else None
        # a link named on the command line (pre-commit names each file, from the repository's
        # top) may also lead anywhere inside the root
        if real is not None and not _inside(real, [*self.allowed, self.real_root]):
            self.skip(rel, "symlink to a file outside the scan root")
            return
        kind = kind_for_name(abspath)
        if kind is None:
            self.skip(rel, NOT_A_KIND)
        elif self.is_ignored(abspath):
            self.skip(rel, EXCLUDED)
        else:
            folder = os.path.dirname(abspath)
            if kind == "yaml" and _is_values(os.path.basename(abspath)):
                kind = "helm" if os.path.isfile(os.path.join(folder, "Chart.yaml")) else kind
            self.add(abspath, rel, kind, real)

    def walk(self, top: str, top_rel: str, top_real: str, chain: _Chain) -> None:
        stack = [(top, top_rel, top_real, chain)]
        while stack:
            folder, folder_rel, folder_real, chain = stack.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=lambda entry: entry.name, reverse=True)
            except OSError as exc:
                self.skip(folder_rel, f"cannot read directory: {_reason(exc)}")
                continue
            names = {entry.name for entry in entries}
            prefix = folder.rstrip(os.sep) + os.sep
            real_prefix = folder_real.rstrip(os.sep) + os.sep
            has_git = ".git" in names
            if has_git or ".gitignore" in names:
                chain = self.extend(chain, folder, has_git, ".gitignore" in names)
            rel_prefix = "" if folder_rel == "." else folder_rel + "/"
            for entry in entries:
                # Most entries of a large tree are folders or files of no kind (sources, docs):
                # their kind, paths and ignore checks are worked out only when needed.
                name = entry.name
                try:
                    if entry.is_symlink():
                        self.link(prefix + name, rel_prefix + name, _kind(name), chain, names)
                    elif entry.is_dir(follow_symlinks=False):
                        real = real_prefix + name
                        if name == ".git" or real in self.visited:
                            continue
                        abspath, rel = prefix + name, rel_prefix + name
                        if self.ignored(chain, abspath, True, rel):
                            continue
                        self.visited.add(real)
                        stack.append((abspath, rel, real, chain))
                    else:
                        kind = _kind(name)
                        if kind is None:
                            continue
                        abspath, rel = prefix + name, rel_prefix + name
                        if self.ignored(chain, abspath, False, rel):
                            continue
                        if entry.is_file(follow_symlinks=False):
                            self.add(abspath, rel, self.helm(kind, name, names))
                        else:
                            self.skip(rel, NOT_REGULAR)
                except OSError:  # vanished or unreadable mid-walk: reading it reports why, as a finding
                    kind, abspath, rel = _kind(name), prefix + name, rel_prefix + name
                    if kind is not None and not self.ignored(chain, abspath, False, rel):
                        self.add(abspath, rel, kind)

    def ignored(self, chain: _Chain, abspath: str, is_dir: bool, rel: str) -> bool:
        """Whether a folder or candidate file is excluded; if so it is recorded, for --debug."""
        if chain and _gitignored(chain, abspath, is_dir):
            self.skip(rel, GITIGNORED)
        elif self.is_ignored(abspath):
            self.skip(rel, EXCLUDED)
        else:
            return False
        return True

    @staticmethod
    def helm(kind: str, name: str, names: Set[str]) -> str:
        return "helm" if kind == "yaml" and "Chart.yaml" in names and _is_values(name) else kind

    def link(self, abspath: str, rel: str, kind: Optional[str], chain: _Chain, names: Set[str]) -> None:
        """A symlink met while walking: followed only when it stays inside the allowed roots."""
        try:
            info = os.stat(abspath)
        except OSError as exc:
            if kind is not None:
                self.skip(rel, f"broken symlink: {_reason(exc)}")
            return
        if stat.S_ISDIR(info.st_mode):
            if os.path.basename(abspath) == ".git" or self.ignored(chain, abspath, True, rel):
                return
            if not _inside(os.path.realpath(abspath), self.allowed):
                self.skip(rel, "symlink to a directory outside the scan root")
            else:  # after the real folders, so a folder is listed under its own name
                self.deferred.append((abspath, rel, chain))
            return
        if kind is None or self.ignored(chain, abspath, False, rel):
            return
        real = os.path.realpath(abspath)
        if not stat.S_ISREG(info.st_mode):
            self.skip(rel, NOT_REGULAR)
        elif not _inside(real, self.allowed):
            self.skip(rel, "symlink to a file outside the scan root")
        else:
            self.add(abspath, rel, self.helm(kind, os.path.basename(abspath), names), real)

    def follow_links(self) -> None:
        while self.deferred:
            pending, self.deferred = sorted(self.deferred, key=lambda item: item[1]), []
            for abspath, rel, chain in pending:
                real = os.path.realpath(abspath)
                if real in self.visited:
                    self.skip(rel, "symlink to a directory already scanned")
                    continue
                self.visited.add(real)
                self.walk(abspath, rel, real, chain)


def discover(
    paths: Sequence[str],
    *,
    root: str,
    is_ignored: Callable[[str], bool] = lambda path: False,
    use_gitignore: bool = True,
) -> Discovery:
    """Find the files to scan under `paths` (files or folders, relative to the cwd or absolute).

    `root` is the absolute scan root: `SourceFile.path` is relative to it. A path that does not
    exist raises PolicylintError; anything else that cannot be scanned lands in `skipped`.
    """
    root = os.path.abspath(root)
    walk = _Walk(root, is_ignored, use_gitignore)
    absolute = []
    for path in paths:
        abspath = os.path.abspath(path)
        try:
            os.lstat(abspath)
        except (FileNotFoundError, NotADirectoryError):
            raise PolicylintError(f"{path}: no such file or directory") from None
        except OSError:  # exists but cannot be examined: reported in skipped below
            pass
        absolute.append(abspath)
        walk.allowed.append(os.path.realpath(abspath if os.path.isdir(abspath) else os.path.dirname(abspath)))
    for abspath in absolute:
        walk.argument(abspath)
    walk.follow_links()
    return Discovery(
        files=[walk.files[rel] for rel in sorted(walk.files)],
        skipped=[Skipped(path=rel, reason=walk.skipped[rel]) for rel in sorted(walk.skipped)],
    )
