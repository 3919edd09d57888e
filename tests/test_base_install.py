"""Run inside a base-only install (EDGEQUANT_BASE_INSTALL=1, as .ci/run does): no TensorFlow at all,
and the README's device commands work from the installed console script.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(os.environ.get("EDGEQUANT_BASE_INSTALL") != "1",
                                reason="only meaningful in the base-only virtualenv that .ci/run builds")


def write_png(path: Path, image: np.ndarray) -> None:
    """A greyscale PNG, written by hand: the base install has no Pillow."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + row.tobytes() for row in image.astype(np.uint8))
    header = struct.pack(">IIBBBBB", image.shape[1], image.shape[0], 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
                     + chunk(b"IEND", b""))


def test_tensorflow_and_training_extras_are_absent() -> None:
    for module in ("tensorflow", "keras", "tf2onnx", "sklearn", "onnx"):
        proc = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
        assert proc.returncode != 0, f"{module} is installed in the base environment"


def test_readme_device_commands(released: Path, data_dir: Path, tmp_path: Path) -> None:
    from edgequant.train.datasets import load_dataset

    data = load_dataset("mnist", data_dir=data_dir)
    png = tmp_path / "digit.png"
    write_png(png, data.x_test[0])
    edgequant = shutil.which("edgequant", path=str(Path(sys.executable).parent))
    assert edgequant, "the console script is not installed"
    proc = subprocess.run([edgequant, "predict", str(released / "mnist"), str(png), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["predictions"][0]["label"] == str(data.y_test[0])
    for command in (["verify", str(released / "fashion-mnist")], ["eval", str(released / "mnist"), "--json"]):
        proc = subprocess.run([edgequant, *command], capture_output=True, text=True, timeout=300,
                              env={**os.environ, "EDGEQUANT_DATA": str(data_dir)})
        assert proc.returncode == 0, proc.stderr


def test_training_commands_name_the_extra(tmp_path: Path) -> None:
    edgequant = shutil.which("edgequant", path=str(Path(sys.executable).parent))
    proc = subprocess.run([edgequant, "train", "mnist"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and "pip install 'edgequant[train]'" in proc.stderr
