"""Property tests: any array either gives valid probabilities or a typed InputError, never anything else."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from edgequant.runtime import load
from edgequant.runtime.errors import InputError

EXAMPLES = int(os.environ.get("EDGEQUANT_HYPOTHESIS_EXAMPLES", "2000"))
DTYPES = st.sampled_from([np.uint8, np.int8, np.int16, np.int32, np.int64, np.uint16, np.float16, np.float32,
                          np.float64, np.bool_, np.complex64])


def shapes(raw: tuple[int, ...]) -> st.SearchStrategy:
    near = st.one_of(st.just(raw), st.just((0, *raw)), st.tuples(st.integers(1, 5)).map(lambda b: (*b, *raw)))
    return st.one_of(near, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=30))


@pytest.fixture(scope="module")
def models(released: Path):
    return {"image": load(released / "mnist", format="int8"),
            "features": load(released / "breast-cancer", format="onnx-int8"),
            "float features": load(released / "breast-cancer", format="f32")}


def check(model, x: np.ndarray) -> None:
    try:
        probs = model.predict(x)
    except InputError as exc:
        assert "expected" in str(exc) and "got" in str(exc)
        return
    n_out = len(model.labels)
    assert probs.shape == ((n_out,) if x.shape == model.raw_shape else (x.shape[0], n_out))
    assert np.isfinite(probs).all() and (probs >= 0).all() and (probs <= 1).all()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_image_model_any_array(models, data) -> None:
    dtype = data.draw(DTYPES)
    x = data.draw(hnp.arrays(dtype, shapes((28, 28))))
    check(models["image"], x)


@pytest.mark.parametrize("which", ["features", "float features"])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_feature_model_any_array(models, which: str, data) -> None:
    dtype = data.draw(DTYPES)
    x = data.draw(hnp.arrays(dtype, shapes((30,))))
    check(models[which], x)


def test_float64_into_float_model_is_cast(models) -> None:
    row = np.linspace(-1, 1, 30)
    np.testing.assert_allclose(models["features"].predict(row), models["features"].predict(row.astype(np.float32)))


def test_float_into_uint8_model_is_refused(models) -> None:
    with pytest.raises(InputError, match="wrong dtype.*uint8"):
        models["image"].predict(np.zeros((28, 28), np.float32))


def test_huge_integers_saturate_inside_the_int8_range(models) -> None:
    probs = models["features"].predict(np.full(30, 10**9, dtype=np.int64))
    assert np.isfinite(probs).all()


def test_values_that_would_overflow_preprocessing_are_refused(models) -> None:
    with pytest.raises(InputError, match="too large"):
        models["float features"].predict(np.full(30, 3e38, dtype=np.float32))
