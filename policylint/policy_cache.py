"""A cache of policies that passed validation, so a run need not import jsonschema (or YAML).

Validating a policy means importing jsonschema, which costs more than the rest of a one-file
check together (the pre-commit case). A policy file rarely changes, so once it has passed,
the plain data it was read into (and the positions of its keys) is kept in the user's cache
folder, in an entry that also holds everything the answer depends on, compared in full when
it is read:

- the policy text itself;
- the code: the package version, the Python version, and for a wheel install the size and
  modification time of the RECORD file pip wrote beside the package (written anew by every
  install, as a module's bytecode is checked against its source's); for a
  checkout or an editable install, the name, size and modification time of every module and
  the JSON Schema's content, so an edited checkout (where the version does not change) never
  trusts an entry written by older code. (A module edited by hand inside site-packages is not
  seen: reinstall instead.)

The entry's file name is a 127-bit hash of both (only where to look; a collision costs a
validation, never a wrong answer). Entries are `marshal` data, which the interpreter reads
with no module to import (`json` would load a C extension, 1% of a one-file check), after a
127-bit checksum of it: marshal takes lengths from its input, so a damaged entry could ask for
gigabytes. The cache folder is trusted as Python trusts its `__pycache__` folders: whoever
can write it can change what a cached policy means, or craft an entry that makes a run hang.

Only policies that passed are stored; an invalid policy is validated (and reported) every time.
Entries are written to a temporary file and renamed into place, so a reader sees a whole entry
or none, and an entry that cannot be read or does not match is ignored. Any failure to read or
write the cache is silent: it can only make a run slower, never change its result.
`POLICYLINT_NO_CACHE=1` turns it off; `POLICYLINT_CACHE_DIR` moves it.
"""

from __future__ import annotations

import marshal
import os
import sys

from policylint import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

    Positions = Dict[Tuple[Any, ...], Tuple[int, int, int, int]]

FORMAT = 2
_SUFFIX = ".entry"
_OLD_SUFFIXES = (".json",)  # entries of earlier formats, evicted like the others
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_MAX_ENTRY_BYTES = 4 * 1024 * 1024
_MAX_ENTRIES = 64  # the oldest go when a new one is written: every upgrade or edit orphans some
_MODULUS = (1 << 127) - 1  # a Mersenne prime, for _digest
_MAGIC = b"policylint policy cache\0"  # then the payload's _digest, then the marshal payload


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
    parts = [f"{FORMAT}\0{__version__}\0{sys.version}\0{marshal.version}".encode()]
    record = _installed_record()
    if record is not None:
        parts.append(record)
        return b"\n".join(parts)
    _add_module_stats(_PACKAGE_DIR, "", parts)
    with open(os.path.join(_PACKAGE_DIR, "schema", "policy.schema.json"), "rb") as handle:
        parts.append(handle.read())  # the schema's content too, not only its mtime
    return b"\n".join(parts)


def _installed_record() -> Optional[bytes]:
    """The size and modification time of the RECORD pip wrote for a wheel install of this
    version (beside the package in site-packages; every install writes it anew), or None: a
    checkout or an editable install has none there, and is fingerprinted file by file. Its
    content (every file with its hash) is not read: hashing it took a one-file check 0.5%."""
    path = os.path.join(os.path.dirname(_PACKAGE_DIR), f"policylint-{__version__}.dist-info", "RECORD")
    try:
        info = os.stat(path)
    except OSError:
        return None
    return f"RECORD\0{info.st_size}\0{info.st_mtime_ns}".encode()


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


def _digest(blob: bytes) -> str:
    """32 hex digits: `blob` read as one number, modulo a 127-bit prime (deterministic, no module)."""
    return format(int.from_bytes(b"\1" + blob, "big") % _MODULUS, "032x")


def _key(text: bytes) -> str:
    return _digest(_code_fingerprint() + b"\0policy\0" + text)


def lookup(text: str) -> Optional[Tuple[Any, Positions]]:
    """(data, positions) of this exact policy text when it passed validation before, else None."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        encoded = text.encode("utf-8", "surrogatepass")
        with open(os.path.join(folder, _key(encoded) + _SUFFIX), "rb") as handle:
            raw = handle.read(_MAX_ENTRY_BYTES + 1)
        if len(raw) > _MAX_ENTRY_BYTES:
            return None
        magic, checksum, payload = raw[:len(_MAGIC)], raw[len(_MAGIC):len(_MAGIC) + 32], raw[len(_MAGIC) + 32:]
        if magic != _MAGIC or checksum != _digest(payload).encode():
            return None  # damaged: marshal would read a length from any bytes and allocate it
        entry = marshal.loads(payload)
        if (type(entry) is not tuple or len(entry) != 5 or entry[0] != FORMAT or entry[1] != _code_fingerprint()
                or entry[2] != encoded or type(entry[3]) is not dict or not _are_positions(entry[4])):
            return None
        return entry[3], entry[4]
    except (OSError, ValueError, EOFError, TypeError, RecursionError):
        return None


def _are_positions(value: Any) -> bool:
    """Whether `value` is a positions table: key paths to (line, column, end line, end column)."""
    return type(value) is dict and all(
        type(path) is tuple and type(place) is tuple and len(place) == 4
        and all(type(number) is int for number in place)
        for path, place in value.items())


def store(text: str, data: Any, positions: Positions) -> None:
    """Remember that this policy text passed validation, as the data and positions it was read into."""
    folder = cache_dir()
    if folder is None:
        return
    temporary = None
    try:
        encoded = text.encode("utf-8", "surrogatepass")
        key = _key(encoded)
        payload = marshal.dumps((FORMAT, _code_fingerprint(), encoded, data, dict(positions)))
        payload = _MAGIC + _digest(payload).encode() + payload
        if len(payload) > _MAX_ENTRY_BYTES:
            return
        os.makedirs(folder, mode=0o700, exist_ok=True)
        temporary = os.path.join(folder, f".{key}.{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            handle.write(payload)
        os.replace(temporary, os.path.join(folder, key + _SUFFIX))
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
                   if entry.name.endswith((_SUFFIX, *_OLD_SUFFIXES)) and entry.is_file(follow_symlinks=False)]
    entries.sort(reverse=True)
    for _, path in entries[_MAX_ENTRIES:]:
        try:
            os.unlink(path)
        except OSError:
            pass
