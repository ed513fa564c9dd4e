"""Make any text safe to print on a terminal: control characters are shown escaped, never raw."""

from __future__ import annotations

import re

# Compiling this class (its surrogate range) costs more than printing a one-file check's
# report, so it is compiled (through re's cache) only for text that is not printable ASCII.
# Controls, line and paragraph separators, every Bidi_Control character (ALM U+061C, LRM and
# RLM U+200E-U+200F, the embeddings and overrides, the isolates) and lone surrogates.
_UNSAFE = "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    special = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in special:
        return special[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, keep: str = "") -> str:
    """`text` with control, bidi-control and surrogate characters replaced by escapes (but for
    those in `keep`, which the caller escapes its own way)."""
    if text.isascii() and text.isprintable():  # ASCII's unprintable characters are \x00-\x1f, \x7f
        return text
    if keep:
        return re.sub(_UNSAFE, lambda match: match.group(0) if match.group(0) in keep else _escape(match), text)
    return re.sub(_UNSAFE, _escape, text)
