"""The occupancy CNN through onnxruntime, on one thread, and choosing a scorer at start-up."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qrpark.occupancy.scoring import PatchScorer, RawScores, describe_all, to_square_bgr

MODEL_PATH = Path(__file__).resolve().parent / "models" / "occupancy.onnx"
INPUT_SIZE = 64
_EPS = 1e-6


class OnnxOccupancyModel:
    """The bundled CNN: input ``image`` N×3×64×64 BGR in [0, 1]; outputs ``prob``, ``features``.

    The session runs on one intra-op and one inter-op thread, so that many cameras can share
    a small machine predictably.
    """

    def __init__(self, path: Path = MODEL_PATH) -> None:
        import onnxruntime as ort

        data = Path(path).read_bytes()
        self.sha256 = hashlib.sha256(data).hexdigest()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self._session: Any = ort.InferenceSession(
            data, sess_options=options, providers=["CPUExecutionProvider"]
        )
        names = {o.name for o in self._session.get_outputs()}
        if not {"prob", "features"} <= names:
            raise ValueError(f"{path} lacks the outputs prob and features (has {sorted(names)})")

    @property
    def name(self) -> str:
        """``cnn:`` and the first 12 hex digits of the model file's sha256."""
        return f"cnn:{self.sha256[:12]}"

    def score(self, patches: Sequence[np.ndarray]) -> RawScores:
        """Raw logits, 64 penultimate features and the appearance of each patch."""
        if not patches:
            return RawScores(np.zeros(0), np.zeros((0, 64), np.float32), describe_all([]))
        squares = [to_square_bgr(p, INPUT_SIZE) for p in patches]
        batch = np.stack(squares)
        image = np.ascontiguousarray(batch.transpose(0, 3, 1, 2), dtype=np.float32) / 255.0
        prob, feats = self._session.run(["prob", "features"], {"image": image})
        p = np.clip(prob.astype(np.float64), _EPS, 1 - _EPS)
        return RawScores(
            logits=np.log(p) - np.log1p(-p),
            features=np.asarray(feats),
            appearance=describe_all(squares),
        )


def load_scorer(
    model: Path | None = None, *, classical: bool = False, bundled: Path = MODEL_PATH
) -> PatchScorer:
    """The CNN from ``model`` (default: the ``bundled`` file), or the classical fallback.

    The fallback is used when ``classical`` is asked for, or when no model path is given and
    the bundled file is absent. A model path that is given but missing is an error.

    Raises:
        FileNotFoundError: ``model`` was given and does not exist.
    """
    from qrpark.occupancy.classical import ClassicalScorer

    if classical:
        return ClassicalScorer()
    if model is not None:
        if not model.is_file():
            raise FileNotFoundError(f"model file not found: {model}")
        return OnnxOccupancyModel(model)
    if bundled.is_file():
        return OnnxOccupancyModel(bundled)
    return ClassicalScorer()


class LazyScorer:
    """The scorer a server uses, loaded on first use (no model is read at start-up or import).

    Thread-safe: requests score in worker threads, and the first ones may arrive together.
    """

    def __init__(self, scorer: PatchScorer | None = None, model: Path | None = None) -> None:
        import threading

        self._scorer = scorer
        self._model = model
        self._lock = threading.Lock()

    def get(self) -> PatchScorer:
        with self._lock:
            if self._scorer is None:
                self._scorer = load_scorer(self._model)
            return self._scorer
