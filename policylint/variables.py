"""Shell-style variable expansion shared by the Dockerfile and compose scanners.

`expand(text, lookup)` substitutes `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`,
`${NAME:+word}`, `${NAME+word}`, `${NAME:?msg}` and `${NAME?msg}` (words may nest further
expansions). `lookup(name)` returns the value or None when the variable is not set. Names
that had no value where one was needed are returned so the caller can report them; the
expansion itself never fails.
"""

from __future__ import annotations

from typing import Callable, List, NamedTuple, Optional, Tuple

Lookup = Callable[[str], Optional[str]]

_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | frozenset("0123456789")
# `${A:-${B:-...}}` nests one recursion level per `${`; deeper than this is kept literally, so a
# hostile text cannot exhaust Python's recursion limit (no real file nests more than a few).
_MAX_DEPTH = 64
# Characters that variables may add to one expanded text; an image reference is at most ~600.
MAX_SUBSTITUTED = 4096


class Expansion(NamedTuple):
    value: str
    unresolved: Tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.unresolved)


def has_variables(text: str) -> bool:
    return "$" in text


def expand(
    text: str,
    lookup: Lookup,
    *,
    escape: Optional[str] = None,
    dollar_escape: bool = False,
) -> Expansion:
    """Expand variables in `text`.

    `escape` is the character that makes the next one literal (`\\` in a Dockerfile, or the
    `# escape=` directive's character); `dollar_escape` makes `$$` a literal `$` (compose).
    Variables add at most MAX_SUBSTITUTED characters in all, so values that feed each other
    (`.env` lines `B=$A$A`, `C=$B$B`...) cannot grow without bound.
    """
    unresolved: List[str] = []
    budget = [MAX_SUBSTITUTED]

    def bounded(name: str) -> Optional[str]:
        value = lookup(name)
        if value is not None and len(value) > budget[0]:
            value = value[: budget[0]]
        if value is not None:
            budget[0] -= len(value)
        return value

    value, _ = _expand(text, 0, bounded, escape, dollar_escape, unresolved, stop=None)
    seen: List[str] = []
    for name in unresolved:
        if name not in seen:
            seen.append(name)
    return Expansion(value, tuple(seen))


def _expand(
    text: str,
    pos: int,
    lookup: Lookup,
    escape: Optional[str],
    dollar_escape: bool,
    unresolved: List[str],
    stop: Optional[str],
    depth: int = 0,
) -> Tuple[str, int]:
    """Expand from `pos` until the end or an unescaped, unnested `stop` character."""
    out: List[str] = []
    length = len(text)
    while pos < length:
        char = text[pos]
        if stop is not None and char == stop:
            return "".join(out), pos
        if escape is not None and char == escape and pos + 1 < length and text[pos + 1] == "$":
            out.append("$")
            pos += 2
            continue
        if char != "$":
            out.append(char)
            pos += 1
            continue
        if dollar_escape and pos + 1 < length and text[pos + 1] == "$":
            out.append("$")
            pos += 2
            continue
        piece, pos = _expand_dollar(text, pos, lookup, escape, dollar_escape, unresolved, depth)
        out.append(piece)
    return "".join(out), pos


def _expand_dollar(
    text: str,
    pos: int,
    lookup: Lookup,
    escape: Optional[str],
    dollar_escape: bool,
    unresolved: List[str],
    depth: int = 0,
) -> Tuple[str, int]:
    """Expand the `$...` starting at text[pos] == '$'."""
    length = len(text)
    nxt = pos + 1
    if nxt >= length:
        return "$", nxt
    if text[nxt] in _NAME_START:
        end = nxt
        while end < length and text[end] in _NAME_CHARS:
            end += 1
        name = text[nxt:end]
        value = lookup(name)
        if value is None:
            unresolved.append(name)
            return "", end
        return value, end
    if text[nxt] != "{":
        return "$", nxt
    # ${...}
    start = nxt + 1
    end = start
    while end < length and text[end] in _NAME_CHARS:
        end += 1
    name = text[start:end]
    if not name or end >= length:
        # Not a valid expansion (`${}`, `${` at the end, `${1x`...): keep it literally.
        return _literal_brace(text, pos)
    char = text[end]
    if char == "}":
        value = lookup(name)
        if value is None:
            unresolved.append(name)
            return "", end + 1
        return value, end + 1
    colon = char == ":"
    op_pos = end + 1 if colon else end
    if op_pos >= length or text[op_pos] not in "-+?" or depth >= _MAX_DEPTH:
        return _literal_brace(text, pos)
    operator = text[op_pos]
    inner_unresolved: List[str] = []
    word, close = _expand(
        text, op_pos + 1, lookup, escape, dollar_escape, inner_unresolved, stop="}", depth=depth + 1
    )
    if close >= length:
        return _literal_brace(text, pos)
    value = lookup(name)
    is_set = value is not None
    usable = is_set and (not colon or value != "")
    if operator == "-":
        if usable:
            return value or "", close + 1
        unresolved.extend(inner_unresolved)
        return word, close + 1
    if operator == "+":
        if usable:
            unresolved.extend(inner_unresolved)
            return word, close + 1
        return "", close + 1
    # '?': an error when unset (or empty with ':')
    if usable:
        return value or "", close + 1
    unresolved.append(name)
    return "", close + 1


def _literal_brace(text: str, pos: int) -> Tuple[str, int]:
    """Keep an unparseable `${...` as written, up to its closing brace (or the end)."""
    close = text.find("}", pos)
    end = len(text) if close == -1 else close + 1
    return text[pos:end], end
