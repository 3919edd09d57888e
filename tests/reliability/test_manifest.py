"""Broken or hostile manifests: a ManifestError that names the field."""

from __future__ import annotations

import pytest

from edgequant.runtime import load
from edgequant.runtime.errors import ManifestError
from reliability.hostile import edit_manifest


def test_missing_manifest(bundle_copy) -> None:
    bundle = bundle_copy()
    (bundle / "manifest.json").unlink()
    with pytest.raises(ManifestError, match="manifest.json is missing"):
        load(bundle)


@pytest.mark.parametrize("text, match", [('{"schema_version": 1,', "not valid JSON"),
                                         ("[1, 2]", "not a JSON object")])
def test_unreadable_manifest(bundle_copy, text: str, match: str) -> None:
    bundle = bundle_copy()
    (bundle / "manifest.json").write_text(text)
    with pytest.raises(ManifestError, match=match):
        load(bundle)


def test_unknown_schema_version(bundle_copy) -> None:
    bundle = bundle_copy()
    edit_manifest(bundle, lambda m: m.update(schema_version=99))
    with pytest.raises(ManifestError, match="'schema_version'.*expected 1; got 99"):
        load(bundle)


def test_label_count_must_match_output(bundle_copy) -> None:
    bundle = bundle_copy()
    edit_manifest(bundle, lambda m: m["labels"].pop())
    with pytest.raises(ManifestError, match="'labels'.*expected 10 labels.*got 9 labels"):
        load(bundle)


@pytest.mark.parametrize("name", ["../model.int8.tflite", "/etc/passwd", "sub/model.int8.tflite", "..", ""])
def test_path_traversal_in_file_name(bundle_copy, name: str) -> None:
    bundle = bundle_copy()
    edit_manifest(bundle, lambda m: m["artifacts"]["int8"].update(file=name))
    with pytest.raises(ManifestError, match="artifacts.int8.file"):
        load(bundle)


@pytest.mark.parametrize("field, value, match", [
    ("sha256", 5, "artifacts.int8.sha256"),
    ("output", {"activation": "tanh", "shape": [-1, 10]}, "artifacts.int8.output.activation"),
    ("input", {"quantization": {"scale": -1.0, "zero_point": 0}}, "artifacts.int8.input.quantization.scale"),
])
def test_bad_artifact_fields_are_named(bundle_copy, field: str, value, match: str) -> None:
    bundle = bundle_copy()
    edit_manifest(bundle, lambda m: m["artifacts"]["int8"].update({field: value}))
    with pytest.raises(ManifestError, match=match.replace(".", r"\.")):
        load(bundle)


def test_unknown_format_key(bundle_copy) -> None:
    bundle = bundle_copy()
    edit_manifest(bundle, lambda m: m["artifacts"].update(tflite16=m["artifacts"]["int8"]))
    with pytest.raises(ManifestError, match="artifacts.tflite16"):
        load(bundle)
