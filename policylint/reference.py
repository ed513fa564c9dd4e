"""Docker's image reference grammar (distribution/reference), parsing and normalization.

Pure functions, no I/O. The grammar of `distribution/reference/regexp.go` is read with str
methods over ASCII character sets, whole texts only: a trailing newline or a non-ASCII digit
never passes.
"""

from __future__ import annotations

from policylint.records import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Union

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_REPO_PREFIX = "library/"
NAME_TOTAL_LENGTH_MAX = 255
# Longest text that could still be a valid reference: name, ':' tag, '@sha512:' 128 hex, plus
# the 6 characters that `index.docker.io/` loses when it is folded to `docker.io/`.
_MAX_REFERENCE_LENGTH = (
    NAME_TOTAL_LENGTH_MAX + 1 + 128 + 1 + 7 + 128 + len(LEGACY_DEFAULT_DOMAIN) - len(DEFAULT_DOMAIN)
)

# Docker's grammar (distribution/reference/regexp.go), written as predicates over character
# sets: compiling its regular expression was 4% of a one-file check (the pre-commit case), and
# a reference is short enough that str methods read it as fast. tests/reference_grammar.py
# holds the regular expressions, and tests compare the two on hundreds of thousands of texts.
#
#   reference      := name [ ":" tag ] [ "@" digest ]
#   name           := [ domain-and-port "/" ] path-component ( "/" path-component )*
#   path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
#   domain-and-port:= ( domain-name | "[" [a-fA-F0-9:]+ "]" ) [ ":" [0-9]+ ]
#   domain-name    := label ( "." label )*,  label := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
#   tag            := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
#   digest         := algorithm ":" [0-9a-fA-F]{32,},  algorithm := alpha-run ( [-_+.] alpha-run )*,
#                     alpha-run := [A-Za-z][A-Za-z0-9]*
_DIGITS = "0123456789"
_LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz" + _DIGITS
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ALNUM = _LETTERS + _DIGITS
_HEX = "0123456789abcdefABCDEF"
_WORD = _ALNUM + "_"
# A path component with every [a-z0-9] made '/' (absent from a component): what is left between
# them are its separators, each of which must be '.', '_', '__' or a run of '-'.
_SEPARATORS_ONLY = str.maketrans(_LOWER_ALNUM, "/" * len(_LOWER_ALNUM))
_SEPARATORS = frozenset({".", "_", "__", ""})
_ALGORITHM_SEPARATORS = str.maketrans("-_.", "+++")


def _is_digits(text: str) -> bool:
    return bool(text) and not text.strip(_DIGITS)


def _is_path_component(text: str) -> bool:
    if not text or text[0] not in _LOWER_ALNUM or text[-1] not in _LOWER_ALNUM or "/" in text:
        return False
    for separator in text.translate(_SEPARATORS_ONLY).split("/"):
        if separator not in _SEPARATORS and separator.strip("-"):
            return False
    return True


def _is_path(text: str) -> bool:
    """The repository path: path components separated by '/'."""
    for component in text.split("/"):
        if not _is_path_component(component):
            return False
    return True


def _is_domain_and_port(text: str) -> bool:
    """A registry host (a domain name or a bracketed IPv6 address) with an optional port."""
    if text[:1] == "[":
        end = text.find("]")
        address = text[1:end]
        if end < 0 or not address or address.strip(_HEX + ":"):
            return False
        port = text[end + 1:]
        return not port or (port[0] == ":" and _is_digits(port[1:]))
    host, colon, port = text.partition(":")
    if colon and not _is_digits(port):
        return False
    for label in host.split("."):
        if not label or label.strip(_ALNUM + "-") or label[0] == "-" or label[-1] == "-":
            return False
    return True


def _is_tag(text: str) -> bool:
    return 0 < len(text) <= 128 and text[0] in _WORD and not text.strip(_WORD + ".-")


def _is_digest(text: str) -> bool:
    algorithm, colon, encoded = text.partition(":")
    if not colon or len(encoded) < 32 or encoded.strip(_HEX):
        return False
    for run in algorithm.translate(_ALGORITHM_SEPARATORS).split("+"):
        if not run or run[0] not in _LETTERS or run.strip(_ALNUM):
            return False
    return True


def _match_reference(text: str) -> Optional[tuple]:
    """(name, domain or None, path, tag or None, digest or None) of a text the whole grammar
    accepts, else None; the domain is the first component when it reads as one and the rest
    still parses, as the regular expression's leftmost match gives it."""
    rest, at, digest = text.partition("@")
    if at and not _is_digest(digest):
        return None
    slash = rest.find("/")
    if slash > 0 and _is_domain_and_port(rest[:slash]):
        path, colon, tag = rest[slash + 1:].partition(":")
        if _is_path(path) and (not colon or _is_tag(tag)):
            return rest[:slash + 1 + len(path)], rest[:slash], path, tag if colon else None, digest if at else None
    path, colon, tag = rest.partition(":")
    if _is_path(path) and (not colon or _is_tag(tag)):
        return path, None, path, tag if colon else None, digest if at else None
    return None


# The characters some part of the grammar accepts; any other (placeholders such as <PROJECT>,
# spaces, braces) is reported by name. Character sets and str.strip, not regular expressions:
# compiling is most of what a regular expression costs a one-file run.
_GRAMMAR_CHARACTERS = _ALNUM + "._-/:@[]+"
_LOWER_HEX = _DIGITS + "abcdef"
# Algorithms the go-digest package knows, with the length of their hex encoding.
DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}


class InvalidReference(ValueError):
    """The text is not a valid image reference; the message says why, as Docker would."""


class ImageRef(NamedTuple):
    """A parsed, normalized reference.

    `explicit_domain` is False when Docker supplied `docker.io`; `implicit_library` is True when
    Docker inserted `library/`. Together they say whether the written form was fully qualified.
    """

    domain: str
    path: str
    tag: Optional[str] = None
    digest: Optional[str] = None
    explicit_domain: bool = True
    implicit_library: bool = False

    @property
    def repository(self) -> str:
        """`domain/path`, the normalized repository that registry patterns match."""
        return f"{self.domain}/{self.path}" if self.domain else self.path

    @property
    def normalized(self) -> str:
        """The canonical, fully qualified form (`docker.io/library/nginx:1.25`)."""
        return self.repository + self._suffix

    @property
    def familiar(self) -> str:
        """The short form `docker` prints (`nginx:1.25`, `bitnami/redis`)."""
        name = self.repository
        if self.domain == DEFAULT_DOMAIN:
            name = self.path
            rest = name[len(OFFICIAL_REPO_PREFIX):]
            if name.startswith(OFFICIAL_REPO_PREFIX) and rest and "/" not in rest:
                name = rest
        return name + self._suffix

    @property
    def familiar_name(self) -> str:
        """The short name without tag or digest, for messages and fixes.

        Docker's familiar form is ambiguous for Docker Hub paths whose first component looks
        like a host (`docker.io/foo.bar/baz` -> `foo.bar/baz`); then the full repository is used.
        """
        name = self.repository
        if self.domain == DEFAULT_DOMAIN:
            short = self.path
            rest = short[len(OFFICIAL_REPO_PREFIX):]
            if short.startswith(OFFICIAL_REPO_PREFIX) and rest and "/" not in rest:
                short = rest
            reparsed = try_parse(short)
            if isinstance(reparsed, ImageRef) and reparsed.repository == self.repository:
                name = short
        return name

    @property
    def name_as_written(self) -> str:
        """The repository without tag or digest, spelled as the reference spells it: with its
        registry when it names one (`docker.io/acme/app`), else Docker's short form (`nginx`).
        Fixes use it, so following one never drops the registry a policy may require."""
        if not self.explicit_domain:
            return self.familiar_name
        path = self.path[len(OFFICIAL_REPO_PREFIX):] if self.implicit_library else self.path
        return f"{self.domain}/{path}"

    @property
    def fully_qualified(self) -> bool:
        return self.explicit_domain and not self.implicit_library

    @property
    def digest_algorithm(self) -> Optional[str]:
        return self.digest.split(":", 1)[0] if self.digest else None

    @property
    def _suffix(self) -> str:
        suffix = f":{self.tag}" if self.tag is not None else ""
        if self.digest is not None:
            suffix += f"@{self.digest}"
        return suffix


def split_docker_domain(name: str) -> tuple[str, str, bool]:
    """Docker's splitDockerDomain: (domain, remainder, whether the domain was written)."""
    slash = name.find("/")
    first = name[:slash] if slash >= 0 else ""
    if slash == -1 or (
        "." not in first and ":" not in first and first != "localhost" and first.lower() == first
    ):
        domain, remainder, explicit = DEFAULT_DOMAIN, name, False
    else:
        domain, remainder, explicit = first, name[slash + 1:], True
    if domain == LEGACY_DEFAULT_DOMAIN:
        domain = DEFAULT_DOMAIN
    return domain, remainder, explicit


def _validate_digest(digest: str) -> None:
    algorithm, _, encoded = digest.partition(":")
    expected = DIGEST_HEX_LENGTHS.get(algorithm)
    if expected is None:
        raise InvalidReference(f"unsupported digest algorithm {algorithm!r}")
    if len(encoded) != expected:
        raise InvalidReference(
            f"invalid checksum digest length: {algorithm} needs {expected} hex digits, got {len(encoded)}"
        )
    if encoded.strip(_LOWER_HEX):
        raise InvalidReference("invalid checksum digest format: the hex digits must be lowercase")


def parse(text: str) -> ImageRef:
    """Parse `text` as `docker pull` would (ParseNormalizedNamed); raise InvalidReference."""
    if not isinstance(text, str) or text == "":
        raise InvalidReference("repository name must have at least one component")
    if len(text) > _MAX_REFERENCE_LENGTH:
        raise InvalidReference(f"reference is {len(text)} characters long, longer than any valid reference")
    if len(text) == 64 and not text.strip(_LOWER_HEX):
        raise InvalidReference(
            "a 64-character hexadecimal string is an image ID, not a repository name"
        )
    stray = text.lstrip(_GRAMMAR_CHARACTERS)  # from the first character no part accepts
    if stray:
        raise InvalidReference(
            f"invalid reference format: {stray[0]!r} cannot appear in an image reference"
        )
    domain, remainder, explicit = split_docker_domain(text)
    implicit_library = False
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        remainder = OFFICIAL_REPO_PREFIX + remainder
        implicit_library = True
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        raise InvalidReference(f"repository name {remote!r} must be lowercase")
    full = f"{domain}/{remainder}"
    match = _match_reference(full)
    if match is None:
        if _match_reference(full.lower()):
            raise InvalidReference("repository name must be lowercase")
        raise InvalidReference(_explain_format_error(text))
    name, ref_domain, ref_path, tag, digest = match
    if len(name) > NAME_TOTAL_LENGTH_MAX:
        raise InvalidReference(
            f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters (it is {len(name)})"
        )
    ref_domain = ref_domain or ""
    if digest is not None:
        _validate_digest(digest)
    return ImageRef(
        domain=ref_domain,
        path=ref_path,
        tag=tag,
        digest=digest,
        explicit_domain=explicit,
        implicit_library=implicit_library,
    )


def _explain_format_error(text: str) -> str:
    """A more helpful 'invalid reference format' message: say which part is wrong."""
    rest, _, digest = text.partition("@")
    name, tag = rest, None
    colon = rest.rfind(":")
    if colon > rest.rfind("/"):
        name, tag = rest[:colon], rest[colon + 1:]
    if digest and not _is_digest(digest):
        return f"invalid reference format: {digest!r} is not a digest (algorithm:hex)"
    if tag is not None and not _is_tag(tag):
        if tag == "":
            return "invalid reference format: empty tag after ':'"
        return (
            f"invalid reference format: tag {tag!r} must be 1-128 of letters, digits, '_', '.', '-'"
            " and not start with '.' or '-'"
        )
    domain, remainder, explicit = split_docker_domain(name)
    if explicit and not _is_domain_and_port(domain):
        return f"invalid reference format: {domain!r} is not a valid registry host"
    if not _is_path(remainder):
        return (
            f"invalid reference format: repository path {remainder!r} must be lowercase components"
            " of [a-z0-9] joined by '.', '_', '__' or '-' and separated by '/'"
        )
    return "invalid reference format"


def try_parse(text: str) -> Union[ImageRef, InvalidReference]:
    """parse() that returns the error instead of raising it."""
    try:
        return parse(text)
    except InvalidReference as error:
        return error


def normalize_repository_pattern(entry: str) -> str:
    """Normalize a registry/repository pattern of the policy as references are normalized.

    `index.docker.io/...` becomes `docker.io/...`. Entries are always written with the host,
    so no `library/` is inserted here.
    """
    host, sep, rest = entry.partition("/")
    if host == LEGACY_DEFAULT_DOMAIN:
        host = DEFAULT_DOMAIN
    return host + sep + rest
