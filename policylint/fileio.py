"""Reading a file that someone else controls: a regular file only, bounded, never waiting.

Used for the files policylint reads besides scanned ones (the policy, a baseline): a FIFO is
opened without blocking and refused, a directory or device is refused, and no more than
`limit` bytes are ever read.
"""

from __future__ import annotations

import os
import stat


class UnusableFile(Exception):
    """The path is not a regular file of acceptable size.

    `reason` is "directory", "not-regular" or "too-large", so each caller can word its message.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_regular_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them.

    Raises UnusableFile for a directory, a FIFO, a device or a file over `limit` bytes, and
    OSError when the file cannot be opened or read.
    """
    if os.path.isdir(path):
        raise UnusableFile("directory")
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO is never waited on
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise UnusableFile("not-regular")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise UnusableFile("too-large")
    return data
