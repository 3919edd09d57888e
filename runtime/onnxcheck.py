"""A small protobuf wire-format walker for ONNX files, so the base install (no ``onnx``) can
reject garbage and find every external-data path before ONNX Runtime opens anything.

It checks that the bytes parse as a ModelProto with a graph, and collects the
``location`` of every tensor stored as external data, in subgraphs too.
"""

from __future__ import annotations

from pathlib import Path

from edgequant.runtime.errors import ModelFileError

# Field numbers from onnx.proto3 that can (transitively) hold a TensorProto.
MODEL_GRAPH = 7
GRAPH_NODE, GRAPH_INITIALIZER, GRAPH_SPARSE_INITIALIZER = 1, 5, 15
NODE_ATTRIBUTE = 5
ATTR_T, ATTR_G, ATTR_TENSORS, ATTR_GRAPHS, ATTR_SPARSE_TENSOR, ATTR_SPARSE_TENSORS = 5, 6, 10, 11, 22, 23
SPARSE_VALUES, SPARSE_INDICES = 1, 2
TENSOR_EXTERNAL_DATA = 13
ENTRY_KEY, ENTRY_VALUE = 1, 2
MAX_DEPTH = 32


class _WireError(Exception):
    pass


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise _WireError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def fields(buf: bytes) -> list[tuple[int, int, object]]:
    """Parse one message into (field number, wire type, int or bytes) triples; raise on malformed data."""
    out: list[tuple[int, int, object]] = []
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _WireError("field number 0")
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise _WireError(f"unsupported wire type {wire}")
        if pos > len(buf):
            raise _WireError("field runs past the end")
        out.append((number, wire, value))
    return out


def _sub(msg: bytes, wanted: tuple[int, ...]) -> list[bytes]:
    return [v for n, w, v in fields(msg) if n in wanted and w == 2]  # type: ignore[misc]


def _tensor_locations(tensor: bytes) -> list[str]:
    locations = []
    for entry in _sub(tensor, (TENSOR_EXTERNAL_DATA,)):
        kv = {n: v for n, w, v in fields(entry) if w == 2}
        if kv.get(ENTRY_KEY) == b"location":
            locations.append(bytes(kv.get(ENTRY_VALUE, b"")).decode("utf-8", "replace"))
    return locations


def _sparse_locations(sparse: bytes) -> list[str]:
    return [loc for t in _sub(sparse, (SPARSE_VALUES, SPARSE_INDICES)) for loc in _tensor_locations(t)]


def _graph_locations(graph: bytes, depth: int) -> list[str]:
    if depth > MAX_DEPTH:
        raise _WireError("subgraphs nested too deeply")
    locations = [loc for t in _sub(graph, (GRAPH_INITIALIZER,)) for loc in _tensor_locations(t)]
    locations += [loc for s in _sub(graph, (GRAPH_SPARSE_INITIALIZER,)) for loc in _sparse_locations(s)]
    for node in _sub(graph, (GRAPH_NODE,)):
        for attr in _sub(node, (NODE_ATTRIBUTE,)):
            for number, wire, value in fields(attr):
                if wire != 2:
                    continue
                if number in (ATTR_T, ATTR_TENSORS):
                    locations += _tensor_locations(value)  # type: ignore[arg-type]
                elif number in (ATTR_G, ATTR_GRAPHS):
                    locations += _graph_locations(value, depth + 1)  # type: ignore[arg-type]
                elif number in (ATTR_SPARSE_TENSOR, ATTR_SPARSE_TENSORS):
                    locations += _sparse_locations(value)  # type: ignore[arg-type]
    return locations


def external_data_locations(data: bytes, path: Path) -> list[str]:
    """Every external-data ``location`` in the model; raises ModelFileError if it does not parse."""
    try:
        top = fields(data)
        graphs = [v for n, w, v in top if n == MODEL_GRAPH and w == 2]
        if not graphs:
            raise _WireError("no graph")
        return [loc for g in graphs for loc in _graph_locations(g, 0)]  # type: ignore[arg-type]
    except (_WireError, RecursionError) as exc:
        raise ModelFileError(f"{path} is not an ONNX model", expected="a protobuf ModelProto with a graph",
                             got=f"unparseable bytes ({exc})", fix="re-export the bundle") from None


NODE_OP_TYPE = 4


def op_types(data: bytes) -> list[str]:
    """Operator types of the main graph's nodes (for ``edgequant info``)."""
    graphs = [v for n, w, v in fields(data) if n == MODEL_GRAPH and w == 2]
    ops = []
    for node in _sub(graphs[0], (GRAPH_NODE,)) if graphs else []:
        ops += [bytes(v).decode("utf-8", "replace") for n, w, v in fields(node) if n == NODE_OP_TYPE and w == 2]
    return ops


def check_model_bytes(data: bytes, path: Path, *, strict: bool = False) -> list[str]:
    """Wire-format parse check, returning the external-data locations; ``strict`` adds onnx.checker
    when the ``onnx`` package is installed."""
    locations = external_data_locations(data, path)
    if not strict:
        return locations
    try:
        import onnx
    except ImportError:
        return locations
    try:
        onnx.checker.check_model(onnx.load_model_from_string(data))
    except Exception as exc:  # the checker raises several types; all mean "invalid model"
        raise ModelFileError(f"{path} fails onnx.checker", expected="a valid ONNX model",
                             got=str(exc).splitlines()[0][:200], fix="re-export the bundle") from None
    return locations
