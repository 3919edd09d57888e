"""Helpers that damage a bundle copy the way an attacker or a bad disk would."""

from __future__ import annotations

import json
from pathlib import Path

from edgequant.runtime.modelfile import sha256_bytes


def rewrite_artifact(bundle: Path, fmt: str, data: bytes, *, update_manifest: bool) -> Path:
    """Replace an artifact's bytes; optionally make the manifest agree (an attacker who edits both)."""
    manifest_path = bundle / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    path = bundle / manifest["artifacts"][fmt]["file"]
    path.write_bytes(data)
    if update_manifest:
        manifest["artifacts"][fmt].update(bytes=len(data), sha256=sha256_bytes(data))
        manifest_path.write_text(json.dumps(manifest))
    return path


def edit_manifest(bundle: Path, change) -> None:
    path = bundle / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))
