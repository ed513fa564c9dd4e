"""Hostile files and trees: random and binary bytes, broken encodings, BOM and CRLF, empty and
huge files, symlink loops and links out of the tree, FIFOs and devices, unreadable files and
files that vanish mid-scan. None of them crashes or hangs a run, none is read from outside the
scan root, and every file with a scanner's name that cannot be read or parsed is a finding."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import stat
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from helpers import scandir_with_a_vanished_entry
from hostile_support import FILE_NAMES, KINDS, YAML_KINDS, image_document, make_repo, rows, run_cli, run_json

from policylint import discovery, engine, gitignore
from policylint.cli import main
from policylint.model import SourceFile
from policylint.policy import default_policy

needs_posix = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file types")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return root


def check_json(capsys: pytest.CaptureFixture, *args: str) -> Tuple[int, Dict[str, Any], str]:
    """Run `policylint -f json ARGS` in process: (exit code, report, stderr)."""
    code = main(["-f", "json", *args])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    assert "internal error" not in captured.err and "Traceback" not in captured.err
    return code, json.loads(captured.out), captured.err


def assert_adds_up(document: Dict[str, Any]) -> None:
    summary = document["summary"]
    assert summary["candidates"] == summary["files_scanned"] + summary["files_unreadable"] + summary["files_skipped"]


# --- bytes that are not text ------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_random_bytes_under_every_scanner_name(repo: Path, capsys: pytest.CaptureFixture, seed: int) -> None:
    generator = random.Random(seed)
    for kind in KINDS:
        size = generator.choice([1, 17, 512, 4096, 65536])
        data = bytes(generator.getrandbits(8) for _ in range(size))
        if seed % 2:  # half the runs without NUL bytes, so the scanners themselves see the bytes
            data = data.replace(b"\x00", b"\x01")
        make_repo(repo, kind, data)
    code, document, _ = check_json(capsys, ".")
    assert document["summary"]["files_scanned"] == len(KINDS) + 1  # and the helm Chart.yaml
    for finding in document["findings"]:
        assert finding["line"] >= 1 and finding["column"] >= 1
        assert finding["rule"] in ("parse-error", "invalid-reference", "tag-missing", "unresolved-variable",
                                   "tag-denied", "invalid-waiver")
    assert_adds_up(document)


BINARIES = {
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "elf": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64,
    "gzip": b"\x1f\x8b\x08\x00" + bytes(range(255, 0, -1)),
    "utf16": "FROM nginx\n".encode("utf-16"),
}


@pytest.mark.parametrize("name", ["Dockerfile", "compose.yaml", "kustomization.yaml", "deploy.yaml"])
@pytest.mark.parametrize("binary", sorted(BINARIES))
def test_binary_file_with_a_scanner_name_is_one_parse_error(repo: Path, capsys: pytest.CaptureFixture,
                                                             name: str, binary: str) -> None:
    (repo / name).write_bytes(BINARIES[binary])
    code, document, _ = check_json(capsys, ".")
    assert code == 1
    ((rule, path, line, column),) = rows(document)
    assert (rule, path) == ("parse-error", name)
    assert "NUL" in document["findings"][0]["message"]
    assert line >= 1 and column >= 1


def test_latin1_comment_does_not_hide_the_from_below_it(repo: Path, capsys: pytest.CaptureFixture) -> None:
    (repo / "Dockerfile").write_bytes(b"# caf\xe9 cr\xe8me br\xfbl\xe9e\n# \xa9 2024\n\n  FROM  nginx AS web\n")
    code, document, _ = check_json(capsys, ".")
    assert code == 1
    assert rows(document) == [("tag-missing", "Dockerfile", 4, 9)]
    assert document["findings"][0]["end_column"] == 14


@pytest.mark.parametrize("kind", YAML_KINDS)
def test_latin1_bytes_do_not_move_yaml_positions(repo: Path, capsys: pytest.CaptureFixture, kind: str) -> None:
    clean = image_document(kind, "Nginx").encode()  # invalid in every kind: one finding to place
    make_repo(repo, kind, b"# caf\xe9\n" + clean)
    _, document, _ = check_json(capsys, ".")
    make_repo(repo, kind, b"# cafe\n" + clean)
    _, expected, _ = check_json(capsys, ".")
    assert rows(document) == rows(expected) and rows(document)


def _positions(document: Dict[str, Any]) -> List[Tuple[str, int, int, Any]]:
    return [(f["rule"], f["line"], f["column"], f["end_column"]) for f in document["findings"]]


DOCKERFILE = "# syntax=docker/dockerfile:1\nARG TAG=1.27\nFROM nginx:${TAG} AS base\nFROM \\\n  alpine\n" \
             "COPY --from=busybox:latest /bin/sh /sh\nRUN --mount=type=bind,from=redis,target=/r true\n# the end\n"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("variant", ["bom", "crlf", "bom+crlf", "cr"])
def test_bom_and_crlf_keep_positions_exact(repo: Path, capsys: pytest.CaptureFixture, kind: str,
                                           variant: str) -> None:
    # an invalid reference is a finding in every kind (a kustomize newName alone has no tag to miss)
    text = DOCKERFILE if kind == "dockerfile" else image_document(kind, "'Nginx'") + "# the end\n"
    if kind == "compose":
        text += "  db:\n    image: \"redis:latest\"\n"
    make_repo(repo, kind, text.encode())
    _, expected, _ = check_json(capsys, ".")
    assert expected["findings"]
    data = text.encode()
    if "crlf" in variant:
        data = data.replace(b"\n", b"\r\n")
    if "bom" in variant:
        data = b"\xef\xbb\xbf" + data
    if variant == "cr":  # a lone CR ends a YAML line; in a Dockerfile it is part of the line, as in BuildKit
        data = data.replace(b"\n", b"\r") if kind != "dockerfile" else data.replace(b"# the end", b"# the\rend")
    make_repo(repo, kind, data)
    _, document, _ = check_json(capsys, ".")
    assert _positions(document) == _positions(expected)


@pytest.mark.parametrize("kind", KINDS)
def test_empty_and_blank_files(repo: Path, capsys: pytest.CaptureFixture, kind: str) -> None:
    for data in (b"", b"\n", b"\xef\xbb\xbf", b"   \r\n  \n", b"---\n...\n" if kind != "dockerfile" else b"#\n"):
        make_repo(repo, kind, data)
        code, document, _ = check_json(capsys, ".")
        assert code == 0 and document["findings"] == [], data
        assert_adds_up(document)


# --- size -------------------------------------------------------------------------------------


def test_file_over_the_size_limit_is_a_parse_error_and_never_read(repo: Path, capsys: pytest.CaptureFixture,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "Dockerfile").write_text("FROM nginx\n")
    for name in ("Dockerfile.big", "compose.yaml"):
        with open(repo / name, "wb") as handle:  # 40 MB, sparse: costs no disk and no time
            handle.truncate(40 << 20)
    reads: List[int] = []
    real_read = os.read

    def counting_read(descriptor: int, size: int) -> bytes:
        data = real_read(descriptor, size)
        reads.append(len(data))
        return data

    monkeypatch.setattr(engine.os, "read", counting_read)
    started = time.monotonic()
    code, document, err = check_json(capsys, ".")
    assert time.monotonic() - started < 10
    assert rows(document) == [("tag-missing", "Dockerfile", 1, 6), ("parse-error", "Dockerfile.big", 1, 1),
                              ("parse-error", "compose.yaml", 1, 1)]
    for finding in document["findings"][1:]:
        assert "larger than the" in finding["message"] and "limit" in finding["message"]
    assert sum(reads) < 100  # only the small Dockerfile was read
    summary = document["summary"]
    assert (summary["files_scanned"], summary["files_unreadable"]) == (1, 2)
    assert_adds_up(document)


def test_tens_of_megabytes_scan_in_bounded_memory(tmp_path: Path) -> None:
    """Just under the limit: scanned in a child process capped at 2 GB of address space."""
    size = 24 << 20
    body = b"FROM nginx:1.27\n" + (b"# " + b"x" * 1000 + b"\n") * (size // 1003) + b"FROM alpine\n"
    make_repo(tmp_path, "dockerfile", body)
    compose = b"services:\n  web:\n    image: 'nginx:1'\n    x: '" + b"y" * (12 << 20) + b"'\n  db: {image: redis}\n"
    make_repo(tmp_path, "compose", compose)
    code, document, _ = run_json([], tmp_path, timeout=120)
    assert code == 1
    last = body.count(b"\n")
    assert rows(document) == [("tag-missing", "Dockerfile", last, 6), ("tag-missing", "compose.yaml", 5, 15)]


def test_stdin_over_the_size_limit_is_a_parse_error(repo: Path, capsys: pytest.CaptureFixture,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(engine, "MAX_FILE_BYTES", 1000)
    stream = io.BytesIO(b"FROM nginx\n" + b"#" * 5000)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stream))
    code, document, _ = check_json(capsys, "-", "--stdin-filename", "Dockerfile")
    assert stream.tell() <= 1001  # never more than the limit held in memory
    assert rows(document) == [("parse-error", "Dockerfile", 1, 1)]
    assert "larger than the 1000 byte limit" in document["findings"][0]["message"]


# --- links, FIFOs, devices ----------------------------------------------------------------------


@needs_posix
def test_symlink_loops_terminate_and_are_named_by_debug(repo: Path, capsys: pytest.CaptureFixture) -> None:
    (repo / "Dockerfile").write_text("FROM nginx:1\n")
    (repo / "Dockerfile.self").symlink_to("Dockerfile.self")
    (repo / "a").symlink_to("b")
    (repo / "b").symlink_to("a")
    (repo / "Dockerfile.ab").symlink_to("a")
    (repo / "sub").mkdir()
    (repo / "sub" / "up").symlink_to("..", target_is_directory=True)
    (repo / "sub" / "here").symlink_to(".", target_is_directory=True)
    code, document, err = check_json(capsys, "--debug", ".")
    assert code == 0 and document["summary"]["files_scanned"] == 1
    for name in ("Dockerfile.self", "Dockerfile.ab", "sub/up", "sub/here"):
        assert f"policylint: skipped {name}: " in err
    assert_adds_up(document)
    assert document["summary"]["files_skipped"] == err.count("policylint: skipped ")


@needs_posix
def test_links_out_of_the_tree_are_not_followed(tmp_path: Path, repo: Path, capsys: pytest.CaptureFixture) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = "registry.evil.example/secret-token-1234:latest"
    (outside / "Dockerfile").write_text(f"FROM {secret}\n")
    (outside / "compose.yaml").write_text(f"services:\n  a:\n    image: {secret}\n")
    (repo / "Dockerfile").symlink_to(outside / "Dockerfile")
    (repo / "compose.yaml").symlink_to(os.path.relpath(outside / "compose.yaml", repo))
    (repo / "vendor").symlink_to(outside, target_is_directory=True)
    (repo / "etc").symlink_to("/etc", target_is_directory=True)
    (repo / "deploy").mkdir()
    (repo / "deploy" / "Dockerfile").write_text("FROM nginx:1\n")
    code, document, err = check_json(capsys, "--debug", ".")
    assert code == 0
    assert document["summary"]["files_scanned"] == 1
    assert "secret-token" not in json.dumps(document) and "secret-token" not in err
    assert "policylint: skipped Dockerfile: symlink to a file outside the scan root" in err
    assert "policylint: skipped compose.yaml: symlink to a file outside the scan root" in err
    assert "policylint: skipped vendor: symlink to a directory outside the scan root" in err
    assert "policylint: skipped etc: symlink to a directory outside the scan root" in err
    assert_adds_up(document)


@needs_posix
def test_links_inside_the_tree_are_read_through_their_target(repo: Path, capsys: pytest.CaptureFixture) -> None:
    """Discovery follows a link that stays inside the root; reading must too (it opens files
    without following links, so it opens the checked target)."""
    (repo / "base").mkdir()
    (repo / "base" / "Dockerfile").write_text("FROM nginx\n")
    (repo / "Dockerfile.prod").symlink_to("base/Dockerfile")
    code, document, _ = check_json(capsys, ".")
    assert rows(document) == [("tag-missing", "Dockerfile.prod", 1, 6), ("tag-missing", "base/Dockerfile", 1, 6)]


@needs_posix
def test_link_swapped_after_discovery_is_not_followed(tmp_path: Path, repo: Path) -> None:
    """A path that became a link after it was listed is never opened through the link."""
    outside = tmp_path / "elsewhere"
    outside.write_text("FROM registry.evil.example/x:1\n")
    (repo / "Dockerfile").symlink_to(outside)
    source = SourceFile(path="Dockerfile", kind="dockerfile", abspath=str(repo / "Dockerfile"))
    report = engine.check_source(source, engine.EngineOptions(policy=default_policy()))
    assert report.unreadable and [f.rule for f in report.findings] == ["parse-error"]
    assert "cannot read the file" in report.findings[0].message


FIFO_NAMES = ["Dockerfile", "compose.yaml", "values.yaml", "kustomization.yaml", "x.yaml", "Chart.yaml"]


@needs_posix
def test_fifo_with_a_scanner_name_is_never_opened(tmp_path: Path) -> None:
    """In a child process: a FIFO nobody writes to would block an open() forever."""
    root = tmp_path / "repo"
    root.mkdir()
    make_repo(root, "dockerfile", b"FROM nginx:1\n")
    (root / "sub").mkdir()
    for name in FIFO_NAMES:
        os.mkfifo(root / "sub" / name)
    os.mkfifo(root / ".env")  # read beside compose files
    os.mkfifo(root / "Chart.yaml")  # read beside values files
    (root / "compose.yaml").write_text("services:\n  a: {image: 'redis:${TAG:-7}'}\n")
    (root / "values.yaml").write_text("image: {repository: redis, tag: ''}\n")
    completed = run_cli(["-f", "json", "--debug", "."], root, timeout=60)
    err = completed.stderr.decode()
    assert completed.returncode == 0, err
    # the values file's empty tag falls back to an appVersion the FIFO Chart.yaml cannot give
    findings = json.loads(completed.stdout)["findings"]
    assert [(f["path"], f["rule"]) for f in findings] == [("values.yaml", "unresolved-variable")]
    for name in FIFO_NAMES:
        assert f"policylint: skipped sub/{name}: not a regular file" in err
    assert "policylint: skipped Chart.yaml: not a regular file" in err
    document = json.loads(completed.stdout)
    assert document["summary"]["files_scanned"] == 3
    explicit = run_cli(["-q", *(f"sub/{name}" for name in FIFO_NAMES)], root, timeout=60)
    assert explicit.returncode == 0, explicit.stderr


@needs_posix
def test_fifo_swapped_in_after_discovery_is_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    source = SourceFile(path="Dockerfile", kind="dockerfile", abspath=str(fifo))
    previous = signal.signal(signal.SIGALRM, lambda *args: pytest.fail("opening a FIFO blocked"))
    signal.alarm(20)
    try:
        report = engine.check_source(source, engine.EngineOptions(policy=default_policy()))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert report.unreadable
    assert [f.message for f in report.findings] == ["cannot read the file: not a regular file"]


@needs_posix
def test_device_files_are_not_opened(repo: Path, capsys: pytest.CaptureFixture) -> None:
    (repo / "Dockerfile").write_text("FROM nginx:1\n")
    (repo / "Dockerfile.null").symlink_to("/dev/null")
    (repo / "compose.yaml").symlink_to("/dev/zero")
    created = True
    try:
        os.mknod(repo / "Dockerfile.dev", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero's numbers
    except (PermissionError, AttributeError, OSError):
        created = False
    code, document, err = check_json(capsys, "--debug", ".")
    assert code == 0 and document["summary"]["files_scanned"] == 1
    assert "policylint: skipped Dockerfile.null: " in err
    assert "policylint: skipped compose.yaml: " in err
    if created:
        assert "policylint: skipped Dockerfile.dev: not a regular file" in err
    assert_adds_up(document)


# --- files that cannot be read ------------------------------------------------------------------


def test_unreadable_file_is_a_finding_and_the_run_goes_on(repo: Path, capsys: pytest.CaptureFixture,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "Dockerfile").write_text("FROM nginx\n")
    (repo / "compose.yaml").write_text("services:\n  a: {image: redis}\n")
    (repo / "z").mkdir()
    (repo / "z" / "Dockerfile").write_text("FROM alpine\n")
    locked = str(repo / "compose.yaml")
    real_open = os.open

    def fake_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if os.fspath(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)
    code, document, err = check_json(capsys, ".")
    assert rows(document) == [("tag-missing", "Dockerfile", 1, 6), ("parse-error", "compose.yaml", 1, 1),
                              ("tag-missing", "z/Dockerfile", 1, 6)]
    assert document["findings"][1]["message"] == "cannot read the file: Permission denied"
    summary = document["summary"]
    assert (summary["files_scanned"], summary["files_unreadable"], summary["candidates"]) == (2, 1, 3)
    assert "2 files scanned, 1 unreadable (of 3 candidates), 2 references checked" in err


def test_file_vanishing_after_discovery(repo: Path, capsys: pytest.CaptureFixture,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a", "b", "c"):
        (repo / name).mkdir()
        (repo / name / "Dockerfile").write_text("FROM nginx\n")
    real_discover = discovery.discover

    def discover_then_delete(*args: Any, **kwargs: Any) -> discovery.Discovery:
        found = real_discover(*args, **kwargs)
        (repo / "b" / "Dockerfile").unlink()
        return found

    monkeypatch.setattr(discovery, "discover", discover_then_delete)
    code, document, _ = check_json(capsys, ".")
    assert rows(document) == [("tag-missing", "a/Dockerfile", 1, 6), ("parse-error", "b/Dockerfile", 1, 1),
                              ("tag-missing", "c/Dockerfile", 1, 6)]
    assert document["findings"][1]["message"] == "cannot read the file: No such file or directory"


def test_file_vanishing_during_the_walk_is_a_finding(repo: Path, capsys: pytest.CaptureFixture,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "Dockerfile").write_text("FROM nginx:1\n")
    monkeypatch.setattr(discovery.os, "scandir", scandir_with_a_vanished_entry("compose.gone.yaml", str(repo)))
    code, document, _ = check_json(capsys, ".")
    assert rows(document) == [("parse-error", "compose.gone.yaml", 1, 1)]
    assert document["findings"][0]["message"] == "cannot read the file: No such file or directory"


def test_unreadable_directory_is_counted_and_named(repo: Path, capsys: pytest.CaptureFixture,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "Dockerfile").write_text("FROM nginx:1\n")
    (repo / "locked").mkdir()
    (repo / "locked" / "Dockerfile").write_text("FROM nginx\n")
    real_scandir = os.scandir

    def scandir(path: str) -> Any:
        if os.path.basename(os.fspath(path)) == "locked":
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(discovery.os, "scandir", scandir)
    code, document, err = check_json(capsys, "--debug", ".")
    assert "policylint: skipped locked: cannot read directory: Permission denied" in err
    assert document["summary"]["files_skipped"] == 1
    assert "1 file scanned, 1 skipped (of 2 candidates), 1 reference checked" in err
    assert_adds_up(document)


@pytest.mark.parametrize("kind", KINDS)
def test_every_scanner_name_that_cannot_be_parsed_is_a_finding(repo: Path, capsys: pytest.CaptureFixture,
                                                               kind: str) -> None:
    broken = b"FROM\n" if kind == "dockerfile" else b"a: [\n"
    make_repo(repo, kind, broken, name=FILE_NAMES[kind])
    code, document, _ = check_json(capsys, ".")
    assert code == 1
    assert [f["rule"] for f in document["findings"]] == ["parse-error"]
    assert document["findings"][0]["path"] == FILE_NAMES[kind]


def test_debug_lists_every_path_passed_over_and_the_counts_add_up(repo: Path,
                                                                  capsys: pytest.CaptureFixture) -> None:
    (repo / ".gitignore").write_text("build/\nDockerfile.local\n")
    (repo / ".policylint.yaml").write_text("version: 1\nignore: [vendor/**]\n")
    for name in ("Dockerfile", "Dockerfile.local", "build/Dockerfile", "vendor/Dockerfile", "deploy/app.yaml",
                 "README.md", "build/notes.txt"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text("FROM nginx:1\n" if "Dockerfile" in name else "kind: x\n")
    (repo / "compose.yaml").write_text("services: [\n")
    code, document, err = check_json(capsys, "--debug", "--exclude", "deploy/*", ".")
    listed = sorted(line for line in err.splitlines() if line.startswith("policylint: skipped "))
    assert listed == [
        "policylint: skipped Dockerfile.local: excluded by .gitignore",
        "policylint: skipped build: excluded by .gitignore",
        "policylint: skipped deploy/app.yaml: excluded by an ignore pattern",
        "policylint: skipped vendor/Dockerfile: excluded by an ignore pattern",
    ]
    summary = document["summary"]
    assert (summary["files_scanned"], summary["files_unreadable"], summary["files_skipped"]) == (3, 0, 4)
    assert_adds_up(document)  # Dockerfile, compose.yaml (a parse-error) and the policy itself (yaml)
    assert "3 files scanned, 4 skipped (of 7 candidates), 1 reference checked; 1 error" in err
    main(["images", "--debug", "-q", "--exclude", "deploy/*", "."])
    assert capsys.readouterr().err.count("policylint: skipped ") == 4


def test_gitignore_patterns_that_would_backtrack_for_hours(tmp_path: Path) -> None:
    """`*a*a*a*a*a*a*a*a*b` against a long run of `a` backtracks exponentially in a regular
    expression; such lines are left out (git itself has no such pattern problem)."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()
    (root / ".gitignore").write_text("*a*a*a*a*a*a*a*a*a*a*b\n**/**/**/**/x\nbuild/\n*.tmp.*\n")
    deep = root / ("a" * 250) / ("a" * 250)
    deep.mkdir(parents=True)
    (deep / "Dockerfile").write_text("FROM nginx:1\n")
    (deep / ("Dockerfile." + "a" * 200)).write_text("FROM nginx:1\n")
    (root / "build").mkdir()
    (root / "build" / "Dockerfile").write_text("FROM nginx\n")  # still ignored: simple lines are kept
    (root / "Dockerfile.tmp.x").write_text("FROM nginx\n")
    started = time.monotonic()
    code, document, _ = run_json([], root, timeout=60)
    assert time.monotonic() - started < 30
    assert code == 0 and document["summary"]["files_scanned"] == 2


def test_real_gitignore_patterns_are_all_kept() -> None:
    kept = ["*.log", "**/node_modules/**", "*.min.*", "**/test/**/*.snap", "!**/src/**/*.min.*", "/build/",
            "# *a*a*a*a comment", "docs/_build", "**/.terraform/*", "a\\*b\\*c\\*d"]
    assert [line for line in kept if gitignore._too_complex(line)] == []
    assert gitignore._too_complex("*a*a*a*b") and gitignore._too_complex("**/**/**/**/x")


@needs_posix
def test_fix_never_writes_through_a_planted_link(tmp_path: Path, repo: Path, capsys: pytest.CaptureFixture) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (repo / ".policylint.yaml").write_text("version: 1\nfully_qualified: true\n")
    dockerfile = repo / "Dockerfile"
    dockerfile.write_text("FROM nginx:1.27\n")
    dockerfile.chmod(0o640)
    (repo / "Dockerfile.policylint-fix").symlink_to(victim)  # the name the fix used to write to
    (repo / "Dockerfile.prod").symlink_to("Dockerfile")  # a link inside the tree: its target is fixed
    assert main(["fix", "."]) == 0
    capsys.readouterr()
    assert victim.read_text() == "precious\n"
    assert dockerfile.read_text() == "FROM docker.io/library/nginx:1.27\n"
    assert stat.S_IMODE(dockerfile.stat().st_mode) == 0o640
    assert (repo / "Dockerfile.prod").is_symlink()
    assert sorted(path.name for path in repo.iterdir()) == [
        ".git", ".policylint.yaml", "Dockerfile", "Dockerfile.policylint-fix", "Dockerfile.prod"]
