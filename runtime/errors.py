"""Every error edgequant raises on purpose, in one place.

Each carries what was expected, what was received and how to fix it, so the
CLI can print one line and exit 2 while the Python API keeps a typed error.
"""

from __future__ import annotations


class EdgequantError(Exception):
    """Base class: ``expected``, ``got`` and ``fix`` make the one-line message."""

    exit_code = 2

    def __init__(self, what: str, *, expected: str | None = None, got: str | None = None,
                 fix: str | None = None) -> None:
        self.what = what
        self.expected = expected
        self.got = got
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        parts = [self.what]
        if self.expected is not None:
            parts.append(f"expected {self.expected}")
        if self.got is not None:
            parts.append(f"got {self.got}")
        text = "; ".join(parts)
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


class InputError(EdgequantError, ValueError):
    """An input array or file does not match what the model takes."""


class ManifestError(EdgequantError):
    """manifest.json is missing, malformed, or names something unsafe."""


class IntegrityError(EdgequantError):
    """A model file's bytes differ from what the manifest promises."""


class ModelFileError(EdgequantError):
    """A model file is not a valid TFLite/ONNX file (checked before native code runs)."""


class BackendUnavailableError(EdgequantError, ImportError):
    """The inference backend an artifact needs is not installed or does not work."""


class FormatError(EdgequantError, ValueError):
    """An unknown artifact format or backend name."""


class DatasetError(EdgequantError):
    """A dataset could not be found or its files are corrupt."""


class UnknownModelError(EdgequantError, KeyError):
    """A model name that is not in the registry."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.one_line()


class ExportError(EdgequantError):
    """An export step failed; the previous bundle is left untouched."""


class ParityError(ExportError):
    """An artifact failed the parity gate; the bundle was not written. ``report`` holds the details."""

    report: object = None


class IsolationError(EdgequantError):
    """A model crashed the isolated child process that probed it."""


class OutputPathError(EdgequantError):
    """An output location cannot be written (read-only, full, not a directory)."""
