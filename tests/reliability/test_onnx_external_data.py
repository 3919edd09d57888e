"""ONNX external data: only listed, plain files inside the bundle; never absolute, '..' or symlinks."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from edgequant.runtime.errors import ModelFileError  # noqa: E402
from edgequant.runtime.modelfile import check_external_data  # noqa: E402
from edgequant.runtime.onnxcheck import external_data_locations  # noqa: E402


def model_with_external(location: str) -> bytes:
    """Identity-plus-bias model whose bias initializer claims to live in ``location``."""
    bias = numpy_helper.from_array(np.zeros(2, np.float32), "bias")
    bias.ClearField("raw_data")
    bias.data_location = TensorProto.EXTERNAL
    entry = bias.external_data.add()
    entry.key, entry.value = "location", location
    graph = helper.make_graph([helper.make_node("Add", ["x", "bias"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])], [bias])
    return helper.make_model(graph).SerializeToString()


def test_walker_finds_the_location() -> None:
    assert external_data_locations(model_with_external("weights.bin"), Path("m.onnx")) == ["weights.bin"]


@pytest.mark.parametrize("location, problem", [
    ("/etc/passwd", "absolute"),
    ("../../secret.bin", "outside the bundle"),
    ("sub/../../x.bin", "outside the bundle"),
    ("unlisted.bin", "does not list"),
])
def test_refused_locations(tmp_path: Path, location: str, problem: str) -> None:
    with pytest.raises(ModelFileError, match=problem):
        check_external_data([location], tmp_path, {"external_data": ["weights.bin"]})


def test_symlinked_external_data_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real.bin").write_bytes(b"\0" * 8)
    os.symlink(tmp_path / "real.bin", tmp_path / "weights.bin")
    with pytest.raises(ModelFileError, match="symlink"):
        check_external_data(["weights.bin"], tmp_path, {"external_data": ["weights.bin"]})


def test_listed_plain_file_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"\0" * 8)
    check_external_data(["weights.bin"], tmp_path, {"external_data": ["weights.bin"]})


def test_bundle_with_traversing_external_data_never_reaches_ort(bundle_copy) -> None:
    from edgequant.runtime import load
    from reliability.hostile import rewrite_artifact

    bundle = bundle_copy()
    rewrite_artifact(bundle, "onnx", model_with_external("../../../etc/passwd"), update_manifest=True)
    with pytest.raises(ModelFileError, match="outside the bundle"):
        load(bundle, format="onnx")
