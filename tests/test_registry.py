"""The shared contract every registered model must meet."""

from __future__ import annotations

import numpy as np
import pytest

from edgequant.runtime import preprocessing
from edgequant.runtime.errors import UnknownModelError
from edgequant.train.datasets import load_dataset
from edgequant.train.registry import REGISTRY, get_spec, resolve_names


@pytest.fixture(scope="module", params=sorted(REGISTRY))
def spec(request: pytest.FixtureRequest):
    return REGISTRY[request.param]


def test_builder_matches_spec(spec) -> None:
    model = spec.build()
    assert tuple(model.input_shape[1:]) == spec.input_shape
    assert model.output_shape[-1] == len(spec.labels)
    assert model.layers[-1].activation.__name__ in ("sigmoid", "softmax")


def test_preprocessing_fits_the_dataset(spec) -> None:
    data = load_dataset(spec.dataset)
    assert data.x_train.shape[1:] == spec.raw_shape
    assert str(data.x_train.dtype) in (spec.raw_dtype, "float64")
    pre = spec.fit_preprocessing(data.x_train)
    tensor = preprocessing.apply(pre, data.x_train[:100])
    assert tensor.dtype == np.float32 and np.isfinite(tensor).all()
    assert set(np.unique(data.y_train)) == set(range(len(spec.labels)))


def test_floors_are_probabilities(spec) -> None:
    assert 0.5 < spec.accuracy_floor < 1 and 0.5 < spec.published.accuracy < 1


def test_fashion_cnn_fits_on_a_pi() -> None:
    assert REGISTRY["fashion-mnist"].build().count_params() <= 250_000


def test_standardize_uses_training_statistics() -> None:
    x = np.array([[1.0, 10.0], [3.0, 10.0]])
    pre = preprocessing.fit_standardize(x)
    assert pre["mean"] == [2.0, 10.0] and pre["std"] == [1.0, 1.0]  # zero std becomes 1
    np.testing.assert_allclose(preprocessing.apply(pre, x), [[-1, 0], [1, 0]])


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(UnknownModelError, match="did you mean 'mnist'"):
        get_spec("minst")
    assert resolve_names("all") == list(REGISTRY)
