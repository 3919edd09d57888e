"""An export that is killed, interrupted, or cannot write never costs the previous bundle."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edgequant.export import bundle as bundle_module
from edgequant.export.bundle import export_bundle
from edgequant.runtime import fsutil
from edgequant.runtime.checks import verify_bundle
from edgequant.runtime.errors import OutputPathError
from edgequant.train.registry import REGISTRY

EXPORT = """
import sys
from pathlib import Path
from edgequant.export.bundle import export_bundle
from edgequant.train.registry import REGISTRY
export_bundle(REGISTRY["mnist"], run_dir=Path(sys.argv[1]), out_dir=Path(sys.argv[2]), calibration_size=100)
"""


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_sigkill_mid_export_keeps_the_old_bundle(short_runs: Path, bundle_copy) -> None:
    target = bundle_copy("mnist")
    before = snapshot(target)
    proc = subprocess.Popen([sys.executable, "-c", EXPORT, str(short_runs / "mnist"), str(target)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    staging = None
    while time.monotonic() < deadline and proc.poll() is None:  # kill once artifacts are being written
        staging = next(target.parent.glob(".mnist.staging-*"), None)
        if staging is not None and any(staging.iterdir()):
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the export finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert snapshot(target) == before
    assert all(c.ok for c in verify_bundle(target))
    assert staging is not None and staging.exists()  # the stray is still there ...
    removed = bundle_module.recover(target)  # ... until the next run cleans it up
    assert staging in removed and not staging.exists()
    assert snapshot(target) == before


@pytest.mark.parametrize("err, words", [(errno.ENOSPC, "disk is full"), (errno.EROFS, "read-only")])
def test_full_or_read_only_output(short_runs: Path, bundle_copy, monkeypatch: pytest.MonkeyPatch, err: int,
                                  words: str) -> None:
    target = bundle_copy("breast-cancer")
    before = snapshot(target)

    def refuse(*args, **kwargs):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(fsutil.tempfile, "mkstemp", refuse)  # every atomic write fails as the OS would
    with pytest.raises(OutputPathError, match=words):
        export_bundle(REGISTRY["breast-cancer"], run_dir=short_runs / "breast-cancer", out_dir=target)
    assert snapshot(target) == before


def test_atomic_write_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "manifest.json"
    target.write_text("old")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fsutil.os, "fsync", full)
    with pytest.raises(OutputPathError, match="disk is full"):
        fsutil.atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_stray_temp_files_are_removed(tmp_path: Path) -> None:
    (tmp_path / f"{fsutil.TMP_PREFIX}abc").write_text("partial")
    (tmp_path / "keep.txt").write_text("x")
    assert [p.name for p in fsutil.remove_stray_temps(tmp_path)] == [f"{fsutil.TMP_PREFIX}abc"]
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
