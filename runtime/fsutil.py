"""Crash-safe writes: every file goes to a temp file beside its target, then os.replace."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from edgequant.runtime.errors import OutputPathError

TMP_PREFIX = ".edgequant-tmp-"


def _raise_output_error(path: Path, exc: OSError) -> None:
    reason = {errno.ENOSPC: "the disk is full", errno.EROFS: "the file system is read-only",
              errno.EACCES: "permission denied", errno.EPERM: "permission denied"}.get(
        exc.errno, exc.strerror or str(exc))
    raise OutputPathError(f"cannot write {path}", expected="a writable directory with free space",
                          got=reason, fix="choose another --out or free space / fix permissions") from exc


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write bytes to ``path`` atomically; the old file survives any failure."""
    path = Path(path)
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        if tmp_name and os.path.exists(tmp_name):
            os.unlink(tmp_name)
        _raise_output_error(path, exc)
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def remove_stray_temps(folder: str | os.PathLike) -> list[Path]:
    """Delete temp files a killed writer left behind; returns what was removed."""
    folder = Path(folder)
    removed = []
    if folder.is_dir():
        for p in folder.glob(TMP_PREFIX + "*"):
            if p.is_file():
                p.unlink(missing_ok=True)
                removed.append(p)
    return removed
