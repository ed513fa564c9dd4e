"""Glob semantics of registry patterns and path globs (SPEC §4)."""

import pytest

from policylint.matching import compile_path_glob, compile_repository_pattern, glob_error, tag_matches_glob


@pytest.mark.parametrize("pattern, repository, expected", [
    ("registry.acme.com", "registry.acme.com/a/b", True),
    ("registry.acme.com", "registry.acme.com.evil.io/a", False),
    ("REGISTRY.acme.com", "registry.acme.com/a", True),
    ("ghcr.io/acme", "ghcr.io/acme/app", True),
    ("ghcr.io/acme", "ghcr.io/acme", True),
    ("ghcr.io/acme", "ghcr.io/acmecorp/app", False),
    ("ghcr.io/acme/", "ghcr.io/acme/app", True),
    ("ghcr.io/*/app", "ghcr.io/x/app", True),
    ("ghcr.io/*/app", "ghcr.io/x/y/app", False),
    ("ghcr.io/**/app", "ghcr.io/x/y/app", True),
    ("ghcr.io/**", "ghcr.io/x", True),
    ("*.dkr.ecr.*.amazonaws.com", "1.dkr.ecr.us-east-1.amazonaws.com/app", True),
    ("*.dkr.ecr.*.amazonaws.com", "dkr.ecr.us-east-1.amazonaws.com/app", False),
    ("index.docker.io/library", "docker.io/library/nginx", True),
    ("docker.io", "docker.io/bitnami/redis", True),
    ("docker.io/library", "docker.io/bitnami/redis", False),
    ("localhost:5000", "localhost:5000/app", True),
    ("localhost", "localhost:5000/app", False),
])
def test_repository_patterns(pattern, repository, expected):
    assert compile_repository_pattern(pattern).matches(repository) is expected


@pytest.mark.parametrize("glob, path, expected", [
    ("deploy/prod/**", "deploy/prod/a/b.yaml", True),
    ("deploy/prod/**", "deploy/production/a.yaml", False),
    ("deploy/prod", "deploy/prod/a.yaml", True),
    ("**/compose.prod.yaml", "compose.prod.yaml", True),
    ("**/compose.prod.yaml", "a/b/compose.prod.yaml", True),
    ("*.tmpl.yaml", "a/b/x.tmpl.yaml", True),
    ("deploy/*.yaml", "deploy/a.yaml", True),
    ("deploy/*.yaml", "other/deploy/a.yaml", False),
    ("./vendor", "vendor/x/Dockerfile", True),
    ("vendor/", "src/vendor/x", True),
    ("/vendor", "vendor/x", True),
    ("dev/**", "devx/a", False),
    ("file?.yaml", "file1.yaml", True),
    ("file?.yaml", "file/.yaml", False),
    ("[ab].yaml", "a.yaml", True),
    ("[!ab].yaml", "a.yaml", False),
])
def test_path_globs(glob, path, expected):
    assert compile_path_glob(glob).matches(path) is expected


def test_glob_errors():
    assert glob_error("[abc") is not None
    assert glob_error("") is not None
    assert glob_error("a/**/b") is None
    assert glob_error("**/deploy/**") is None
    # each `**` crosses folders, glued to a name or not: three of them backtrack for hours
    assert glob_error("a**/**a**/**a**/**a**/**b") is not None
    assert glob_error("**/a**/b**") is not None


def test_the_globs_allowed_match_a_long_path_fast():
    import time

    path = "/".join(["aaaaaaaaaa"] * 20) + "/Dockerfile"
    started = time.perf_counter()
    for glob in ("a**/**b", "**/a*a*/**", "*a*a/**/x"):
        assert glob_error(glob) is None
        compile_path_glob(glob).regex.match(path)
    assert time.perf_counter() - started < 2


def test_tag_globs_are_case_sensitive_full_matches():
    assert tag_matches_glob("1.0-SNAPSHOT", "*-SNAPSHOT")
    assert not tag_matches_glob("1.0-snapshot", "*-SNAPSHOT")
    assert not tag_matches_glob("latest-1", "latest")


def test_joined_path_globs_match_exactly_when_one_glob_does():
    import random

    from policylint.matching import any_path_glob, compile_path_glob

    generator = random.Random(9)
    pieces = ["vendor", "**", "*", "a?c", "[ab]*", "deploy", "x.yaml", "*.yml", "."]
    names = ["vendor", "deploy", "abc", "a", "x.yaml", "y.yml", "b.txt", "dir"]
    assert any_path_glob([]) is None
    for _ in range(200):
        globs = [compile_path_glob(("/" if generator.random() < 0.2 else "")
                                   + "/".join(generator.choice(pieces) for _ in range(generator.randint(1, 3)))
                                   + ("/" if generator.random() < 0.2 else ""))
                 for _ in range(generator.randint(1, 4))]
        joined = any_path_glob(globs)
        for _ in range(20):
            path = "/".join(generator.choice(names) for _ in range(generator.randint(1, 4)))
            assert bool(joined.match(path)) == any(glob.matches(path) for glob in globs), (globs, path)


def test_plain_path_globs_answer_as_their_regular_expression_would():
    """`vendor/**`, `deploy/prod`, `node_modules` are compared as text, never compiled on the way
    (a one-file check compiled two expressions for them): the answers must be the expression's."""
    import random

    from policylint.matching import AnyPlainGlob, Below, Component, Under, any_path_glob

    generator = random.Random(10)
    names = ["vendor", "deploy", "prod", "a.b", "x+y", "a\\b", "(g)", "n m", "node_modules", "v"]
    plain_kinds = set()
    for _ in range(600):
        parts = [generator.choice(names) for _ in range(generator.randint(1, 3))]
        glob = ("./" if generator.random() < 0.1 else "") + ("/" if generator.random() < 0.2 else "") + "/".join(parts)
        glob += generator.choice(["", "/", "/**", "/**", "/*"])
        compiled = compile_path_glob(glob)
        plain_kinds.add(type(compiled.plain).__name__)
        for _ in range(15):
            path = "/".join(generator.choice(names + [""]) for _ in range(generator.randint(1, 4)))
            path += generator.choice(["", "/", "\n"])
            expected = compiled.regex.match(path) is not None
            assert compiled.matches(path) is expected, (glob, path)
    assert plain_kinds == {"Below", "Under", "Component", "NoneType"}
    assert isinstance(compile_path_glob("vendor/**").plain, Under)
    assert isinstance(compile_path_glob("deploy/prod").plain, Below)
    assert isinstance(compile_path_glob("node_modules/").plain, Component)
    assert compile_path_glob("**/vendor").plain is None and compile_path_glob("*.yaml").plain is None
    assert isinstance(any_path_glob([compile_path_glob("vendor/**"), compile_path_glob("tmp")]), AnyPlainGlob)
    assert not isinstance(any_path_glob([compile_path_glob("vendor/**"), compile_path_glob("*.tmp")]), AnyPlainGlob)


def test_an_ipv6_registry_in_brackets_is_literal_not_a_character_class():
    from policylint.matching import compile_repository_pattern

    exact = compile_repository_pattern("[fd00::1]:5000")
    assert exact.matches("[fd00::1]:5000/team/app") and not exact.matches("f:5000/team/app")
    assert compile_repository_pattern("[FD00::1]:*/team/**").matches("[fd00::1]:5000/team/app")
    assert compile_repository_pattern("[ab]cr.io").matches("acr.io")  # a class where no IPv6 can be


def test_odd_classes_compile_without_warnings():
    """`[[]`, `[]]`, `&&`, `--` inside a class are literal, and re is never left to warn on stderr."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for glob in ("[[]fd00::1[]]:5000", "a[&&]b", "[~|]x", "[a-c--]", "[]]x"):
            assert glob_error(glob) is None, glob
            compile_repository_pattern(glob)
    assert compile_repository_pattern("[[]fd00::1[]]:5000").matches("[fd00::1]:5000/x")
    assert compile_path_glob("[]]x").regex.match("]x")


def test_entries_without_wildcards_match_as_their_regular_expression_would():
    """Hosts and paths without `*`, `?` or `[` are compared as text, not compiled: the answers
    must be those of the glob's regular expression (`\\A<host>\\Z`, `\\A<path>(?:/.*)?\\Z`)."""
    import random
    import re

    from policylint.matching import _translate

    generator = random.Random(6)
    hosts = ["registry.acme.com", "REGISTRY.Acme.com", "ghcr.io", "localhost:5000", "[fd00::1]:5000", "index.docker.io",
             "docker.io", "a.b"]
    paths = ["", "acme", "acme/", "acme/app", "library", "a.b/c", "team+x", "a/b/", "app\\x"]
    candidates = ["registry.acme.com", "registry.acme.com.evil.io", "ghcr.io", "Ghcr.IO", "localhost:5000", "localhost",
                  "[fd00::1]:5000", "docker.io", "a.b", "axb"]
    candidate_paths = ["", "acme", "acme/app", "acmecorp/app", "acme/", "library/nginx", "a.b/c/d", "axb/c",
                       "team+x", "a/b", "a/b/c", "app\\x", "/acme", "acme\n"]
    for _ in range(400):
        host = generator.choice(hosts)
        path = generator.choice(paths + [None])
        entry = host if path is None else f"{host}/{path}"
        pattern = compile_repository_pattern(entry)
        expected_host = "docker.io" if host.lower() == "index.docker.io" else host.lower()
        host_regex = re.compile(r"\A" + re.escape(expected_host) + r"\Z")
        path_regex = None if path is None else re.compile(r"\A" + _translate(path.rstrip("/")) + r"(?:/.*)?\Z", re.S)
        for _ in range(10):
            repository_host = generator.choice(candidates)
            repository = repository_host + "/" + generator.choice(candidate_paths)
            host_part, _, path_part = repository.partition("/")
            expected = host_regex.match(host_part.lower()) is not None and (
                path_regex is None or path_regex.match(path_part) is not None)
            assert pattern.matches(repository) is expected, (entry, repository)


def test_a_literal_tag_glob_is_the_tag_itself():
    from fnmatch import fnmatchcase

    for glob in ("latest", "main", "v1.0", "a\\b", "x]y", "!z"):
        for tag in ("latest", "Latest", "main", "v1.0", "v1x0", "a\\b", "x]y", "!z", "z"):
            assert tag_matches_glob(tag, glob) is fnmatchcase(tag, glob), (glob, tag)


def test_a_glob_that_does_not_compile_is_refused_when_the_policy_is_read(tmp_path):
    """Regular expressions are compiled when first used, but a policy's are all checked when it
    is read: a bad one is a policy error there, never a crash at a match."""
    from policylint.errors import PolicylintError
    from policylint.policy import load_policy

    policy = tmp_path / ".policylint.yaml"
    policy.write_text("version: 1\nregistries:\n  allow: [ghcr.io, '[Z-a].example.com']\n")
    with pytest.raises(PolicylintError) as raised:
        load_policy(str(policy))
    assert "[Z-a].example.com" in str(raised.value)
