"""Threads at scale per backend, and the CLI's one-line errors for bad paths."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from edgequant.runtime import load
from edgequant.runtime.cli import app


@pytest.mark.parametrize("fmt", ["int8", "onnx-int8"])  # one artifact per backend: LiteRT, ONNX Runtime
def test_eight_threads_thousand_calls(released: Path, fmt: str) -> None:
    model = load(released / "fashion-mnist", format=fmt)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(64, 28, 28), dtype=np.uint8)
    serial = np.stack([model.predict(x[i % 64]) for i in range(1000)])
    out: dict[int, np.ndarray] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            out[k] = np.stack([model.predict(x[i % 64]) for i in range(1000)])
        except BaseException as exc:  # surfaced below; a thread must not swallow it
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k in range(8):
        np.testing.assert_array_equal(out[k], serial)


@pytest.mark.parametrize("command", ["info", "verify", "eval", "bench"])
def test_missing_bundle_is_one_line_exit_2(command: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [command, str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.output and "Traceback" not in result.output


def test_file_instead_of_bundle(tmp_path: Path) -> None:
    path = tmp_path / "model.tflite"
    path.write_bytes(b"x")
    result = CliRunner().invoke(app, ["info", str(path)])
    assert result.exit_code == 2 and "not a bundle folder" in result.output


def test_bad_bench_lists(released: Path) -> None:
    result = CliRunner().invoke(app, ["bench", str(released / "mnist"), "--batch", "1,x"])
    assert result.exit_code == 2 and "positive integers" in result.output
