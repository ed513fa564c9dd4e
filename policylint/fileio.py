"""Reading a file that someone else controls: a regular file only, bounded, never waiting.

Used for every file policylint reads (scanned files, the policy, a baseline): a FIFO is opened
without blocking and refused, a directory or device is refused, a file whose size is over the
limit is refused before it is read, and no more than `limit` bytes are ever read.
"""

from __future__ import annotations

import os
import stat

TYPE_CHECKING = False
if TYPE_CHECKING:
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
    flags |= getattr(os, "O_BINARY", 0)  # Windows: no newline translation
    # Plain descriptor reads sized from fstat: a buffered file object would cost a third of
    # the read time of a small file, and `read(limit + 1)` would allocate `limit` bytes first.
    descriptor = os.open(path, flags)
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise UnusableFile("directory")
        if not stat.S_ISREG(info.st_mode):
            raise UnusableFile("not-regular")
        if info.st_size > limit:
            raise UnusableFile("too-large", info.st_size)
        chunks = []
        total = 0
        wanted = info.st_size + 1  # one byte more than expected: a short read is the end
        while True:
            chunk = os.read(descriptor, min(wanted, limit + 1 - total))
            total += len(chunk)
            if total > limit:
                raise UnusableFile("too-large")
            if not chunk:
                break
            chunks.append(chunk)
            if len(chunk) < wanted:  # a regular file read short: its end, or it is being cut
                break
            wanted = 1 << 16  # the file grew since fstat: read on until its end or the limit
    finally:
        os.close(descriptor)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
