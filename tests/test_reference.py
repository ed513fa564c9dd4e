"""Table-driven tests of policylint.reference against Docker's reference grammar.

The expectations are derived from `github.com/distribution/reference` (regexp.go, normalize.go,
reference.go and their tests) and from go-digest's validation, read as the oracle: what
`ParseNormalizedNamed` accepts, how it splits domain and path, what `String()` and
`FamiliarString()` print. The tables are our own; nothing is copied.

Length limit: SPEC section 2 says the full name (domain + "/" + path, counted after
`docker.io/library/` is inserted) is at most 255 characters. That is the rule of
distribution/reference up to v0.5.0 (Docker <= 25). v0.6.0 (Docker >= 26, distribution/reference
PR #9) counts the path only; see the boundary cases below, which pin the SPEC's rule.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Optional

import pytest
import reference_grammar as grammar

from policylint import reference
from policylint.reference import InvalidReference, parse, try_parse

H64 = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
D256 = "sha256:" + H64
HEX64 = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"
REDIS = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"
BUSYBOX = "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"
D384 = "sha384:" + "0123456789abcdef" * 6
D512 = "sha512:" + "f" * 128
OTHER = "sha256:1234567890098765432112345667890098765432112345667890098765432112"


@dataclass(frozen=True)
class Ok:
    """A reference that must parse, with everything Docker derives from it."""

    text: str
    normalized: str
    familiar: str
    domain: str
    path: str
    tag: Optional[str] = None
    digest: Optional[str] = None
    fully_qualified: bool = False


def hub(text, path, familiar, tag=None, digest=None, fq=False):
    """A Docker Hub reference: normalized is docker.io/<path>[:tag][@digest]."""
    suffix = (f":{tag}" if tag is not None else "") + (f"@{digest}" if digest is not None else "")
    return Ok(text, f"docker.io/{path}{suffix}", familiar + suffix, "docker.io", path, tag, digest, fq)


def reg(text, domain, path, tag=None, digest=None):
    """A reference with an explicit, non-Hub registry: written as normalized, familiar is the same."""
    suffix = (f":{tag}" if tag is not None else "") + (f"@{digest}" if digest is not None else "")
    name = f"{domain}/{path}" if domain else path
    return Ok(text, name + suffix, name + suffix, domain, path, tag, digest, True)


VALID = [
    # --- Docker Hub: implicit domain, implicit library/ ---------------------------------------
    hub("nginx", "library/nginx", "nginx"),
    hub("nginx:1.25", "library/nginx", "nginx", tag="1.25"),
    hub("nginx:latest", "library/nginx", "nginx", tag="latest"),
    hub("redis", "library/redis", "redis"),
    hub("debian", "library/debian", "debian"),
    hub("library/debian", "library/debian", "debian"),
    hub("library/ubuntu:22.04", "library/ubuntu", "ubuntu", tag="22.04"),
    hub("docker.io/debian", "library/debian", "debian"),
    hub("docker.io/library/debian", "library/debian", "debian", fq=True),
    hub("index.docker.io/debian", "library/debian", "debian"),
    hub("index.docker.io/library/debian", "library/debian", "debian", fq=True),
    hub("index.docker.io/docker/docker", "docker/docker", "docker/docker", fq=True),
    hub("docker.io/docker/docker", "docker/docker", "docker/docker", fq=True),
    hub("docker/docker", "docker/docker", "docker/docker"),
    hub("bitnami/redis:7.2", "bitnami/redis", "bitnami/redis", tag="7.2"),
    hub("dmcgowan/myapp", "dmcgowan/myapp", "dmcgowan/myapp"),
    hub("docker.io/mcgowan/myapp:latest", "mcgowan/myapp", "mcgowan/myapp", tag="latest", fq=True),
    hub("fooo/bar", "fooo/bar", "fooo/bar"),
    hub("nonlibrary/ubuntu", "nonlibrary/ubuntu", "nonlibrary/ubuntu"),
    hub("other/library", "other/library", "other/library"),
    hub("library/foo/bar", "library/foo/bar", "library/foo/bar"),
    hub("docker.io/library/foo/bar", "library/foo/bar", "library/foo/bar", fq=True),
    hub("store/foo/bar", "store/foo/bar", "store/foo/bar"),
    hub("a/b/c/d/e/f", "a/b/c/d/e/f", "a/b/c/d/e/f"),
    hub("ubuntu-12.04-base", "library/ubuntu-12.04-base", "ubuntu-12.04-base"),
    hub("index.docker.io/library/ubuntu-12.04-base", "library/ubuntu-12.04-base", "ubuntu-12.04-base",
        fq=True),
    hub("thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
        "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
        "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev"),
    # A first component without '.', ':' or uppercase, and not exactly `localhost`, is a namespace.
    hub("localhostx/foo", "localhostx/foo", "localhostx/foo"),
    hub("registry/foo", "registry/foo", "registry/foo"),
    hub("test_com/foo", "test_com/foo", "test_com/foo"),
    hub("test-com/foo", "test-com/foo", "test-com/foo"),
    hub("do__cker/docker", "do__cker/docker", "do__cker/docker"),
    # A single element is always a Hub repository, even when it looks like a host.
    hub("localhost", "library/localhost", "localhost"),
    hub("localhost:5000", "library/localhost", "localhost", tag="5000"),
    hub("example.com", "library/example.com", "example.com"),
    hub("test.com:tag", "library/test.com", "test.com", tag="tag"),
    hub("test.com:5000", "library/test.com", "test.com", tag="5000"),
    hub("192.168.1.1", "library/192.168.1.1", "192.168.1.1"),
    hub("192.168.1.1:5000", "library/192.168.1.1", "192.168.1.1", tag="5000"),
    hub("192.168.0.1:80", "library/192.168.0.1", "192.168.0.1", tag="80"),
    hub("foo_bar.com:8080", "library/foo_bar.com", "foo_bar.com", tag="8080"),
    hub("test_com", "library/test_com", "test_com"),
    hub("foo_bar", "library/foo_bar", "foo_bar"),
    hub("dbcc1", "library/dbcc1", "dbcc1"),
    # --- path separators ----------------------------------------------------------------------
    hub("foo/a.b", "foo/a.b", "foo/a.b"),
    hub("foo/a_b", "foo/a_b", "foo/a_b"),
    hub("foo/a__b", "foo/a__b", "foo/a__b"),
    hub("foo/a-b", "foo/a-b", "foo/a-b"),
    hub("foo/a--b", "foo/a--b", "foo/a--b"),
    hub("foo/a---------b", "foo/a---------b", "foo/a---------b"),
    hub("docker-rules/docker", "docker-rules/docker", "docker-rules/docker"),
    hub("docker---rules/docker", "docker---rules/docker", "docker---rules/docker"),
    hub("dock__er/docker", "dock__er/docker", "dock__er/docker"),
    hub("ab_c__d-e--f/g.h", "ab_c__d-e--f/g.h", "ab_c__d-e--f/g.h"),
    hub("d/docker", "d/docker", "d/docker"),
    hub("jess/t", "jess/t", "jess/t"),
    hub("0/1", "0/1", "0/1"),
    hub("123", "library/123", "123"),
    # --- 64-hex: only the bare identifier is refused -----------------------------------------
    hub(HEX64[:63], "library/" + HEX64[:63], HEX64[:63]),
    hub(HEX64 + "a", "library/" + HEX64 + "a", HEX64 + "a"),
    hub(HEX64 + ":latest", "library/" + HEX64, HEX64, tag="latest"),
    hub("docker.io/" + HEX64, "library/" + HEX64, HEX64),
    hub("library/" + HEX64, "library/" + HEX64, HEX64),
    hub("sha256:" + H64, "library/sha256", "sha256", tag=H64),
    # --- tags -----------------------------------------------------------------------------------
    hub("lowercase:Uppercase", "library/lowercase", "lowercase", tag="Uppercase"),
    hub("nginx:_", "library/nginx", "nginx", tag="_"),
    hub("nginx:__", "library/nginx", "nginx", tag="__"),
    hub("nginx:_a.b-c", "library/nginx", "nginx", tag="_a.b-c"),
    hub("nginx:0", "library/nginx", "nginx", tag="0"),
    hub("nginx:1.10", "library/nginx", "nginx", tag="1.10"),
    hub("nginx:v1.2.3-beta.1", "library/nginx", "nginx", tag="v1.2.3-beta.1"),
    hub("nginx:1.25-alpine3.19", "library/nginx", "nginx", tag="1.25-alpine3.19"),
    hub("nginx:A_b.c-D", "library/nginx", "nginx", tag="A_b.c-D"),
    hub("nginx:a..b--c", "library/nginx", "nginx", tag="a..b--c"),
    hub("nginx:a.", "library/nginx", "nginx", tag="a."),
    hub("nginx:a-", "library/nginx", "nginx", tag="a-"),
    hub("nginx:" + "a" * 128, "library/nginx", "nginx", tag="a" * 128),
    hub("nginx:" + "Z" * 128, "library/nginx", "nginx", tag="Z" * 128),
    hub("nginx:_" + "-" * 127, "library/nginx", "nginx", tag="_" + "-" * 127),
    # --- digests --------------------------------------------------------------------------------
    hub("nginx@" + D256, "library/nginx", "nginx", digest=D256),
    hub("docker.io/library/nginx@" + D256, "library/nginx", "nginx", digest=D256, fq=True),
    hub("redis@" + REDIS, "library/redis", "redis", digest=REDIS),
    hub("dmcgowan/myapp@" + REDIS, "dmcgowan/myapp", "dmcgowan/myapp", digest=REDIS),
    hub("nginx@" + D384, "library/nginx", "nginx", digest=D384),
    hub("nginx@" + D512, "library/nginx", "nginx", digest=D512),
    hub("busybox:latest@" + BUSYBOX, "library/busybox", "busybox", tag="latest", digest=BUSYBOX),
    hub("docker.io/library/busybox:latest@" + BUSYBOX, "library/busybox", "busybox", tag="latest",
        digest=BUSYBOX, fq=True),
    hub("localhost:8080@" + D256, "library/localhost", "localhost", tag="8080", digest=D256),
    hub("localhost@" + D256, "library/localhost", "localhost", digest=D256),
    hub("nginx:1.25@" + D512, "library/nginx", "nginx", tag="1.25", digest=D512),
    # --- explicit registries: a '.', a ':port', `localhost`, or an uppercase first component ----
    reg("example.com/foo", "example.com", "foo"),
    reg("example.com/foo/bar/baz:tag", "example.com", "foo/bar/baz", tag="tag"),
    reg("example.com:443/foo", "example.com:443", "foo"),
    reg("example.com:8000/private/moonbase", "example.com:8000", "private/moonbase"),
    reg("example.com:8000/named:tagged", "example.com:8000", "named", tag="tagged"),
    reg("other.com/named@" + OTHER, "other.com", "named", digest=OTHER),
    reg("test.com/repo:tag", "test.com", "repo", tag="tag"),
    reg("test:5000/repo", "test:5000", "repo"),
    reg("test:5000/repo:tag", "test:5000", "repo", tag="tag"),
    reg("test:5000/repo@" + D256, "test:5000", "repo", digest=D256),
    reg("test:5000/repo:tag@" + D256, "test:5000", "repo", tag="tag", digest=D256),
    reg("test-com:8080/foo", "test-com:8080", "foo"),
    reg("myregistry:5000/team/app:1.0", "myregistry:5000", "team/app", tag="1.0"),
    reg("localhost/foo", "localhost", "foo"),
    reg("localhost:5000/foo/bar:tag", "localhost:5000", "foo/bar", tag="tag"),
    reg("localhost:8080/name@" + D256, "localhost:8080", "name", digest=D256),
    reg("localhost.localdomain/foo", "localhost.localdomain", "foo"),
    reg("LOCALHOST/foo", "LOCALHOST", "foo"),
    reg("Foo/bar", "Foo", "bar"),
    reg("FOO/bar", "FOO", "bar"),
    reg("fOO/bar:1", "fOO", "bar", tag="1"),
    reg("Uppercase/lowercase:tag", "Uppercase", "lowercase", tag="tag"),
    reg("Docker/docker", "Docker", "docker"),
    reg("Asdf.com/foo/bar", "Asdf.com", "foo/bar"),
    reg("DOCKER.IO/foo", "DOCKER.IO", "foo"),
    reg("docker.io:443/foo", "docker.io:443", "foo"),
    reg("registry-1.docker.io/library/nginx", "registry-1.docker.io", "library/nginx"),
    reg("127.0.0.1:5000/docker/docker", "127.0.0.1:5000", "docker/docker"),
    reg("127.0.0.1:5000/library/debian", "127.0.0.1:5000", "library/debian"),
    reg("127.0.0.1:5000/debian", "127.0.0.1:5000", "debian"),
    reg("127.0.0.1:8000/privatebase", "127.0.0.1:8000", "privatebase"),
    reg("192.168.1.1/repo", "192.168.1.1", "repo"),
    reg("192.168.0.1:8/debian", "192.168.0.1:8", "debian"),
    reg("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", tag="5050"),
    reg("192.168.1.1:750050/repo", "192.168.1.1:750050", "repo"),  # the port is not range-checked
    reg("0101.com/foo", "0101.com", "foo"),
    reg("001a.com/foo", "001a.com", "foo"),
    reg("a-b.com/foo", "a-b.com", "foo"),
    reg("ab.c-om/foo", "ab.c-om", "foo"),
    reg("a.b/c", "a.b", "c"),
    reg("sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux"),
    reg("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux",
        tag="some-long-tag"),
    reg("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app",
        tag="test.example.com"),
    reg("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", tag="xn--n3h.com"),
    reg("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"),
    reg("xn--7o8h.com/myimage:xn--7o8h.com@" + D512, "xn--7o8h.com", "myimage", tag="xn--7o8h.com",
        digest=D512),
    reg("example.com/xn--7o8h.com/myimage", "example.com", "xn--7o8h.com/myimage"),
    reg("example.com/some_separator__underscore/myimage", "example.com",
        "some_separator__underscore/myimage"),
    reg("registry.io/foo/project--id.module--name.ver---sion--name", "registry.io",
        "foo/project--id.module--name.ver---sion--name"),
    reg("ghcr.io/acme/app:v1.2.3@" + D384, "ghcr.io", "acme/app", tag="v1.2.3", digest=D384),
    reg("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com", "team/app", tag="1"),
    # A first component with a '.' that is not a valid host: Docker keeps it as the whole path and
    # the domain comes back empty (distribution/reference's anchoredNameRegexp has no domain).
    reg("foo_bar.com/x", "", "foo_bar.com/x"),
    reg("foo_bar.com/x:1", "", "foo_bar.com/x", tag="1"),
    # --- IPv6 hosts in brackets --------------------------------------------------------------
    reg("[2001:db8::1]/repo", "[2001:db8::1]", "repo"),
    reg("[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", tag="tag"),
    reg("[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo"),
    reg("[2001:db8::1]:5000/repo:tag", "[2001:db8::1]:5000", "repo", tag="tag"),
    reg("[2001:db8::1]:5000/repo@" + D256, "[2001:db8::1]:5000", "repo", digest=D256),
    reg("[2001:db8::1]:5000/repo:tag@" + D256, "[2001:db8::1]:5000", "repo", tag="tag", digest=D256),
    reg("[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo"),
    reg("[::1]:5000/repo", "[::1]:5000", "repo"),
    reg("[::]/repo", "[::]", "repo"),
    reg("[fc00::1]:5000/docker", "[fc00::1]:5000", "docker"),
    reg("[fc00::1]:5000/docker/docker", "[fc00::1]:5000", "docker/docker"),
    reg("[fc00:1:2:3:4:5:6:7]:5000/library/debian", "[fc00:1:2:3:4:5:6:7]:5000", "library/debian"),
    reg("[FC00::1]/repo", "[FC00::1]", "repo"),
    reg("[fd00123123123]:75050/foo", "[fd00123123123]:75050", "foo"),  # the grammar's loose IPv6
    # --- a Hub path whose first component looks like a host: familiar form is ambiguous ------------
    hub("docker.io/foo.bar/baz", "foo.bar/baz", "foo.bar/baz", fq=True),
    hub("docker.io/localhost/foo", "localhost/foo", "localhost/foo", fq=True),
]


# --- the 255-character name limit, counted on the normalized name --------------------------------
# Each builder gives the written text for a normalized name of exactly `n` characters.
def _name_of_length(prefix_written, prefix_normalized, n):
    body = "a" * (n - len(prefix_normalized))
    return prefix_written + body, prefix_normalized + body


LENGTH_PREFIXES = [
    # (written prefix, normalized prefix, implicit library, explicit domain)
    ("", "docker.io/library/", True, False),
    ("library/", "docker.io/library/", False, False),
    ("ns/", "docker.io/ns/", False, False),
    ("docker.io/", "docker.io/library/", True, True),
    ("docker.io/library/", "docker.io/library/", False, True),
    ("index.docker.io/", "docker.io/library/", True, True),
    ("index.docker.io/ns/", "docker.io/ns/", False, True),
    ("localhost/", "localhost/", False, True),
    ("registry.example.com:5000/", "registry.example.com:5000/", False, True),
    ("[2001:db8::1]:5000/team/", "[2001:db8::1]:5000/team/", False, True),
]


def _length_cases():
    valid, invalid = [], []
    for written_prefix, normalized_prefix, implicit_library, explicit in LENGTH_PREFIXES:
        text, normalized = _name_of_length(written_prefix, normalized_prefix, 255)
        domain, _, path = normalized.partition("/")
        fq = explicit and not implicit_library
        if domain != "docker.io":
            familiar = normalized
        elif path.startswith("library/") and "/" not in path[len("library/"):]:
            familiar = path[len("library/"):]
        else:
            familiar = path
        valid.append(Ok(text, normalized, familiar, domain, path, None, None, fq))
        # The tag and digest do not count: the longest name with the longest tag and digest.
        suffix = ":" + "t" * 128 + "@" + D512
        valid.append(Ok(text + suffix, normalized + suffix, familiar + suffix, domain, path,
                        "t" * 128, D512, fq))
        too_long, _ = _name_of_length(written_prefix, normalized_prefix, 256)
        invalid.append((too_long, f"name-256-{written_prefix or 'bare'}"))
        invalid.append((too_long + ":1", f"name-256-tagged-{written_prefix or 'bare'}"))
    # A path of 255 characters in many components: 265 once docker.io/ is added.
    invalid.append(("a/" * 127 + "a", "path-255-components"))
    invalid.append(("a/" * 128 + "a:tag", "path-257-components"))
    invalid.append(("this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255" * 4 + "/docker",
                    "namespace-too-long"))
    return valid, invalid


LENGTH_VALID, LENGTH_INVALID = _length_cases()


INVALID = [
    # --- empty, whitespace, control characters -------------------------------------------------
    ("", "empty"),
    (" ", "space"),
    ("\n", "newline"),
    ("\t", "tab"),
    ("nginx\n", "trailing-newline"),
    ("nginx:1.25\n", "tag-trailing-newline"),
    ("nginx@" + D256 + "\n", "digest-trailing-newline"),
    ("nginx\r\n", "trailing-crlf"),
    ("\nnginx", "leading-newline"),
    (" nginx", "leading-space"),
    ("nginx ", "trailing-space"),
    ("ng inx", "inner-space"),
    ("nginx:1.0 ", "tag-trailing-space"),
    ("nginx\t", "trailing-tab"),
    ("nginx\x00", "nul"),
    ("nginx\u00a0", "nbsp"),
    ("nginx:1\u2028", "line-separator"),
    ("Foo\nbar", "uppercase-and-newline"),
    # --- missing or doubled parts -----------------------------------------------------------------
    (":justtag", "tag-only"),
    (":latest", "tag-only-latest"),
    ("@" + D256, "digest-only"),
    (":tag@" + D256, "tag-and-digest-only"),
    ("/", "slash"),
    (":", "colon"),
    ("@", "at"),
    ("/nginx", "leading-slash"),
    ("nginx/", "trailing-slash"),
    ("docker/", "no-repository"),
    ("//nginx", "double-leading-slash"),
    ("a//b", "empty-component"),
    ("docker///docker", "triple-slash"),
    ("docker.io/", "domain-only"),
    ("docker.io//nginx", "domain-double-slash"),
    ("docker.io/docker///docker", "domain-triple-slash"),
    ("registry.example.com/", "registry-trailing-slash"),
    ("nginx:", "empty-tag"),
    ("nginx@", "empty-digest"),
    ("nginx:@" + D256, "empty-tag-with-digest"),
    ("nginx::tag", "double-colon"),
    ("nginx::", "double-colon-empty"),
    ("nginx:tag:tag", "two-tags"),
    ("registry:5000/nginx::tag", "double-colon-after-port"),
    ("nginx/:tag", "empty-component-before-tag"),
    ("nginx@@" + D256, "double-at"),
    ("nginx@" + D256 + "@" + D256, "two-digests"),
    ("nginx@" + D256 + ":tag", "tag-after-digest"),
    ("nginx:latest@", "tag-then-empty-digest"),
    # --- uppercase in the path --------------------------------------------------------------------
    ("Nginx", "uppercase-single"),
    ("NGINX:latest", "uppercase-single-tagged"),
    ("Uppercase:tag", "uppercase-name-tag"),
    ("docker/Docker", "uppercase-second-component"),
    ("docker.io/docker/Docker", "uppercase-after-hub"),
    ("test:5000/Uppercase/lowercase:tag", "uppercase-after-port"),
    ("Foo/Bar", "uppercase-domain-and-path"),
    ("Foo/FarB", "uppercase-remote"),
    ("example.com/Foo", "uppercase-path-registry"),
    (HEX64.upper(), "uppercase-64-hex"),
    # --- path separators ------------------------------------------------------------------------
    ("-docker", "leading-dash"),
    ("-foo", "leading-dash-2"),
    ("-docker/docker", "leading-dash-namespace"),
    ("docker-/docker", "trailing-dash-namespace"),
    ("-docker-/docker", "dashes-both-ends"),
    ("_docker/_docker", "leading-underscore"),
    ("docker_/docker_", "trailing-underscore"),
    ("____/____", "only-underscores"),
    ("dock..er/docker", "double-dot"),
    ("dock_.er/docker", "underscore-dot"),
    ("dock-.er/docker", "dash-dot"),
    ("foo/a___b", "triple-underscore"),
    ("a___b", "triple-underscore-single"),
    ("foo/a._b", "dot-underscore"),
    ("foo/a-_b", "dash-underscore"),
    ("foo/.bar", "leading-dot"),
    ("foo/bar.", "trailing-dot"),
    ("foo/bar-", "trailing-dash"),
    ("foo/-bar", "leading-dash-path"),
    ("foo/_bar", "leading-underscore-path"),
    ("foo/bar_", "trailing-underscore-path"),
    ("example.com/__underscore/myimage", "leading-double-underscore"),
    ("example.com/..dots/myimage", "leading-double-dot"),
    ("example.com/.dots/myimage", "leading-dot-registry"),
    ("example.com/nodouble..dots/myimage", "inner-double-dot"),
    ("foo.com/a-/a/a", "trailing-dash-after-registry"),
    # --- registry hosts -----------------------------------------------------------------------------
    ("-docker.io/docker/docker", "host-leading-dash"),
    ("docker./docker", "host-trailing-dot"),
    (".docker/docker", "host-leading-dot"),
    ("-ab.com/foo", "host-label-leading-dash"),
    ("ab-.com/foo", "host-label-trailing-dash"),
    ("ab.-com/foo", "host-second-label-leading-dash"),
    ("ab.com-/foo", "host-second-label-trailing-dash"),
    ("example.com./foo", "host-trailing-dot-2"),
    ("test.com:http/foo", "port-not-numeric"),
    ("localhost:http/name@" + D256, "localhost-port-not-numeric"),
    ("bad_hostname.com:8080/myapp:tag", "host-underscore-with-port"),
    ("foo_bar.com:8080/app", "host-underscore-with-port-2"),
    ("do__cker:8080/docker", "host-double-underscore-port"),
    ("example.com:/foo", "empty-port"),
    ("example.com:5000:6000/foo", "two-ports"),
    ("exa mple.com/foo", "host-space"),
    ("https://github.com/docker/docker", "url-https"),
    ("http://example.com/foo", "url-http"),
    ("docker://nginx", "scheme-docker"),
    ("docker-image://nginx", "scheme-docker-image"),
    # --- IPv6 ---------------------------------------------------------------------------------------
    ("[2001:db8::1]", "ipv6-alone"),
    ("[2001:db8::1]:5000", "ipv6-port-alone"),
    ("[2001:db8::1]:tag", "ipv6-tag"),
    ("[fc00::1]", "ipv6-alone-2"),
    ("[fc00::1]:5000", "ipv6-port-alone-2"),
    ("fc00::1:5000/debian", "ipv6-no-brackets"),
    ("2001:db8::1/foo", "ipv6-no-brackets-2"),
    ("[fe80::1%eth0]:5000/repo", "ipv6-zone"),
    ("[fe80::1%@invalidzone]:5000/repo", "ipv6-bad-zone"),
    ("[2001:db8:3:4::192.0.2.33]:5000/debian", "ipv6-v4-mapped"),
    ("[fd00:1:2::3]75050/foo", "ipv6-port-no-colon"),
    ("[fd00:1:2::3]::75050/foo", "ipv6-port-double-colon"),
    ("[]/foo", "ipv6-empty"),
    ("[g::1]/foo", "ipv6-not-hex"),
    ("[::1/foo", "ipv6-unclosed"),
    ("::1]/foo", "ipv6-unopened"),
    # --- non-ASCII ----------------------------------------------------------------------------------
    ("nginx:\uff11", "fullwidth-digit-tag"),
    ("nginx:\uff11.\uff12", "fullwidth-digits-tag"),
    ("nginx:\u0661\u0662\u0663", "arabic-indic-tag"),
    ("nginx:1.\u0662", "arabic-indic-digit-in-tag"),
    ("localhost:\u0665\u0660\u0660\u0660/foo", "arabic-indic-port"),
    ("localhost:\uff15\uff10\uff10\uff10/foo", "fullwidth-port"),
    ("nginx\u0661", "arabic-indic-in-name"),
    ("\uff4e\uff47\uff49\uff4e\uff58", "fullwidth-name"),
    ("\uff2e\uff27\uff29\uff2e\uff38", "fullwidth-upper-name"),
    ("ngin\u00e9", "accented-name"),
    ("caf\u00e9/app", "accented-namespace"),
    ("registry.ex\u00e4mple.com/app", "idn-host"),
    ("nginx:tag\u00e9", "accented-tag"),
    ("nginx:\u212a", "kelvin-sign-tag"),
    ("nginx@sha256:" + "\u0660" * 64, "arabic-indic-digest"),
    ("nginx@sha256:" + "\uff10" * 64, "fullwidth-digest"),
    # --- tags ---------------------------------------------------------------------------------------
    ("nginx:" + "a" * 129, "tag-129"),
    ("nginx:_" + "a" * 128, "tag-129-underscore"),
    ("nginx:.a", "tag-leading-dot"),
    ("nginx:-a", "tag-leading-dash"),
    ("nginx:.", "tag-dot"),
    ("nginx:-", "tag-dash"),
    ("nginx:a~b", "tag-tilde"),
    ("nginx:a+b", "tag-plus"),
    ("nginx:a/b", "tag-slash"),
    ("nginx:a b", "tag-space"),
    ("registry.com:8080/myapp:invalid~tag", "tag-tilde-registry"),
    ("nginx:${TAG}", "tag-variable"),
    # --- digests ------------------------------------------------------------------------------------
    ("repo@sha256:" + "f" * 34, "sha256-34"),
    ("nginx@sha256:" + "f" * 31, "sha256-31"),
    ("nginx@sha256:" + "f" * 32, "sha256-32"),
    ("nginx@sha256:" + "f" * 63, "sha256-63"),
    ("nginx@sha256:" + "f" * 65, "sha256-65"),
    ("nginx@sha384:" + "f" * 64, "sha384-64"),
    ("nginx@sha384:" + "f" * 95, "sha384-95"),
    ("nginx@sha384:" + "f" * 97, "sha384-97"),
    ("nginx@sha512:" + "f" * 64, "sha512-64"),
    ("nginx@sha512:" + "f" * 127, "sha512-127"),
    ("nginx@sha512:" + "f" * 129, "sha512-129"),
    ("nginx@sha256:" + "F" * 64, "sha256-uppercase-hex"),
    ("nginx:1@sha256:" + "aB" * 32, "sha256-mixed-case-hex"),
    ("nginx@sha512:" + "A" * 128, "sha512-uppercase-hex"),
    ("validname@invaliddigest:" + H64, "unknown-algorithm"),
    ("nginx@md5:" + "f" * 32, "md5"),
    ("nginx@blake3:" + H64, "blake3"),
    ("nginx@sha256+b64:" + H64, "algorithm-with-plus"),
    ("nginx@sha_256:" + H64, "algorithm-component-starts-with-digit"),
    ("nginx@SHA256:" + H64, "uppercase-algorithm"),
    ("nginx:1@SHA256:" + H64, "uppercase-algorithm-after-tag"),
    ("nginx@sha256:" + H64[:-1] + "g", "sha256-non-hex"),
    ("nginx@sha256", "algorithm-only"),
    ("nginx@sha256:", "algorithm-colon"),
    ("nginx@:" + H64, "no-algorithm"),
    ("nginx@" + H64, "bare-hex-digest"),
    ("nginx@bad", "digest-bad"),
    ("nginx@2bad", "digest-2bad"),
    ("registry.com:8080/myapp@sha256:badbadbadbad", "digest-short-registry"),
    # --- image ids ------------------------------------------------------------------------------
    (HEX64, "image-id"),
    ("da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821", "image-id-2"),
    # --- other junk -----------------------------------------------------------------------------
    ("aa/asdf$$^/aa", "dollar-caret"),
    ("a^a", "caret"),
    ("nginx!", "bang"),
    ("nginx#1", "hash"),
    ("nginx?", "question"),
    ("nginx;rm -rf /", "semicolon"),
    ("$IMAGE", "variable"),
    ("${IMAGE}", "braced-variable"),
    ("'nginx'", "single-quoted"),
    ('"nginx"', "double-quoted"),
    ("nginx,redis", "comma"),
    ("a" * 600, "very-long"),
    ("nginx:" + "a" * 600, "very-long-tag"),
] + LENGTH_INVALID

ALL_VALID = VALID + LENGTH_VALID


def _short(text: str) -> str:
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:45] + f"...<{len(text)}>"


def test_case_count():
    """The tables are the point of this file: keep them large."""
    assert len(ALL_VALID) + len(INVALID) >= 150
    assert len({case.text for case in ALL_VALID}) == len(ALL_VALID), "duplicate valid case"
    assert len({text for text, _ in INVALID}) == len(INVALID), "duplicate invalid case"


@pytest.mark.parametrize("case", ALL_VALID, ids=[_short(case.text) for case in ALL_VALID])
def test_valid_reference(case: Ok):
    ref = parse(case.text)
    assert ref.normalized == case.normalized
    assert ref.familiar == case.familiar
    assert ref.domain == case.domain
    assert ref.path == case.path
    assert ref.tag == case.tag
    assert ref.digest == case.digest
    assert ref.fully_qualified is case.fully_qualified
    assert ref.repository == (f"{case.domain}/{case.path}" if case.domain else case.path)
    # The normalized form is a fixed point, and it is fully qualified by construction.
    again = parse(ref.normalized)
    assert again.normalized == ref.normalized
    assert (again.domain, again.path, again.tag, again.digest) == (ref.domain, ref.path, ref.tag, ref.digest)
    assert again.fully_qualified is True


@pytest.mark.parametrize("text", [text for text, _ in INVALID], ids=[why for _, why in INVALID])
def test_invalid_reference(text: str):
    with pytest.raises(InvalidReference) as caught:
        parse(text)
    message = str(caught.value)
    assert message.strip(), "the message must say why"
    assert len(message.splitlines()) == 1 and "\n" not in message and "\r" not in message
    assert isinstance(try_parse(text), InvalidReference)


@pytest.mark.parametrize("value", [None, b"nginx", 123, ["nginx"]])
def test_non_string_is_invalid(value):
    with pytest.raises(InvalidReference):
        parse(value)


def test_longest_valid_reference_written_with_index_docker_io():
    """`index.docker.io/` is 6 characters longer than the `docker.io/` it folds to, so the longest
    valid text (255-character name, 128-character tag, sha512 digest) is 526 characters."""
    suffix = ":" + "t" * 128 + "@" + D512
    text = "index.docker.io/ns/" + "a" * (255 - len("docker.io/ns/")) + suffix
    assert len(text) == 526
    ref = parse(text)
    assert len(ref.normalized) == 520
    assert ref.normalized == "docker.io/ns/" + "a" * (255 - len("docker.io/ns/")) + suffix
    with pytest.raises(InvalidReference):
        parse("index.docker.io/ns/" + "a" * (256 - len("docker.io/ns/")) + suffix)


def test_familiar_form_of_hub_path_that_looks_like_a_host_is_ambiguous():
    """Docker's FamiliarString drops docker.io even when the path's first component then reads as
    a registry host; parsing that familiar text names another registry. Pinned so nobody relies on
    `familiar` round-tripping for such names."""
    ref = parse("docker.io/foo.bar/baz:1")
    assert ref.familiar == "foo.bar/baz:1"
    assert parse(ref.familiar).normalized == "foo.bar/baz:1"
    # And a Hub repository named by 64 hex digits has a familiar form that is an image id.
    ref = parse("docker.io/" + HEX64)
    assert ref.familiar == HEX64
    with pytest.raises(InvalidReference):
        parse(ref.familiar)


@pytest.mark.parametrize(
    "text, explicit_domain, implicit_library",
    [
        ("nginx", False, True),
        ("docker.io/nginx", True, True),
        ("index.docker.io/nginx", True, True),
        ("library/nginx", False, False),
        ("docker.io/library/nginx", True, False),
        ("bitnami/redis", False, False),
        ("ghcr.io/acme/app", True, False),
    ],
)
def test_explicit_domain_and_implicit_library_flags(text, explicit_domain, implicit_library):
    ref = parse(text)
    assert (ref.explicit_domain, ref.implicit_library) == (explicit_domain, implicit_library)


def test_digest_algorithm():
    assert parse("nginx@" + D256).digest_algorithm == "sha256"
    assert parse("nginx:1@" + D512).digest_algorithm == "sha512"
    assert parse("nginx:1").digest_algorithm is None


# Pieces random texts are made of: the grammar's characters, whole parts that make valid
# references likely, and characters str methods could mistake for the grammar's (non-ASCII
# digits and letters, whitespace str.split would split on, a Kelvin sign that lowercases to k).
_PIECES = list("abc019.-_:/@[]AZ+") + [
    "docker.io/", "localhost:5000/", "[::1]:5000/", "Reg-1.example/", "sha256:" + "a" * 64, "sha512+b64.x:" + "F" * 32,
    ":v1.2", "__", "--", "\uff11", "\u0661", "\u00e9", "\u212a", "\u017f", " ", "\t", "\n", "\x1c", "\x85", "\u2028"]


def _random_texts(seed: int, count: int):
    generator = random.Random(seed)
    for _ in range(count):
        yield "".join(generator.choice(_PIECES) for _ in range(generator.randint(1, 10)))


def test_the_oracle_splits_domain_and_path_as_an_anchored_match_of_the_name_would():
    """The oracle reads the domain/path split from its one regex's groups; Docker's grammar reads
    it by matching the name again, anchored. Both must agree on any text."""
    whole = re.compile(rf"\A({grammar.NAME})(?::({grammar.TAG}))?(?:@({grammar.DIGEST}))?\Z", re.ASCII)
    anchored_name = re.compile(rf"\A(?:({grammar.DOMAIN_AND_PORT})/)?({grammar.REMOTE_NAME})\Z", re.ASCII)
    matched = 0
    for text in _random_texts(1, 40_000):
        expected, found = whole.match(text), grammar.REFERENCE.match(text)
        assert (expected is None) == (found is None), text
        if expected is not None:
            matched += 1
            name = anchored_name.match(expected.group(1))
            assert found.groups() == (expected.group(1), name.group(1), name.group(2), expected.group(2),
                                      expected.group(3)), text
    assert matched > 1000


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_grammar_reads_every_text_as_docker_regular_expressions_do(seed):
    """policylint reads references with str methods; distribution's regular expressions are the
    oracle: the same texts accepted, split into the same name, domain, path, tag and digest."""
    matched = 0
    for text in _random_texts(seed, 60_000):
        expected = grammar.REFERENCE.match(text)
        assert reference._match_reference(text) == (expected and expected.groups()), repr(text)
        matched += expected is not None
    assert matched > 1500


@pytest.mark.parametrize("predicate, pattern", [
    ("_is_path_component", grammar.PATH_COMPONENT),
    ("_is_path", grammar.REMOTE_NAME),
    ("_is_domain_and_port", grammar.DOMAIN_AND_PORT),
    ("_is_tag", grammar.TAG),
    ("_is_digest", grammar.DIGEST),
])
def test_each_part_of_the_grammar_accepts_what_its_regular_expression_accepts(predicate, pattern):
    check, oracle = getattr(reference, predicate), grammar.anchored(pattern)
    texts = [*_random_texts(4, 30_000), "a" * 128, "a" * 129, "_" + "." * 127, "[", "[]", "[::1", ":80", "a:", "a:8x"]
    accepted = 0
    for text in texts:
        assert check(text) == bool(oracle.match(text)), repr(text)
        accepted += check(text)
    assert accepted > 100


@pytest.mark.parametrize("text, message", [
    ("a" * 64, "a 64-character hexadecimal string is an image ID, not a repository name"),
    ("0123456789abcdef" * 4, "a 64-character hexadecimal string is an image ID, not a repository name"),
    ("<PROJECT>/app:1.0", "invalid reference format: '<' cannot appear in an image reference"),
    ("acme/app:1.0 ", "invalid reference format: ' ' cannot appear in an image reference"),
    ("nginx:\uff11", "invalid reference format: '\uff11' cannot appear in an image reference"),  # a fullwidth digit
    ("nginx:1.0\n", "invalid reference format: '\\n' cannot appear in an image reference"),
    ("nginx@sha256:" + "A" * 64, "invalid checksum digest format: the hex digits must be lowercase"),
    ("nginx@sha256:" + "a" * 63 + "A", "invalid checksum digest format: the hex digits must be lowercase"),
])
def test_messages_name_the_offending_part(text: str, message: str) -> None:
    with pytest.raises(InvalidReference) as raised:
        parse(text)
    assert str(raised.value) == message


@pytest.mark.parametrize("text", ["a" * 63, "a" * 65, "A" * 64, "g" + "a" * 63])
def test_only_64_lowercase_hex_digits_are_an_image_id(text: str) -> None:
    assert "image ID" not in str(try_parse(text))
