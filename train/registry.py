"""The one table of models. Every command looks a model up here; nothing branches on names.

Builders import Keras inside the function, so reading the registry stays cheap.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edgequant.runtime import preprocessing
from edgequant.runtime.errors import UnknownModelError

DEFAULT_SEED = 0  # `edgequant train` and the released models; sweeps report where it falls


@dataclass(frozen=True)
class TrainConfig:
    epochs: int
    batch_size: int = 32
    validation_split: float = 0.0
    optimizer: str = "adam"
    loss: str = "sparse_categorical_crossentropy"


@dataclass(frozen=True)
class Published:
    """The figure the reproduced notebook reports, for the published-vs-ours table."""

    accuracy: float
    what: str
    source: str


@dataclass(frozen=True)
class ModelSpec:
    name: str
    dataset: str
    raw_shape: tuple[int, ...]
    raw_dtype: str
    layout: str
    fit_preprocessing: Callable[[np.ndarray], dict[str, Any]]
    build: Callable[[], Any]
    train: TrainConfig
    labels: tuple[str, ...]
    accuracy_floor: float
    published: Published
    cv_floor: float | None = None  # only where a single test split is too small to trust
    tensor_shape: tuple[int, ...] = field(default=())  # model input per sample; raw_shape if empty

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.tensor_shape or self.raw_shape


def _breast_cancer_mlp() -> Any:
    import keras

    return keras.Sequential([
        keras.Input((30,), name="features"),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(2, activation="sigmoid"),
    ], name="breast_cancer_mlp")


def _mnist_mlp() -> Any:
    import keras

    return keras.Sequential([
        keras.Input((28, 28), name="image"),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="sigmoid"),
    ], name="mnist_mlp")


def _fashion_cnn() -> Any:
    import keras

    # Two conv/pool stages and one hidden Dense: ~225k parameters, small enough for a Pi.
    return keras.Sequential([
        keras.Input((28, 28, 1), name="image"),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ], name="fashion_cnn")


DIGITS = tuple(str(d) for d in range(10))
FASHION = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

REGISTRY: dict[str, ModelSpec] = {spec.name: spec for spec in (
    ModelSpec(
        name="breast-cancer", dataset="breast-cancer", raw_shape=(30,), raw_dtype="float32",
        layout="NC", fit_preprocessing=preprocessing.fit_standardize, build=_breast_cancer_mlp,
        train=TrainConfig(epochs=50), labels=("malignant", "benign"), accuracy_floor=0.96,
        cv_floor=0.965,
        published=Published(0.9692, "accuracy", "Keras breast-cancer MLP notebook"),
    ),
    ModelSpec(
        name="mnist", dataset="mnist", raw_shape=(28, 28), raw_dtype="uint8", layout="NHW",
        fit_preprocessing=lambda _x: preprocessing.image_scale(), build=_mnist_mlp,
        train=TrainConfig(epochs=10, validation_split=0.1), labels=DIGITS, accuracy_floor=0.975,
        published=Published(0.9797, "validation accuracy (99.55% training)", "Keras MNIST MLP notebook"),
    ),
    ModelSpec(
        name="fashion-mnist", dataset="fashion-mnist", raw_shape=(28, 28), raw_dtype="uint8",
        layout="NHWC", tensor_shape=(28, 28, 1), fit_preprocessing=lambda _x: preprocessing.image_scale(),
        build=_fashion_cnn, train=TrainConfig(epochs=25, validation_split=0.1), labels=FASHION,
        accuracy_floor=0.905,
        published=Published(0.8971, "test accuracy", "Keras Fashion-MNIST CNN notebook"),
    ),
)}


def get_spec(name: str) -> ModelSpec:
    """Look a model up, with a "did you mean" for typos."""
    if name in REGISTRY:
        return REGISTRY[name]
    close = difflib.get_close_matches(name, REGISTRY, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(REGISTRY)}"
    raise UnknownModelError(f"unknown model '{name}'", expected=" | ".join(REGISTRY), got=repr(name), fix=hint)


def resolve_names(name: str) -> list[str]:
    """'all' expands to every registered model; anything else must be a registered name."""
    return list(REGISTRY) if name == "all" else [get_spec(name).name]
