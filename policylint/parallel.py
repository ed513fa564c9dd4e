"""Large runs on several cores: forked workers and this process share out batches of files.

Used where `os.fork` is safe (Linux and the other POSIX systems but macOS). Compared with
`concurrent.futures.ProcessPoolExecutor` it imports nothing heavy (the executor, with
multiprocessing and logging, costs a twentieth of a corpus run), sends nothing to the
workers (they inherit the batches), and keeps this process working instead of waiting.

The batch numbers are written to a pipe before any worker starts; every process, this one
included, reads them four bytes at a time until the pipe is empty, so a process that gets
small batches simply takes more. Each worker writes its results, or the exception that
stopped it, to its own anonymous file (in memory on Linux, else a temporary file), which this
process reads once the worker has exited.
Results come back in the order of the batches, whoever computed them.
"""

from __future__ import annotations

import os
import pickle
import struct

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Callable, Dict, Iterator, List, Sequence, Tuple, TypeVar

    Batch = TypeVar("Batch")
    Result = TypeVar("Result")


_TASK = struct.Struct("<I")
# Every batch number is in the pipe before the first worker starts, so they must all fit in
# its buffer (64 KiB on Linux, at least 4 KiB where POSIX says no more, PIPE_BUF = 512 bytes
# is the guaranteed-atomic write): callers keep the count at or under this.
MAX_BATCHES = 1000


def fork_available() -> bool:
    """Whether forked workers may be used here (never on macOS, where fork is unsafe)."""
    import sys

    return hasattr(os, "fork") and sys.platform != "darwin"


def map_batches(function: Callable[[Batch], Result], batches: Sequence[Batch], workers: int) -> List[Result]:
    """`[function(batch) for batch in batches]`, computed by `workers` processes in all (this
    one included). An exception raised by `function` in any process is raised here."""
    if not 0 < len(batches) <= MAX_BATCHES:
        raise ValueError(f"between 1 and {MAX_BATCHES} batches, not {len(batches)}")
    outputs: List[IO[bytes]] = []
    try:
        for _ in range(min(workers, len(batches)) - 1):
            outputs.append(_result_file())
    except OSError:  # no memory file and no writable temporary folder: this process does it all
        for output in outputs:
            output.close()
        return [function(batch) for batch in batches]
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, b"".join(_TASK.pack(index) for index in range(len(batches))))
    finally:
        os.close(write_end)  # no process holds a write end: an empty pipe reads as the end
    children: List[Tuple[int, IO[bytes]]] = []
    try:
        for output in outputs:
            try:
                pid = os.fork()
            except OSError:  # the process limit: the workers started so far and this one do it
                break
            if pid == 0:  # pragma: no cover - runs in the child, which never returns
                _work_and_exit(function, batches, read_end, output)
            children.append((pid, output))
        results: Dict[int, Result] = {index: function(batches[index]) for index in _tasks(read_end)}
        while children:
            pid, output = children.pop(0)
            results.update(_collect(pid, output))
    finally:
        os.close(read_end)
        for pid, _ in children:  # only when this process failed or was interrupted
            _stop(pid)
        for output in outputs:
            output.close()  # closing twice is harmless
    return [results[index] for index in range(len(batches))]


def _result_file() -> IO[bytes]:
    """A file for one worker's results, gone once closed: in memory where Linux offers it
    (memfd_create), else in the temporary folder. The tempfile module, which the first needs
    not, costs a parallel run a tenth of its start."""
    create = getattr(os, "memfd_create", None)
    if create is not None:
        try:
            return os.fdopen(create("policylint-results", getattr(os, "MFD_CLOEXEC", 0)), "w+b")
        except OSError:  # an old kernel, or a sandbox that refuses it
            pass
    import tempfile

    return tempfile.TemporaryFile()  # noqa: SIM115 - closed by map_batches or _collect


def _tasks(read_end: int) -> Iterator[int]:
    while True:
        data = os.read(read_end, _TASK.size)  # all written at once, all read four bytes at a time
        if not data:
            return
        yield _TASK.unpack(data)[0]


def _work_and_exit(function: Callable[[Batch], Result], batches: Sequence[Batch], read_end: int,
                   output: IO[bytes]) -> None:  # pragma: no cover - runs in the child
    """The worker: never returns into the caller's code, never flushes its inherited buffers."""
    code = 0
    try:
        results = {index: function(batches[index]) for index in _tasks(read_end)}
        pickle.dump((True, results), output, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as error:  # KeyboardInterrupt too: the parent reports it
        code = 1
        try:
            pickle.dump((False, error), output, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            pass
    finally:
        try:
            output.flush()
        finally:
            os._exit(code)


def _collect(pid: int, output: IO[bytes]) -> Dict[int, Result]:
    """The results of a worker that has exited, or its exception raised here."""
    _, status = os.waitpid(pid, 0)
    try:
        output.seek(0)
        finished, payload = pickle.load(output)
    except Exception:
        raise RuntimeError(f"a worker process ended without a result ({_describe(status)})") from None
    finally:
        output.close()
    if not finished:
        raise payload
    return payload


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.WEXITSTATUS(status) if os.WIFEXITED(status) else status}"


def _stop(pid: int) -> None:
    import signal

    try:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    except OSError:
        pass
