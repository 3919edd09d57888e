"""The parity gate: run each artifact through the runtime on the full test set, compare with Keras.

Unlike a warning-only tolerance check, a miss here is an error: the bundle is not written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from edgequant.export.heads import tie_rate
from edgequant.runtime.formats import FORMATS

FLIPS_SHOWN = 10


@dataclass(frozen=True)
class Gate:
    """Per-artifact thresholds (configurable from the CLI)."""

    max_accuracy_drop: float = 0.005   # 0.5 points
    min_agreement: float = 0.99        # top-1 agreement with the float Keras model
    float_atol: float = 1e-4           # float artifacts: max |delta probability| vs Keras


@dataclass
class ArtifactParity:
    format: str
    accuracy: float
    accuracy_delta: float
    agreement: float
    max_abs_prob_diff: float
    recall_delta: list[float]
    flipped_ids: list[int]
    tie_rate: float
    size_bytes: int
    head: str
    failures: list[str] = field(default_factory=list)
    repair: dict[str, Any] | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class ParityReport:
    model: str
    test_samples: int
    reference_accuracy: float
    gate: Gate
    calibration: dict[str, Any]
    artifacts: dict[str, ArtifactParity] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(a.passed for a in self.artifacts.values())

    def failures(self) -> list[str]:
        return [f"{fmt}: {f}" for fmt, a in self.artifacts.items() for f in a.failures]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        for fmt, art in self.artifacts.items():
            data["artifacts"][fmt]["passed"] = art.passed
        return data

    def size_ratio(self, fmt: str) -> float:
        """Artifact size over its float counterpart's (int8 vs f32, onnx-int8 vs onnx)."""
        reference = {"int8": "f32", "onnx-int8": "onnx"}.get(fmt, fmt)
        if reference not in self.artifacts:
            return 1.0
        return self.artifacts[fmt].size_bytes / self.artifacts[reference].size_bytes


def _recall(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    support = np.bincount(y_true, minlength=n_classes)
    hits = np.bincount(y_true[y_pred == y_true], minlength=n_classes)
    return np.divide(hits, support, out=np.zeros(n_classes), where=support > 0)


def compare(fmt: str, probs: np.ndarray, reference: np.ndarray, y_true: np.ndarray, gate: Gate, *,
            size_bytes: int, head: str) -> ArtifactParity:
    """Metrics and gate verdict for one artifact's test-set probabilities."""
    n_classes = reference.shape[1]
    pred, ref_pred = probs.argmax(axis=1), reference.argmax(axis=1)
    accuracy, ref_accuracy = float(np.mean(pred == y_true)), float(np.mean(ref_pred == y_true))
    result = ArtifactParity(
        format=fmt, accuracy=accuracy, accuracy_delta=accuracy - ref_accuracy,
        agreement=float(np.mean(pred == ref_pred)),
        max_abs_prob_diff=float(np.max(np.abs(probs - reference))),
        recall_delta=(_recall(y_true, pred, n_classes) - _recall(y_true, ref_pred, n_classes)).tolist(),
        flipped_ids=np.flatnonzero(pred != ref_pred)[:FLIPS_SHOWN].tolist(),
        tie_rate=tie_rate(probs), size_bytes=size_bytes, head=head)
    if -result.accuracy_delta > gate.max_accuracy_drop + 1e-12:
        result.failures.append(f"accuracy drop {-result.accuracy_delta * 100:.2f} points > "
                               f"{gate.max_accuracy_drop * 100:.2f}")
    if result.agreement < gate.min_agreement:
        result.failures.append(f"top-1 agreement {result.agreement:.4f} < {gate.min_agreement}")
    if not FORMATS[fmt].quantized and result.max_abs_prob_diff > gate.float_atol:
        result.failures.append(f"max |delta probability| {result.max_abs_prob_diff:.2e} > {gate.float_atol:.0e}")
    return result


def evaluate(bundle_dir: Path, fmt: str, x_raw: np.ndarray, y_true: np.ndarray, reference: np.ndarray,
             gate: Gate) -> ArtifactParity:
    """Run ``fmt`` of the bundle through the runtime (not TensorFlow) and compare with ``reference``."""
    from edgequant.runtime import load

    model = load(bundle_dir, format=fmt)
    probs = model.predict(x_raw)
    return compare(fmt, probs, reference, y_true, gate, size_bytes=model.size_bytes,
                   head=model.artifact["output"]["kind"])


def to_markdown(report: ParityReport) -> str:
    """parity.md: the table, what was repaired and why, and the quantization diagnostics."""
    g = report.gate
    lines = [f"# Parity: {report.model}", "",
             f"Reference: float Keras model, test accuracy {report.reference_accuracy:.4f} on "
             f"{report.test_samples} test samples. Gate per artifact: accuracy drop <= "
             f"{g.max_accuracy_drop * 100:.2f} points, top-1 agreement >= {g.min_agreement * 100:.1f}%, "
             f"float artifacts max |delta p| <= {g.float_atol:.0e}.", "",
             "| artifact | head | accuracy | delta (points) | agreement | max abs delta p | tie rate | size | "
             "size vs float | verdict |", "|---|---|---|---|---|---|---|---|---|---|"]
    for fmt, a in report.artifacts.items():
        verdict = "pass" if a.passed else "**FAIL**: " + "; ".join(a.failures)
        lines.append(f"| {fmt} | {a.head} | {a.accuracy:.4f} | {a.accuracy_delta * 100:+.2f} | "
                     f"{a.agreement * 100:.2f}% | {a.max_abs_prob_diff:.2e} | {a.tie_rate * 100:.2f}% | "
                     f"{a.size_bytes:,} B | {report.size_ratio(fmt):.2f}x | {verdict} |")
    lines += ["", "## Repairs", ""]
    repairs = [(fmt, a.repair) for fmt, a in report.artifacts.items() if a.repair]
    if not repairs:
        lines.append("None needed.")
    for fmt, r in repairs:
        outcome = (f"Repaired: logits exported, {r['activation']} applied in float by the runtime."
                   if r["applied"] else "Not applied.")
        lines.append(f"- **{fmt}**: {r['reason']} Naive head: accuracy {r['naive_accuracy']:.4f}, agreement "
                     f"{r['naive_agreement'] * 100:.2f}%, ties {r['naive_tie_rate'] * 100:.2f}%. Logits head: "
                     f"accuracy {r['logits_accuracy']:.4f}, agreement {r['logits_agreement'] * 100:.2f}%, ties "
                     f"{r['logits_tie_rate'] * 100:.2f}%. {outcome}")
    c = report.calibration
    lines += ["", "## Quantization diagnostics", "",
              f"- calibration: {c['samples']} training samples drawn with seed {c['seed']}",
              "- naive int8 head tie rate (fraction of test samples whose top two quantized scores are "
              "equal): " + ", ".join(f"{fmt} {a.repair['naive_tie_rate'] * 100:.2f}%" if a.repair
                                     else f"{fmt} {a.tie_rate * 100:.2f}%"
                                     for fmt, a in report.artifacts.items() if FORMATS[fmt].quantized),
              "- per-class recall change vs float (points): " + "; ".join(
                  f"{fmt} [{', '.join(f'{d * 100:+.1f}' for d in a.recall_delta)}]"
                  for fmt, a in report.artifacts.items()),
              "- first flipped test ids: " + "; ".join(
                  f"{fmt} {a.flipped_ids or '-'}" for fmt, a in report.artifacts.items()), ""]
    return "\n".join(lines)
