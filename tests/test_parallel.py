"""parallel.map_batches: forked workers and the calling process share out batches."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from policylint import parallel

pytestmark = pytest.mark.skipif(not parallel.fork_available(), reason="forked workers are not used here")


def _no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.mark.parametrize("workers", [1, 2, 3, 8])
def test_results_come_back_in_batch_order_whoever_computed_them(workers):
    batches = [list(range(index, index + index % 5)) for index in range(40)]

    def work(batch):
        time.sleep(0.002 * (len(batch) % 3))  # uneven work, so processes finish out of order
        return (sum(batch), os.getpid())

    results = parallel.map_batches(work, batches, workers)
    assert [total for total, _ in results] == [sum(batch) for batch in batches]
    assert len({pid for _, pid in results}) <= workers
    assert _no_children_left()


def test_every_process_takes_batches_until_none_are_left():
    parent = os.getpid()

    def work(batch):
        time.sleep(0.01)
        return os.getpid()

    results = parallel.map_batches(work, list(range(30)), 2)
    assert len(results) == 30
    assert {pid != parent for pid in results} == {True, False}


def test_an_exception_in_a_worker_is_raised_in_the_caller():
    parent = os.getpid()

    def work(batch):
        if os.getpid() != parent:
            raise LookupError(f"bad batch {batch}")
        time.sleep(0.02)  # leave batches for the worker
        return batch

    with pytest.raises(LookupError, match="bad batch"):
        parallel.map_batches(work, list(range(10)), 2)
    assert _no_children_left()


def test_an_exception_in_the_caller_stops_the_workers():
    parent = os.getpid()

    def work(batch):
        if os.getpid() == parent:
            raise ValueError("caller failed")
        time.sleep(5)  # a worker still busy when the caller gives up
        return batch

    started = time.monotonic()
    with pytest.raises(ValueError, match="caller failed"):
        parallel.map_batches(work, list(range(4)), 3)
    assert time.monotonic() - started < 4
    assert _no_children_left()


def test_a_worker_that_dies_is_an_error_not_missing_results():
    parent = os.getpid()

    def work(batch):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.02)
        return batch

    with pytest.raises(RuntimeError, match="killed by signal 9"):
        parallel.map_batches(work, list(range(10)), 2)
    assert _no_children_left()


def test_batch_count_is_bounded_so_every_number_fits_in_the_pipe():
    with pytest.raises(ValueError):
        parallel.map_batches(len, [[1]] * (parallel.MAX_BATCHES + 1), 2)
    with pytest.raises(ValueError):
        parallel.map_batches(len, [], 2)
    assert parallel.map_batches(len, [[1]] * parallel.MAX_BATCHES, 2) == [1] * parallel.MAX_BATCHES


def test_workers_never_flush_what_the_caller_had_buffered():
    """A forked worker holds a copy of the caller's unflushed output; it must exit without
    writing it, or the output would appear twice."""
    script = textwrap.dedent("""
        import sys, time
        from policylint import parallel
        sys.stdout.write("once\\n")  # still in the buffer: stdout is a pipe
        parallel.map_batches(lambda batch: time.sleep(0.01) or batch, list(range(8)), 3)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "once\n"


def test_without_a_temporary_folder_the_caller_does_all_the_work(monkeypatch):
    import tempfile

    def refuse(*args):
        raise PermissionError("read-only /tmp")

    monkeypatch.setattr(os, "memfd_create", refuse, raising=False)
    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    assert parallel.map_batches(lambda batch: (batch, os.getpid()), [1, 2, 3], 3) == \
        [(1, os.getpid()), (2, os.getpid()), (3, os.getpid())]


def test_when_no_more_processes_can_be_started_the_ones_running_finish_the_work(monkeypatch):
    real_fork = os.fork
    forks = []

    def fork_once():
        if forks:
            raise BlockingIOError("Resource temporarily unavailable")
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(parallel.os, "fork", fork_once)
    assert parallel.map_batches(lambda batch: batch * 2, list(range(50)), 4) == [index * 2 for index in range(50)]
    assert forks == [1]
    assert _no_children_left()


def test_results_come_back_through_a_temporary_file_where_there_is_no_memory_file(monkeypatch):
    def refuse(*args):
        raise OSError("memfd_create: function not implemented")

    monkeypatch.setattr(os, "memfd_create", refuse, raising=False)
    batches = list(range(12))
    results = parallel.map_batches(lambda batch: time.sleep(0.02) or (batch * 2, os.getpid()), batches, 3)
    assert [value for value, _ in results] == [batch * 2 for batch in batches]
    assert len({pid for _, pid in results}) > 1  # the workers did some of it
