"""Docker's reference grammar as the regular expressions of distribution/reference/regexp.go:
the oracle that policylint.reference's str-method reading is compared against."""

import re

ALPHANUMERIC = r"[a-z0-9]+"
SEPARATOR = r"(?:[._]|__|[-]+)"
PATH_COMPONENT = rf"{ALPHANUMERIC}(?:{SEPARATOR}{ALPHANUMERIC})*"
DOMAIN_NAME_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
IPV6_ADDRESS = r"\[(?:[a-fA-F0-9:]+)\]"
DOMAIN_NAME = rf"{DOMAIN_NAME_COMPONENT}(?:\.{DOMAIN_NAME_COMPONENT})*"
HOST = rf"(?:{DOMAIN_NAME}|{IPV6_ADDRESS})"
DOMAIN_AND_PORT = rf"{HOST}(?::[0-9]+)?"
TAG = r"[\w][\w.-]{0,127}"
DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
REMOTE_NAME = rf"{PATH_COMPONENT}(?:/{PATH_COMPONENT})*"
NAME = rf"(?:{DOMAIN_AND_PORT}/)?{REMOTE_NAME}"


def anchored(pattern: str) -> "re.Pattern[str]":
    """The pattern matching whole texts only, ASCII classes (as Go's regexp)."""
    return re.compile(rf"\A(?:{pattern})\Z", re.ASCII)


# Groups: name, domain, path, tag, digest (the domain/path split of Docker's anchored name match).
REFERENCE = re.compile(rf"\A((?:({DOMAIN_AND_PORT})/)?({REMOTE_NAME}))(?::({TAG}))?(?:@({DIGEST}))?\Z", re.ASCII)
