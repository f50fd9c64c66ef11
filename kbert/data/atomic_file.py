"""Files that appear whole or not at all."""

import contextlib
import os
from pathlib import Path


@contextlib.contextmanager
def atomic_write(path, mode="w", **open_kwargs):
    """Opens a private file beside `path` that replaces `path` on success.

    The temporary name carries the process id, so two processes writing the
    same file (two workers of one run) never write into each other's, and a
    reader sees the old file, or none, until the new one is complete. On an
    exception the temporary file is removed and `path` is left as it was.

    Args:
        path: the file to write.
        mode: "w" or "wb".
        **open_kwargs: passed to `open` (e.g. `encoding`).
    """
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, mode, **open_kwargs) as file:
            yield file
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
