"""`policylint fix`: only safe rewrites, only where the text is exactly what was scanned."""

import pytest

from policylint.cli import main


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".policylint.yaml").write_text("version: 1\nfully_qualified: true\n")
    return tmp_path


def test_fix_spells_out_references(repo):
    (repo / "Dockerfile").write_text("FROM nginx:1.25 AS web\nFROM bitnami/redis:7\nFROM ghcr.io/a/b:1\n")
    assert main(["check", "-q"]) == 1
    assert main(["fix", "-q"]) == 0
    assert (repo / "Dockerfile").read_text() == (
        "FROM docker.io/library/nginx:1.25 AS web\nFROM docker.io/bitnami/redis:7\nFROM ghcr.io/a/b:1\n")
    assert main(["check", "-q"]) == 0


def test_fix_in_yaml_keeps_quotes_comments_and_crlf(repo):
    text = "services:\r\n  a:\r\n    image: \"nginx:1.25\"  # web\r\n  b:\r\n    image: redis:7\r\n"
    (repo / "compose.yaml").write_bytes(text.encode())
    assert main(["fix"]) == 0
    assert (repo / "compose.yaml").read_bytes().decode() == (
        "services:\r\n  a:\r\n    image: \"docker.io/library/nginx:1.25\"  # web\r\n"
        "  b:\r\n    image: docker.io/library/redis:7\r\n")


def test_fix_never_touches_variables_or_untagged_references(repo):
    text = "ARG TAG=1\nFROM nginx:${TAG}\n"
    (repo / "Dockerfile").write_text(text)
    assert main(["fix"]) == 0
    assert (repo / "Dockerfile").read_text() == text


def test_diff_changes_nothing(repo, capsys):
    (repo / "Dockerfile").write_text("FROM nginx:1.25\n")
    assert main(["fix", "--diff"]) == 0
    assert "Dockerfile:1: nginx:1.25 -> docker.io/library/nginx:1.25" in capsys.readouterr().out
    assert (repo / "Dockerfile").read_text() == "FROM nginx:1.25\n"


def test_diff_to_an_output_file(repo, capsys):
    (repo / "Dockerfile").write_text("FROM nginx:1.25\n")
    assert main(["fix", "--diff", "-o", "changes.txt"]) == 0
    assert capsys.readouterr().out == ""
    assert (repo / "changes.txt").read_text() == "Dockerfile:1: nginx:1.25 -> docker.io/library/nginx:1.25\n"
    assert (repo / "Dockerfile").read_text() == "FROM nginx:1.25\n"
    assert main(["fix", "--diff", "-o", str(repo / "missing" / "changes.txt")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_index_docker_io_folded_without_fully_qualified(repo):
    (repo / ".policylint.yaml").write_text("version: 1\n")
    (repo / "Dockerfile").write_text("FROM index.docker.io/library/nginx:1.25\n")
    assert main(["fix"]) == 0
    assert (repo / "Dockerfile").read_text() == "FROM docker.io/library/nginx:1.25\n"


def test_fix_rewrites_the_image_line_after_a_unicode_line_separator(repo):
    """libyaml counts U+2028 as a line break, editors do not: positions are counted at `\\n`, so
    the fix lands on the image, not on the comment below it that names the same image."""
    text = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    note: \"team\u2028ops\"\n"
            "spec:\n  containers:\n  - name: c\n    image: nginx:1.27\n    # note nginx:1.27 is the LTS line\n")
    (repo / "pod.yaml").write_text(text, encoding="utf-8")
    assert main(["fix", "-q"]) == 0
    assert (repo / "pod.yaml").read_text(encoding="utf-8") == text.replace(
        "    image: nginx:1.27", "    image: docker.io/library/nginx:1.27")


def test_fix_rewrites_an_anchored_image_after_its_anchor(repo):
    (repo / "compose.yaml").write_text("services:\n  a:\n    image: &img nginx:1.27\n  b:\n    image: *img\n")
    assert main(["fix", "-q"]) == 0
    assert (repo / "compose.yaml").read_text() == (
        "services:\n  a:\n    image: &img docker.io/library/nginx:1.27\n  b:\n    image: *img\n")


def test_fix_in_yaml_with_lone_cr_line_endings_keeps_every_line_break(repo):
    """YAML (libyaml) breaks lines at a lone CR too: fix finds the line the finding names, and
    writes back each line's own break."""
    text = "services:\r  a:\r    image: nginx:1.27  # x\r  b:\r\n    image: redis:7\r\n"
    (repo / "compose.yaml").write_bytes(text.encode())
    assert main(["fix", "-q"]) == 0
    assert (repo / "compose.yaml").read_bytes().decode() == text.replace(
        "nginx:1.27", "docker.io/library/nginx:1.27").replace("redis:7", "docker.io/library/redis:7")
