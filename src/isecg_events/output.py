"""Writing outputs atomically: all of them, or none.

Every file is first written to a temporary file beside its target; only when
all of them are written are they moved into place with :func:`os.replace`. A
failed run leaves earlier outputs byte-identical.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from isecg_events.errors import ExportError

__all__ = ["write_all"]


def write_all(outputs: Iterable[tuple[Path, bytes]]) -> list[Path]:
    """Write every (path, content) pair atomically, or none of them.

    Folders under a target are created; the target folder's own parent must
    exist.

    Returns:
        The paths written, in order.

    Raises:
        ExportError: a folder is missing, read-only or not a folder, or a
            file cannot be written; no target has been changed.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, content in outputs:
            staged.append((_stage(path, content), path))
        for temporary, path in staged:
            os.replace(temporary, path)
    except OSError as error:
        raise ExportError(_describe(error)) from None
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
    return [path for _, path in staged]


def _stage(path: Path, content: bytes) -> Path:
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(20, "not a folder", str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        raise IsADirectoryError(21, "is a folder, not a file", str(path))
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(name, 0o644)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _describe(error: OSError) -> str:
    where = error.filename or ""
    reason = error.strerror or str(error)
    return f"{where}: {reason}" if where else reason
