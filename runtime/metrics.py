"""Classification metrics in plain numpy (the runtime has no scikit-learn)."""

from __future__ import annotations

from typing import Any

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Rows are true classes, columns predicted classes."""
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)), 1)
    return cm


def per_class(cm: np.ndarray) -> dict[str, list[float]]:
    """Precision, recall, F1 and support per class from a confusion matrix."""
    tp = np.diag(cm).astype(np.float64)
    predicted = cm.sum(axis=0)
    actual = cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return {"precision": precision.tolist(), "recall": recall.tolist(), "f1": f1.tolist(),
            "support": actual.tolist()}


def classification_summary(y_true: np.ndarray, probs: np.ndarray) -> dict[str, Any]:
    """Accuracy, confusion matrix and per-class scores for probabilities (N, C)."""
    y_pred = np.argmax(probs, axis=1)
    cm = confusion_matrix(y_true, y_pred, probs.shape[1])
    return {"accuracy": float(np.mean(y_pred == y_true)), "confusion_matrix": cm.tolist(),
            "per_class": per_class(cm)}


def classification_report_text(summary: dict[str, Any], labels: list[str]) -> str:
    """sklearn-style classification report, as the original notebooks print it."""
    pc = summary["per_class"]
    width = max(12, *(len(label) for label in labels))
    lines = [f"{'':>{width}} precision    recall  f1-score   support", ""]
    for i, label in enumerate(labels):
        lines.append(f"{label:>{width}} {pc['precision'][i]:9.4f} {pc['recall'][i]:9.4f} "
                     f"{pc['f1'][i]:9.4f} {int(pc['support'][i]):9d}")
    total = int(sum(pc["support"]))
    lines += ["", f"{'accuracy':>{width}} {'':9} {'':9} {summary['accuracy']:9.4f} {total:9d}"]
    macro = [float(np.mean(pc[k])) for k in ("precision", "recall", "f1")]
    weights = np.asarray(pc["support"], dtype=np.float64) / max(total, 1)
    weighted = [float(np.dot(pc[k], weights)) for k in ("precision", "recall", "f1")]
    lines.append(f"{'macro avg':>{width}} {macro[0]:9.4f} {macro[1]:9.4f} {macro[2]:9.4f} {total:9d}")
    lines.append(f"{'weighted avg':>{width}} {weighted[0]:9.4f} {weighted[1]:9.4f} {weighted[2]:9.4f} "
                 f"{total:9d}")
    return "\n".join(lines)
