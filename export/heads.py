"""Find and repair the int8 head that saturates: a quantized sigmoid/softmax whose top scores tie.

TFLite's quantized LOGISTIC/SOFTMAX (and ORT's QDQ equivalents) output in steps of
1/256, so confident predictions collapse onto the same top code and argmax picks
the first of the tied classes. Exporting logits and applying the activation in
float after dequantization removes the tie.
"""

from __future__ import annotations

from typing import Any

import numpy as np

TIE_RATE_LIMIT = 0.001  # above 0.1% tied top scores the head is treated as saturating
HEAD_ACTIVATIONS = ("sigmoid", "softmax")


def head_activation(model: Any) -> str:
    """Name of the last layer's activation ("sigmoid", "softmax", "linear", ...)."""
    activation = getattr(model.layers[-1], "activation", None)
    return getattr(activation, "__name__", "linear") if activation is not None else "linear"


def logits_model(model: Any) -> Any:
    """A copy of ``model`` whose last layer has no activation, with the same weights."""
    import keras

    last = model.layers[-1]

    def clone(layer: Any) -> Any:
        config = layer.get_config()
        if layer is last:
            config["activation"] = "linear"
            config["name"] = "logits"
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy


def tie_rate(outputs: np.ndarray) -> float:
    """Fraction of rows whose two largest scores are exactly equal."""
    if outputs.shape[1] < 2:
        return 0.0
    top2 = np.sort(outputs, axis=1)[:, -2:]
    return float(np.mean(top2[:, 0] == top2[:, 1]))
