"""Checks for optional dependencies, with the pip command that fixes them."""

from __future__ import annotations

import importlib.util
import os

from edgequant.runtime.errors import BackendUnavailableError


def require(module: str, *, extra: str, purpose: str) -> None:
    """Raise a typed error naming the install command when ``module`` is not importable."""
    if importlib.util.find_spec(module) is None:
        raise BackendUnavailableError(
            f"{purpose} needs the '{module}' package", expected=f"{module} importable",
            got="not installed", fix=f"pip install 'edgequant[{extra}]'")


def require_training() -> None:
    """Training and export need TensorFlow; silence its C++ start-up chatter before it loads."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # its E-level start-up noise is harmless
    require("tensorflow", extra="train", purpose="training and export")
