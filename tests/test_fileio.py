"""The bounded reader every scanned file, policy and baseline goes through."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from policylint import fileio
from policylint.fileio import UnusableFile, read_regular_file


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 65537, 200_000])
def test_reads_whole_files_of_any_size(tmp_path: Path, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    (tmp_path / "f").write_bytes(data)
    assert read_regular_file(tmp_path / "f", 1 << 20) == data


def test_a_file_exactly_at_the_limit_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    (tmp_path / "at").write_bytes(b"a" * 100)
    (tmp_path / "over").write_bytes(b"a" * 101)
    assert read_regular_file(tmp_path / "at", 100) == b"a" * 100
    with pytest.raises(UnusableFile) as problem:
        read_regular_file(tmp_path / "over", 100)
    assert (problem.value.reason, problem.value.size) == ("too-large", 101)


def _stale_size(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """Make fstat report `size`, as if the file changed between fstat and read."""
    real = os.fstat

    class Stale:
        def __init__(self, info: os.stat_result) -> None:
            self.st_mode = info.st_mode
            self.st_size = size

    monkeypatch.setattr(fileio.os, "fstat", lambda fd: Stale(real(fd)))


def test_a_file_that_grew_after_fstat_is_read_to_its_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"0123456789" * 30_000
    (tmp_path / "f").write_bytes(data)
    _stale_size(monkeypatch, 10)
    assert read_regular_file(tmp_path / "f", 1 << 20) == data


def test_a_file_that_grew_past_the_limit_is_refused_without_reading_it_all(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "f").write_bytes(b"x" * 500_000)
    _stale_size(monkeypatch, 10)
    reads = []
    real_read = os.read
    monkeypatch.setattr(fileio.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    with pytest.raises(UnusableFile) as problem:
        read_regular_file(tmp_path / "f", 1000)
    assert (problem.value.reason, problem.value.size) == ("too-large", None)
    assert sum(reads) <= 1001


def test_a_file_cut_short_after_fstat_gives_what_is_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "f").write_bytes(b"short")
    _stale_size(monkeypatch, 1000)
    assert read_regular_file(tmp_path / "f", 1 << 20) == b"short"


def test_directories_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnusableFile) as problem:
        read_regular_file(tmp_path, 100)
    assert problem.value.reason == "directory"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(UnusableFile) as problem:
        read_regular_file(tmp_path / "pipe", 100)
    assert problem.value.reason == "not-regular"


@pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="needs O_NOFOLLOW")
def test_links_are_not_opened_when_asked(tmp_path: Path) -> None:
    (tmp_path / "target").write_bytes(b"data")
    (tmp_path / "link").symlink_to("target")
    assert read_regular_file(tmp_path / "link", 100) == b"data"
    with pytest.raises(OSError):
        read_regular_file(tmp_path / "link", 100, follow_links=False)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_no_descriptor_is_left_open_on_any_path(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * 200)
    (tmp_path / "ok").write_bytes(b"x")
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(50):
        read_regular_file(tmp_path / "ok", 100)
        for path in (tmp_path / "big", tmp_path):
            with pytest.raises(UnusableFile):
                read_regular_file(path, 100, follow_links=False)
    assert len(os.listdir("/proc/self/fd")) == before
