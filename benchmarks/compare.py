"""Compare two benchmark result files: p95 per matching configuration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from edgequant.runtime.errors import InputError

KEY = ("model", "format", "kind", "threads", "batch")


def load_results(path: Path) -> list[dict[str, Any]]:
    """Rows from a single bench result or a matrix file (which holds several)."""
    if not Path(path).is_file():
        raise InputError(f"result file {path} does not exist", expected="a JSON file from edgequant bench --json",
                         got="no such file", fix="check the path")
    try:
        data = json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not JSON", expected="a bench result", got=str(exc), fix="re-run the bench") \
            from None
    results = data.get("results", [data]) if isinstance(data, dict) else []
    rows = [row for result in results for row in result.get("rows", [])]
    if not rows:
        raise InputError(f"{path} holds no benchmark rows", expected="'rows' (bench) or 'results' (matrix)",
                         got=", ".join(data) if isinstance(data, dict) else type(data).__name__,
                         fix="pass a file written by edgequant bench --json or the matrix script")
    return rows


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]], *, threshold: float) -> list[dict[str, Any]]:
    """Rows present in both, with the relative p95 change and whether it exceeds ``threshold``."""
    old = {tuple(r[k] for k in KEY): r for r in before}
    out = []
    for r in after:
        key = tuple(r[k] for k in KEY)
        if key not in old:
            continue
        b, a = old[key]["latency_s"]["p95"], r["latency_s"]["p95"]
        change = a / b - 1
        out.append({**dict(zip(KEY, key, strict=True)), "before": b, "after": a, "change": change,
                    "regressed": change > threshold})
    return out
