"""Helpers for hostile-input tests: a private copy of a released bundle that a test may damage."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def bundle_copy(released: Path, tmp_path: Path):
    """Return a function name -> path of a fresh copy of models/<name>."""

    def copy(name: str = "mnist") -> Path:
        target = tmp_path / name
        shutil.copytree(released / name, target)
        return target

    return copy
