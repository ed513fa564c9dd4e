"""printable(): control, bidi-override and surrogate characters shown as escapes, never raw."""

import random
import re

from policylint.report.safe_text import printable

UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def escaped(text: str) -> str:
    """The definition: every unsafe character as \\n, \\r, \\t, \\xNN or \\uNNNN."""
    special = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

    def one(match: re.Match) -> str:
        char = match.group(0)
        return special.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")

    return UNSAFE.sub(one, text)


def test_examples():
    assert printable("Dockerfile:1:6: nginx") == "Dockerfile:1:6: nginx"
    assert printable("a\nb\tc\x1b[31m\x7f") == "a\\nb\\tc\\x1b[31m\\x7f"
    assert printable("evil\u202eexe.yaml") == "evil\\u202eexe.yaml"
    assert printable("caf\u00e9 \u00e9t\u00e9") == "caf\u00e9 \u00e9t\u00e9"
    assert printable("\ud800") == "\\ud800"
    assert printable("rtl\u200f \u061calm") == "rtl\\u200f \\u061calm"  # every Bidi_Control character
    assert printable("a\nb\x1b", keep="\n") == "a\nb\\x1b"


def test_every_character_class_matches_the_definition():
    generator = random.Random(3)
    alphabet = [chr(code) for code in range(0x300)] + [chr(code) for code in range(0x2000, 0x2080)] + \
        ["\ud800", "\udfff", "\U0001f600", "\ufeff"]
    for code in range(0x300):
        assert printable(chr(code)) == escaped(chr(code)), code
    for _ in range(2000):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 12)))
        assert printable(text) == escaped(text), repr(text)
