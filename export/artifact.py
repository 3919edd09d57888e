"""What every exporter returns, and the shared description of an export source."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ExportSource:
    """A Keras model plus what exporters need to know about its input.

    ``head`` is "probabilities" (the model as trained) or "logits" (activation removed,
    applied by the runtime in float); ``activation`` is the head's activation.
    """

    model: Any
    tensor_shape: tuple[int, ...]
    raw_dtype: str
    head: str
    activation: str

    @property
    def runtime_activation(self) -> str:
        """What the runtime must apply after this artifact's output."""
        return self.activation if self.head == "logits" else "none"


@dataclass
class Artifact:
    format: str
    path: Path
    head: str
    activation: str  # applied by the runtime after the output
    notes: dict[str, Any] = field(default_factory=dict)
