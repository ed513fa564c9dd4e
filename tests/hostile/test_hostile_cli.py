"""Bad policies, baselines and command lines: every mistake exits 2 with one clear line that
names the file, line and column (or the option), never a traceback; `--debug` shows the
traceback of an internal error."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import List, Tuple, Union

import pytest
from hostile_support import run_cli

from policylint import engine
from policylint.cli import main

POSITION = r"[^:]+:\d+:\d+: "


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text("FROM nginx:1.27\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POLICYLINT_NO_CACHE", "1")
    return tmp_path


def fails(capsys: pytest.CaptureFixture, *args: str) -> str:
    """Run; it must exit 2 with one error line (plus at most a hint), and return that line."""
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 2, (args, captured.err)
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert "Traceback" not in captured.err
    assert 1 <= len(lines) <= 2, lines
    if len(lines) == 2:
        assert lines[1] in ("policylint: try 'policylint --help'",
                            "policylint: run again with --debug for the traceback, and please report it")
    assert "internal error" not in lines[0], lines[0]
    return lines[0]


def policy(repo: Path, data: Union[bytes, str]) -> str:
    path = repo / "policy.yaml"
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return "policy.yaml"


def deep_block(levels: int) -> str:
    return "version: 1\nx:\n" + "".join(" " * level + "k:\n" for level in range(1, levels))


def alias_bomb() -> str:
    lines = ["version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    return "\n".join(lines) + "\n"


BAD_POLICIES: List[Tuple[str, Union[bytes, str], str]] = [
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00", r"policy\.yaml:1:1: policy is not UTF-8 text"),
    ("nul", b"version: 1\nignore: [a\x00]\n", POSITION + "invalid YAML: .*#x0000"),
    ("latin-1", b"version: 1\n# caf\xe9\n", r"policy\.yaml:2:1: policy is not UTF-8 text"),
    ("bom-then-latin-1", b"\xef\xbb\xbfversion: 1\n\n# caf\xe9\n", r"policy\.yaml:3:1: policy is not UTF-8 text"),
    ("utf-16", "version: 1\n".encode("utf-16"), r"policy\.yaml:1:1: policy is not UTF-8 text"),
    ("alias-bomb", alias_bomb(), POSITION + r"policy holds more than \d+ values"),
    ("self-alias", "version: 1\nx: &x [*x]\n", POSITION + "(policy is nested too deeply|invalid YAML)"),
    ("flow-nesting", "version: 1\nignore: " + "[" * 50_000 + "]" * 50_000 + "\n",
     r"policy\.yaml:2:\d+: invalid YAML: flow collections nested deeper than 1000 levels"),
    ("block-nesting", deep_block(100), POSITION + "policy is nested too deeply"),
    ("deep-block-nesting", "version: 1\nx:\n" + "- " * 30_000 + "a\n",
     POSITION + "invalid YAML: block collections"),
    ("list", "- version: 1\n", r"policy\.yaml:1:1: policy must be a mapping"),
    ("scalar", "just text\n", r"policy\.yaml:1:1: policy must be a mapping"),
    ("empty", "", r"policy\.yaml:1:1: policy is empty"),
    ("comments-only", "# nothing\n", r"policy\.yaml:1:1: policy is empty"),
    ("two-documents", "version: 1\n---\nversion: 1\n", r"policy\.yaml:3:1: policy must be a single YAML document"),
    ("version-text", "version: '1'\n", r"policy\.yaml:1:10: version must be 1"),
    ("version-digits", "version: " + "9" * 5000 + "\n", r"policy\.yaml:1:10: version must be 1, not .{70,90}$"),
    ("registries-number", "version: 1\nregistries: 5\n", r"policy\.yaml:2:13: registries must be a mapping"),
    ("allow-map", "version: 1\nregistries: {allow: {a: b}}\n", r"policy\.yaml:2:21: registries\.allow must be a list"),
    ("tags-require-text", "version: 1\ntags: {require: yes}\n",
     r"policy\.yaml:2:\d+: tags\.require must be true or false"),
    ("deny-scalar", "version: 1\ntags: {deny: latest}\n", r"policy\.yaml:2:\d+: tags\.deny must be a list"),
    ("environments-list", "version: 1\nenvironments: []\n", r"policy\.yaml:2:15: environments must be a mapping"),
    ("exceptions-map", "version: 1\nexceptions: {}\n", r"policy\.yaml:2:13: exceptions must be a list"),
    ("severity-number", "version: 1\nseverity: {tag-missing: 3}\n",
     r"policy\.yaml:2:\d+: severity\.tag-missing must be"),
    ("unknown-key", "version: 1\nregistry: {}\n",
     r"policy\.yaml:2:1: unknown key 'registry'.*did you mean 'registries'"),
    ("duplicate-key", "version: 1\nversion: 1\n", r"policy\.yaml:2:1: duplicate key 'version'"),
    ("bad-regex", "version: 1\nenvironments:\n  r:\n    match: {paths: [x]}\n    tags: {pattern: '(['}\n",
     r"policy\.yaml:5:\d+: environments\.r\.tags\.pattern is not a valid regular expression"),
    ("bad-glob", "version: 1\nignore: ['[z-a]']\n", r"policy\.yaml:2:10: invalid glob"),
    ("backtracking-glob", "version: 1\nignore: ['*a*a*a*a*a*a*b']\n",
     r"policy\.yaml:2:10: invalid glob '\*a.*at most two '\*' in one path component"),
    ("backtracking-registry", "version: 1\nregistries: {allow: ['r.io/**/a/**/b/**/c']}\n",
     r"policy\.yaml:2:\d+: invalid glob .*at most two '\*' in one path component and two '\*\*'"),
    ("bad-date", "version: 1\nexceptions:\n  - {images: [x], reason: r, expires: 2027-02-30}\n",
     r"policy\.yaml:3:\d+: exceptions\[0\]\.expires '2027-02-30' is not a real date"),
    ("python-tag", "version: 1\nignore: !!python/object/apply:os.system ['true']\n",
     r"policy\.yaml:2:9: unsupported YAML tag 'tag:yaml\.org,2002:python/object/apply:os\.system'"),
    ("custom-tag", "version: 1\nfully_qualified: !Ref x\n", r"policy\.yaml:2:18: unsupported YAML tag '!Ref'"),
    ("complex-key", "version: 1\n? [a]\n: b\n", POSITION + "policy keys must be plain text"),
    ("huge", "version: 1\nignore:\n" + "  - a/very/long/path/glob/**\n" * 60_000,
     r"policy policy\.yaml is larger than the \d+ byte limit for a policy"),
    ("many-values", "version: 1\nignore: [" + ", ".join(f"p{i}" for i in range(30_000)) + "]\n",
     POSITION + r"policy holds more than \d+ values"),
]


@pytest.mark.parametrize("name, data, expected", BAD_POLICIES, ids=[case[0] for case in BAD_POLICIES])
def test_bad_policy_is_one_line_with_its_position(repo: Path, capsys: pytest.CaptureFixture, name: str,
                                                  data: Union[bytes, str], expected: str) -> None:
    started = time.monotonic()
    line = fails(capsys, "-p", policy(repo, data), ".")
    assert time.monotonic() - started < 10
    assert re.match("policylint: " + expected, line), line


def test_found_policy_is_checked_the_same_way(repo: Path, capsys: pytest.CaptureFixture) -> None:
    (repo / ".policylint.yaml").write_text(alias_bomb())
    assert re.match("policylint: " + POSITION + "policy holds more than", fails(capsys))


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and symlinks")
def test_policy_that_is_not_a_regular_file(repo: Path, capsys: pytest.CaptureFixture) -> None:
    os.mkfifo(repo / "fifo.yaml")
    assert fails(capsys, "-p", "fifo.yaml") == "policylint: policy fifo.yaml is not a regular file"
    (repo / "folder.yaml").mkdir()
    assert fails(capsys, "-p", "folder.yaml") == "policylint: policy folder.yaml is a directory, not a file"
    assert fails(capsys, "-p", "/dev/zero").endswith("is not a regular file")
    assert fails(capsys, "-p", "nope.yaml") == \
        "policylint: policy file nope.yaml does not exist (given by -p/--policy)"
    (repo / ".policylint.yaml").symlink_to("missing.yaml")  # found, but broken: never silently the default
    assert fails(capsys).startswith("policylint: cannot read policy .policylint.yaml: No such file")
    (repo / ".policylint.yaml").unlink()
    os.mkfifo(repo / ".policylint.yaml")
    assert fails(capsys) == "policylint: policy .policylint.yaml is not a regular file"


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs")
def test_fifo_policy_does_not_block(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    os.mkfifo(tmp_path / ".policylint.yaml")
    completed = run_cli([], tmp_path, timeout=60)
    assert completed.returncode == 2
    assert completed.stderr.decode().strip() == "policylint: policy .policylint.yaml is not a regular file"


BAD_BASELINES: List[Tuple[str, Union[bytes, str], str]] = [
    ("binary", b"\xff\xfe\x00", r"invalid baseline b\.json: not UTF-8 text"),
    ("not-json", "{nope", r"b\.json:1:2: invalid baseline: not valid JSON"),
    ("deep", "[" * 100_000, r"invalid baseline b\.json: not valid JSON \(nested too deeply\)"),
    ("array", "[]", r"invalid baseline b\.json: expected a JSON object, found list"),
    ("version", '{"version": 2, "fingerprints": {}}', r"invalid baseline b\.json: unsupported version 2"),
    ("digits", '{"version": ' + "1" * 5000 + "}", r"invalid baseline b\.json: not usable JSON"),
    ("fingerprints", '{"version": 1, "fingerprints": []}', r"invalid baseline b\.json: 'fingerprints' must be"),
    ("count", '{"version": 1, "fingerprints": {"ab": -1}}', r"invalid baseline b\.json: count of fingerprint"),
    ("nan", '{"version": 1, "fingerprints": {"ab": NaN}}', r"invalid baseline b\.json: count of fingerprint"),
    ("tool", '{"version": 1, "tool": {"x": 1}, "fingerprints": {}}', r"invalid baseline b\.json: written by"),
]


@pytest.mark.parametrize("name, data, expected", BAD_BASELINES, ids=[case[0] for case in BAD_BASELINES])
def test_broken_baseline(repo: Path, capsys: pytest.CaptureFixture, name: str, data: Union[bytes, str],
                         expected: str) -> None:
    (repo / "b.json").write_bytes(data if isinstance(data, bytes) else data.encode())
    line = fails(capsys, "--baseline", "b.json")
    assert re.match("policylint: " + expected, line), line


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs")
def test_baseline_that_is_not_a_regular_file(repo: Path, capsys: pytest.CaptureFixture) -> None:
    os.mkfifo(repo / "fifo.json")
    assert fails(capsys, "--baseline", "fifo.json") == "policylint: cannot read baseline fifo.json: not a regular file"
    assert fails(capsys, "--baseline", "/dev/zero").endswith("not a regular file")
    assert fails(capsys, "--baseline", ".") == "policylint: cannot read baseline .: it is a directory"
    assert fails(capsys, "--baseline", "nope.json") == \
        "policylint: cannot read baseline nope.json: No such file or directory"


BAD_COMMAND_LINES: List[Tuple[List[str], str]] = [
    (["-o", "missing/dir/out.txt"], "policylint: cannot write missing/dir/out.txt: No such file or directory"),
    (["--sarif-file", "missing/x.sarif"], "policylint: cannot write missing/x.sarif: No such file or directory"),
    (["--summary-file", "missing/x.md"], "policylint: cannot write missing/x.md: No such file or directory"),
    (["-o", "."], "policylint: cannot write .: Is a directory"),
    (["--write-baseline", "missing/b.json"], "policylint: cannot write baseline missing/b.json: No such file"),
    (["--build-arg", "=x"], "policylint: --build-arg '=x': expected NAME=value"),
    (["--build-arg", ""], "policylint: --build-arg '': expected NAME=value"),
    (["--build-arg", "a b=c"], "policylint: --build-arg 'a b=c': expected NAME=value"),
    (["--build-arg", "A-B=c"], "policylint: --build-arg 'A-B=c': expected NAME=value"),
    (["--build-arg", "\x1b[31m=c"], "policylint: --build-arg '\\x1b[31m=c': expected NAME=value"),
    (["--jobs", "-1"], "policylint: --jobs must be 0 (one per core) or more"),
    (["--jobs", "many"], "policylint check: argument -j/--jobs: invalid int value: 'many'"),
    (["--jobs"], "policylint check: argument -j/--jobs: expected one argument"),
    (["-f", "yaml"], "policylint check: argument -f/--format: invalid choice: 'yaml'"),
    (["--fail-on", "all"], "policylint check: argument --fail-on: invalid choice: 'all'"),
    (["--no-such-option"], "policylint: unrecognized arguments: --no-such-option"),
    (["--env", "prod"], "policylint: --env prod: no such environment in the policy"),
    (["--stdin-filename", "Dockerfile"], "policylint: --stdin-filename needs '-' among the paths"),
    (["--exclude", "[z-a]"], "policylint: --exclude: invalid glob '[z-a]'"),
    (["--exclude", "["], "policylint: --exclude: invalid glob '['"),
    (["--exclude", ""], "policylint: --exclude: a glob must not be empty"),
    (["--exclude", "*a*a*a*a*b"], "policylint: --exclude: invalid glob '*a*a*a*a*b': at most two '*'"),
    (["missing/Dockerfile"], "policylint: missing/Dockerfile: no such file or directory"),
    (["rules", "no-such-rule"], "policylint: unknown rule 'no-such-rule'"),
]


@pytest.mark.parametrize("args, expected", BAD_COMMAND_LINES, ids=[" ".join(args) for args, _ in BAD_COMMAND_LINES])
def test_bad_command_line(repo: Path, capsys: pytest.CaptureFixture, args: List[str], expected: str) -> None:
    line = fails(capsys, *args)
    assert line.startswith(expected), line


def test_internal_error_is_one_line_and_debug_shows_the_traceback(repo: Path, capsys: pytest.CaptureFixture,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom\nsecond line\x1b[2J")

    monkeypatch.setattr(engine, "run", broken)
    assert main(["."]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == ["policylint: internal error: RuntimeError: boom",
                                "policylint: run again with --debug for the traceback, and please report it"]
    assert main(["--debug", "."]) == 2
    err = capsys.readouterr().err
    assert err.startswith("policylint: internal error: RuntimeError: boom\n")
    assert "Traceback (most recent call last)" in err and 'raise RuntimeError("boom' in err


def test_expected_errors_show_no_traceback_even_with_debug(repo: Path, capsys: pytest.CaptureFixture) -> None:
    policy(repo, "version: 2\n")
    assert main(["--debug", "-p", "policy.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("policylint: policy.yaml:1:10: version must be 1")
    assert len(err.splitlines()) == 1


def test_a_bug_while_scanning_names_the_file(repo: Path, capsys: pytest.CaptureFixture,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from policylint import scanners

    (repo / "sub").mkdir()
    (repo / "sub" / "compose.yaml").write_text("services: {}\n")
    real_scan = scanners.scan

    def buggy(kind: str, text: str, path: str, options: object):
        if kind == "compose":
            raise KeyError("oops\x1b[2J")
        return real_scan(kind, text, path, options)

    monkeypatch.setattr(scanners, "scan", buggy)
    assert main(["."]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "policylint: internal error while scanning sub/compose.yaml: KeyError: 'oops\\x1b[2J'",
        "policylint: run again with --debug for the traceback, and please report it"]
    assert main(["--debug", "."]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "KeyError" in err and 'raise KeyError("oops' in err


def test_scan_failure_survives_the_process_pool() -> None:
    import pickle

    from policylint.errors import ScanFailure

    copy = pickle.loads(pickle.dumps(ScanFailure("a/Dockerfile", "KeyError: 'x'")))
    assert (copy.path, copy.description, str(copy)) == ("a/Dockerfile", "KeyError: 'x'",
                                                         "while scanning a/Dockerfile: KeyError: 'x'")


def test_a_bug_in_a_worker_process_names_the_file(repo: Path, capsys: pytest.CaptureFixture,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The same one-line report when the failing file was checked by a forked worker."""
    from policylint import parallel, scanners

    if not parallel.fork_available():
        pytest.skip("forked workers are not used here")
    for index in range(40):
        (repo / f"d{index:02d}").mkdir()
        (repo / f"d{index:02d}" / "Dockerfile").write_text("FROM nginx:1\n")
    real_scan = scanners.scan
    parent = os.getpid()

    def buggy(kind: str, text: str, path: str, options: object):
        if os.getpid() != parent:  # only in a worker
            raise KeyError("in a worker")
        time.sleep(0.01)  # leave batches for the worker
        return real_scan(kind, text, path, options)

    monkeypatch.setattr(scanners, "scan", buggy)
    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 2)
    assert main([".", "-j2"]) == 2
    lines = capsys.readouterr().err.splitlines()
    # whichever file the worker took first (the fixture's own Dockerfile included)
    assert re.fullmatch(r"policylint: internal error while scanning (d\d\d/)?Dockerfile: KeyError: 'in a worker'",
                        lines[0]), lines
    assert len(lines) == 2


@pytest.mark.skipif(os.name != "posix", reason="process groups and SIGINT")
def test_ctrl_c_during_a_parallel_run_exits_130_and_leaves_no_process(tmp_path: Path) -> None:
    import signal
    import subprocess

    for index in range(300):
        (tmp_path / f"Dockerfile.{index:03d}").write_text("FROM nginx:1\n")
    slow = ("import sys, time; from policylint import engine; real = engine.check_source; "
            "engine.check_source = lambda source, options: time.sleep(0.02) or real(source, options); "
            "from policylint.cli import main; sys.exit(main(sys.argv[1:]))")
    process = subprocess.Popen([sys.executable, "-c", slow, ".", "-j2"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(1.5)  # well inside the ~3 s the two processes need
    os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err == "policylint: interrupted\n"
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # no process of the group is left
