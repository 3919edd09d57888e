"""Render benchmark results: rich table, Markdown tables, CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from rich.table import Table

US = 1e6


def _fmt(value: float | None, spec: str = ".2f", suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def _ratio_for(result: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    for r in result["ratios"]:
        if (r["format"], r["threads"], r["batch"]) == (row["format"], row["threads"], row["batch"]):
            return r
    return {}


def _bare_p50(result: dict[str, Any], row: dict[str, Any]) -> float | None:
    for r in result["rows"]:
        if r["kind"] == "bare" and (r["format"], r["threads"], r["batch"]) == (row["format"], row["threads"],
                                                                               row["batch"]):
            return r["latency_s"]["p50"]
    return None


HEADERS = ("model", "format", "threads", "batch", "p50 us", "p95 us", "p99 us", "bare p50 us", "overhead x",
           "numpy loop x", "vs Keras predict x", "int8 vs f32 x", "samples/s", "accuracy", "size KB")


def table_rows(result: dict[str, Any]) -> list[list[str]]:
    rows = []
    for r in (r for r in result["rows"] if r["kind"] == "runtime"):
        lat, ratio = r["latency_s"], _ratio_for(result, r)
        rows.append([r["model"], r["format"], str(r["threads"]), str(r["batch"]), _fmt(lat["p50"] * US, ".1f"),
                     _fmt(lat["p95"] * US, ".1f"), _fmt(lat["p99"] * US, ".1f"),
                     _fmt((_bare_p50(result, r) or 0) * US or None, ".1f"), _fmt(ratio.get("overhead_vs_bare")),
                     _fmt(ratio.get("numpy_loop_overhead_vs_bare")),
                     _fmt(ratio.get("speedup_vs_keras_predict"), ".0f"), _fmt(ratio.get("int8_speedup_vs_f32")),
                     _fmt(r["throughput_sps"], ",.0f"), _fmt(r["accuracy"], ".4f"),
                     _fmt(r["size_bytes"] / 1024 if r["size_bytes"] else None, ".1f")])
    return rows


COMPACT = ("format", "threads", "batch", "p50 us", "bare p50 us", "overhead x", "numpy loop x",
           "vs Keras predict x", "samples/s", "accuracy")


def rich_table(result: dict[str, Any]) -> Table:
    """The terminal view: the columns that fit 80 characters (files get them all)."""
    keep = [HEADERS.index(h) for h in COMPACT]
    table = Table(*(h.replace(" x", "\nx").replace(" us", "\nus") for h in COMPACT),
                  title=f"{result['model']}: latency per call, baselines measured in the same run")
    for row in table_rows(result):
        table.add_row(*(row[i] for i in keep))
    return table


def markdown_table(results: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for result in results:
        lines += ["| " + " | ".join(row) + " |" for row in table_rows(result)]
    return "\n".join(lines)


def cold_start_table(results: list[dict[str, Any]]) -> str:
    lines = ["| model | what | import s | load s | first inference ms | total s | peak RSS MB |",
             "|---|---|---|---|---|---|---|"]
    for result in results:
        for what, c in result["cold_start"].items():
            if not c:
                continue
            lines.append(f"| {result['model']} | {what} | {c['import_s']:.3f} | {_fmt(c.get('load_s'), '.3f')} | "
                         f"{_fmt(c['first_inference_s'] * 1e3 if c.get('first_inference_s') else None, '.2f')} | "
                         f"{_fmt(c.get('total_s'), '.3f')} | {c['peak_rss_mb']:.0f} |")
    return "\n".join(lines)


def keras_table(results: list[dict[str, Any]]) -> str:
    lines = ["| model | baseline | threads | batch | p50 us | samples/s |", "|---|---|---|---|---|---|"]
    for result in results:
        for r in result["rows"]:
            if r["kind"].startswith("keras"):
                lines.append(f"| {r['model']} | {r['kind']} | {r['threads']} | {r['batch']} | "
                             f"{r['latency_s']['p50'] * US:,.1f} | {r['throughput_sps']:,.0f} |")
    return "\n".join(lines)


def to_csv(results: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    fields = ["model", "format", "backend", "threads", "batch", "kind", "first_inference_s", "warmup_mean_s",
              "mean_s", "std_s", "min_s", "p50_s", "p90_s", "p95_s", "p99_s", "p999_s", "throughput_sps",
              "size_bytes", "accuracy"]
    writer = csv.DictWriter(buf, fieldnames=fields)
    writer.writeheader()
    for result in results:
        for r in result["rows"]:
            lat = {f"{k}_s": v for k, v in r["latency_s"].items() if k != "calls"}
            writer.writerow({**{k: r.get(k) for k in fields if k in r}, **lat})
    return buf.getvalue()


def to_markdown(results: list[dict[str, Any]]) -> str:
    env = results[0]["environment"] if results else {}
    cpu = env.get("cpu", {})
    return "\n".join([
        f"Machine: {cpu.get('model')} ({cpu.get('cores')} cores, flags {', '.join(cpu.get('flags', []))}); "
        + ", ".join(f"{k} {v}" for k, v in env.get("versions", {}).items()) + ".", "",
        "### Latency through the runtime vs the bare interpreter", "", markdown_table(results), "",
        "### Keras baselines (float model, same inputs)", "", keras_table(results), "",
        "### Cold start and memory (fresh process each)", "", cold_start_table(results), ""])
