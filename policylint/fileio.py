"""Reading a file that someone else controls: a regular file only, bounded, never waiting.

Used for every file policylint reads (scanned files, the policy, a baseline): a FIFO is opened
without blocking and refused, a directory or device is refused, a file whose size is over the
limit is refused before it is read, and no more than `limit` bytes are ever read.
"""

from __future__ import annotations

import os
import stat
from typing import Optional


class UnusableFile(Exception):
    """The path is not a regular file of acceptable size.

    `reason` is "directory", "not-regular" or "too-large", so each caller can word its message;
    for "too-large", `size` is the size the file had when opened (None: it grew while being read).
    """

    def __init__(self, reason: str, size: Optional[int] = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.size = size


def read_regular_file(path: str | os.PathLike[str], limit: int, follow_links: bool = True) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them.

    With `follow_links` False a symbolic link is not opened (OSError). Raises UnusableFile for a
    directory, a FIFO, a device or a file over `limit` bytes, and OSError when the file cannot be
    opened or read.
    """
    if follow_links and os.path.isdir(path):
        raise UnusableFile("directory")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)  # a FIFO is never waited on
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise UnusableFile("directory")
        if not stat.S_ISREG(info.st_mode):
            raise UnusableFile("not-regular")
        if info.st_size > limit:
            raise UnusableFile("too-large", info.st_size)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise UnusableFile("too-large")
    return data
