"""A cache of policies that passed validation, so a run need not import jsonschema (or YAML).

Validating a policy means importing jsonschema, which costs more than the rest of a one-file
check together (the pre-commit case). A policy file rarely changes, so once it has passed,
the plain data it was read into (and the positions of its keys) is kept in the user's cache
folder under a name derived from everything the answer depends on:

- the policy text itself (its SHA-256);
- the JSON Schema shipped with the package, and the package version;
- the name, size and modification time of every module of the package, so an edited
  checkout (where the version does not change) never trusts an entry written by older code.

Only policies that passed are stored; an invalid policy is validated (and reported) every
time. Entries are written to a temporary file and renamed into place, so a reader sees a
whole entry or none, and an entry that cannot be read or does not carry its own key is ignored.
Any failure to read or write the cache is silent: it can only make a run slower, never
change its result. `POLICYLINT_NO_CACHE=1` turns it off; `POLICYLINT_CACHE_DIR` moves it.
"""

from __future__ import annotations

import os
import sys

from policylint import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

    Positions = Dict[Tuple[Any, ...], Tuple[int, int, int, int]]

try:  # the bare SHA-256 module: hashlib would load OpenSSL, 5% of a one-file run
    from _sha2 import sha256  # CPython 3.12+
except ImportError:  # pragma: no cover - depends on the Python version
    try:
        from _sha256 import sha256  # CPython 3.11
    except ImportError:
        from hashlib import sha256

FORMAT = 1
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_MAX_ENTRY_BYTES = 4 * 1024 * 1024
_MAX_ENTRIES = 64  # the oldest go when a new one is written: every upgrade or edit orphans some


def cache_dir() -> Optional[str]:
    """Where entries live, or None when caching is off or there is no home to put it in."""
    if os.environ.get("POLICYLINT_NO_CACHE"):
        return None
    explicit = os.environ.get("POLICYLINT_CACHE_DIR")
    if explicit:
        return explicit
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
    elif sys.platform == "darwin":
        base = os.path.join(os.path.expanduser("~"), "Library", "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not base or base.startswith("~"):
        return None
    return os.path.join(base, "policylint", "policies")


_fingerprint: Optional[bytes] = None


def _code_fingerprint() -> bytes:
    """Name, size and mtime of every module and the schema: any edit gives a new fingerprint."""
    global _fingerprint
    if _fingerprint is None:
        _fingerprint = _compute_fingerprint()
    return _fingerprint


def _compute_fingerprint() -> bytes:
    parts = [f"{FORMAT}\0{__version__}\0{sys.version_info[:2]}".encode()]
    _add_module_stats(_PACKAGE_DIR, "", parts)
    with open(os.path.join(_PACKAGE_DIR, "schema", "policy.schema.json"), "rb") as handle:
        parts.append(handle.read())  # the schema's content too, not only its mtime
    return b"\n".join(parts)


def _add_module_stats(folder: str, relative: str, parts: List[bytes]) -> None:
    """`path\0size\0mtime` of every .py and .json file under `folder`, in name order (one
    scandir and one stat per file: this runs at every start that has a policy)."""
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    for entry in entries:
        name = relative + entry.name
        if entry.is_dir(follow_symlinks=False):
            if entry.name != "__pycache__":
                _add_module_stats(entry.path, name + "/", parts)
        elif entry.name.endswith((".py", ".json")):
            info = entry.stat()
            parts.append(f"{name}\0{info.st_size}\0{info.st_mtime_ns}".encode())


def _key(text: str) -> str:
    digest = sha256(_code_fingerprint())
    digest.update(b"\0policy\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class _ScannerSettings:
    """What the C JSON scanner reads from json.JSONDecoder: its defaults, and no NaN or Infinity
    (store() never writes them)."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    def parse_constant(self, name: str) -> Any:
        raise ValueError(f"{name} is not allowed")


def _load_entry(raw: bytes) -> Any:
    """json.loads(raw) for an entry store() wrote (ASCII, one value, no surrounding space).

    It uses the C scanner json.loads itself uses, without importing the json package: that
    import (with the regular expressions its encoder compiles) is a tenth of a one-file check.
    ValueError when `raw` is anything else."""
    text = raw.decode("ascii")
    try:
        from _json import make_scanner
    except ImportError:  # pragma: no cover - Pythons without CPython's accelerator
        from json import loads

        return loads(text)
    try:
        value, end = make_scanner(_ScannerSettings())(text, 0)
    except StopIteration:  # no JSON value at the start
        raise ValueError("not JSON") from None
    if end != len(text):
        raise ValueError("text after the JSON value")
    return value


def lookup(text: str) -> Optional[Tuple[Any, Positions]]:
    """(data, positions) of this exact policy text when it passed validation before, else None."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        key = _key(text)
        with open(os.path.join(folder, key + ".json"), "rb") as handle:
            raw = handle.read(_MAX_ENTRY_BYTES + 1)
        if len(raw) > _MAX_ENTRY_BYTES:
            return None
        entry = _load_entry(raw)
        if not isinstance(entry, dict) or entry.get("key") != key or entry.get("format") != FORMAT:
            return None
        positions: Positions = {
            tuple(path): (int(place[0]), int(place[1]), int(place[2]), int(place[3]))
            for path, place in entry["positions"]
        }
        return entry["data"], positions
    except (OSError, ValueError, KeyError, TypeError, IndexError, RecursionError):
        return None


def store(text: str, data: Any, positions: Positions) -> None:
    """Remember that this policy text passed validation, as the data and positions it was read into."""
    folder = cache_dir()
    if folder is None:
        return
    temporary = None
    try:
        key = _key(text)
        entry = {
            "format": FORMAT,
            "key": key,
            "data": data,
            "positions": [[list(path), list(place)] for path, place in positions.items()],
        }
        import json

        payload = json.dumps(entry, ensure_ascii=True, allow_nan=False).encode("ascii")
        if len(payload) > _MAX_ENTRY_BYTES:
            return
        os.makedirs(folder, mode=0o700, exist_ok=True)
        temporary = os.path.join(folder, f".{key}.{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            handle.write(payload)
        os.replace(temporary, os.path.join(folder, key + ".json"))
        temporary = None
        _evict(folder)
    except (OSError, ValueError, TypeError):
        pass
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def _evict(folder: str) -> None:
    """Keep the _MAX_ENTRIES most recently written entries."""
    with os.scandir(folder) as listing:
        entries = [(entry.stat().st_mtime_ns, entry.path) for entry in listing
                   if entry.name.endswith(".json") and entry.is_file(follow_symlinks=False)]
    entries.sort(reverse=True)
    for _, path in entries[_MAX_ENTRIES:]:
        try:
            os.unlink(path)
        except OSError:
            pass
