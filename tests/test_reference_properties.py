"""Property tests of policylint.reference: references generated from Docker's grammar, and
arbitrary text that must never make the parser crash or hang."""

from __future__ import annotations

import re
import string
import time

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from policylint.reference import InvalidReference, parse

SETTINGS = settings(max_examples=300, deadline=None, database=None)

LOWER_ALNUM = string.ascii_lowercase + string.digits
HOST_CHARS = string.ascii_letters + string.digits
TAG_FIRST = string.ascii_letters + string.digits + "_"
TAG_REST = TAG_FIRST + ".-"
DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
IMAGE_ID = re.compile(r"[a-f0-9]{64}")

# --- grammar strategies ------------------------------------------------------------------------------

alphanumeric = st.text(LOWER_ALNUM, min_size=1, max_size=8)
separator = st.sampled_from([".", "_", "__", "-", "--", "----"])


@st.composite
def path_component(draw):
    parts = [draw(alphanumeric)]
    for _ in range(draw(st.integers(0, 3))):
        parts += [draw(separator), draw(alphanumeric)]
    return "".join(parts)


path = st.lists(path_component(), min_size=1, max_size=4).map("/".join)


@st.composite
def host_label(draw):
    """domain-component: [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]"""
    first = draw(st.sampled_from(HOST_CHARS))
    if draw(st.booleans()):
        return first
    middle = draw(st.text(HOST_CHARS + "-", max_size=6))
    return first + middle + draw(st.sampled_from(HOST_CHARS))


dotted_host = st.lists(host_label(), min_size=2, max_size=4).map(".".join)
ipv4 = st.lists(st.integers(0, 255).map(str), min_size=4, max_size=4).map(".".join)
ipv6 = st.one_of(
    st.sampled_from(["::1", "::", "2001:db8::1", "fc00:1:2:3:4:5:6:7", "FE80::A", "2001:DB8::"]),
    st.lists(st.text("0123456789abcdefABCDEF", min_size=1, max_size=4), min_size=2, max_size=8).map(":".join),
    st.tuples(
        st.lists(st.text("0123456789abcdef", min_size=1, max_size=4), max_size=3).map(":".join),
        st.lists(st.text("0123456789abcdef", min_size=1, max_size=4), max_size=3).map(":".join),
    ).map(lambda halves: f"{halves[0]}::{halves[1]}"),
).map(lambda address: f"[{address}]")
port = st.integers(0, 99999).map(lambda number: f":{number}")
optional_port = st.one_of(st.just(""), port)
# A first label with an uppercase letter is taken as a host even without a '.' or a port.
uppercase_label = st.tuples(host_label(), st.sampled_from(string.ascii_uppercase)).map(lambda t: t[1] + t[0])

# Domains that Docker's splitDockerDomain recognises as such.
explicit_domain = st.one_of(
    st.tuples(dotted_host, optional_port).map("".join),
    st.tuples(ipv4, optional_port).map("".join),
    st.tuples(ipv6, optional_port).map("".join),
    st.tuples(host_label(), port).map("".join),
    st.tuples(st.just("localhost"), optional_port).map("".join),
    st.tuples(uppercase_label, optional_port).map("".join),
    st.sampled_from(["docker.io", "index.docker.io", "ghcr.io", "registry.example.com:5000"]),
)

tag = st.tuples(st.sampled_from(TAG_FIRST), st.text(TAG_REST, max_size=127)).map("".join)


@st.composite
def digest(draw):
    algorithm = draw(st.sampled_from(sorted(DIGEST_HEX_LENGTHS)))
    size = DIGEST_HEX_LENGTHS[algorithm]
    return f"{algorithm}:" + draw(st.text("0123456789abcdef", min_size=size, max_size=size))


def expected_name(domain, written_path):
    """Where Docker puts the domain and path (normalize.go splitDockerDomain + Parse)."""
    if domain is None:
        first, slash, rest = written_path.partition("/")
        if slash and ("." in first or first == "localhost"):
            # A first component with a '.' is taken as a domain; when it is not a valid host
            # (path components may hold '_'), the reference regexp keeps it in the path.
            return ("", written_path) if "_" in first else (first, rest)
        domain = "docker.io"
    elif domain == "index.docker.io":
        domain = "docker.io"
    if domain == "docker.io" and "/" not in written_path:
        written_path = "library/" + written_path
    return domain, written_path


@st.composite
def reference(draw):
    """(text, expected domain, expected path, tag, digest) for a valid reference."""
    domain = draw(st.one_of(st.none(), explicit_domain))
    written_path = draw(path)
    the_tag = draw(st.one_of(st.none(), tag))
    the_digest = draw(st.one_of(st.none(), digest()))
    text = (f"{domain}/" if domain is not None else "") + written_path
    text += (f":{the_tag}" if the_tag is not None else "") + (f"@{the_digest}" if the_digest else "")
    exp_domain, exp_path = expected_name(domain, written_path)
    assume(len(f"{exp_domain}/{exp_path}" if exp_domain else exp_path) <= 255)
    assume(not IMAGE_ID.fullmatch(text))
    return text, exp_domain, exp_path, the_tag, the_digest


def _familiar_is_ambiguous(ref) -> bool:
    """Docker's familiar form cannot always be parsed back to the same name: a Hub path whose first
    component reads as a host, and a Hub repository named by 64 hex digits (an image id)."""
    if ref.domain != "docker.io":
        return False
    first, slash, _ = ref.familiar.partition("/")
    if slash and ("." in first or first == "localhost"):
        return True
    return bool(IMAGE_ID.fullmatch(ref.familiar))


# --- properties of valid references --------------------------------------------------------------------


@SETTINGS
@given(reference())
def test_generated_reference_parses_as_docker_would(case):
    text, domain, path_, the_tag, the_digest = case
    ref = parse(text)
    assert (ref.domain, ref.path, ref.tag, ref.digest) == (domain, path_, the_tag, the_digest)


@SETTINGS
@given(reference())
def test_normalized_is_a_fixed_point(case):
    ref = parse(case[0])
    again = parse(ref.normalized)
    assert again.normalized == ref.normalized
    assert again.fully_qualified


@SETTINGS
@given(reference())
def test_familiar_parses_back_to_the_same_normalized(case):
    ref = parse(case[0])
    assume(not _familiar_is_ambiguous(ref))
    assert parse(ref.familiar).normalized == ref.normalized


# --- arbitrary text ---------------------------------------------------------------------------------------

REFERENCE_ALPHABET = string.ascii_letters + string.digits + "/:@.-_"
PRINTABLE = REFERENCE_ALPHABET + "[]% \t\n+~$"
# Generous: parse is a few regular expressions over at most ~526 characters (well under 1 ms);
# the limit only catches catastrophic backtracking.
SLOW_SECONDS = 0.25


def _parse_arbitrary(text):
    start = time.perf_counter()
    try:
        ref = parse(text)
    except InvalidReference as error:
        message = str(error)
        assert message.strip() and len(message.splitlines()) == 1
        ref = None
    assert time.perf_counter() - start < SLOW_SECONDS, f"parse took too long on {text[:80]!r}"
    if ref is not None:
        assert parse(ref.normalized).normalized == ref.normalized
    return ref


@SETTINGS
@given(st.text())
def test_arbitrary_unicode_text_never_crashes(text):
    _parse_arbitrary(text)


@SETTINGS
@given(st.text(REFERENCE_ALPHABET, max_size=80))
def test_reference_like_text_never_crashes(text):
    _parse_arbitrary(text)


@SETTINGS
@given(st.text(PRINTABLE, min_size=200, max_size=1200))
def test_long_reference_like_text_is_fast(text):
    _parse_arbitrary(text)


@SETTINGS
@given(
    st.lists(st.sampled_from(["a", "A", "0", ".", "-", "_", "__", "/", ":", "[", "]", "@", "1.", "a-"]),
             min_size=50, max_size=400).map("".join)
)
def test_separator_heavy_text_is_fast(text):
    _parse_arbitrary(text)


@SETTINGS
@given(reference(), st.integers(0, 10_000), st.sampled_from(list(PRINTABLE) + ["\uff11", "\u0661", "\u00e9"]),
       st.sampled_from(["insert", "replace", "delete"]))
def test_mutated_reference_never_crashes(case, position, char, how):
    text = case[0]
    index = position % (len(text) + 1)
    if how == "insert":
        text = text[:index] + char + text[index:]
    elif how == "replace":
        text = text[:index] + char + text[index + 1:]
    else:
        text = text[:index] + text[index + 1:]
    _parse_arbitrary(text)
