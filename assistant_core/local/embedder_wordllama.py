"""Dense text vectors from WordLlama (``l2_supercat``, 256-d), loaded only from files inside the installed wheel.

WordLlama is a static token-embedding table (32,000 Llama-2 tokens x 256, float16, 16 MB) plus a tokenizer;
a text's vector is the mean of its tokens' rows. The ``wordllama`` wheel ships both files, so no model hub is
needed - but its loader would otherwise reach for the network:

* it looks for the tokenizer in ``<package>/tokenizer/`` while the wheel puts it in ``<package>/tokenizers/``,
  then falls back to ``<cache_dir>/tokenizers/`` (default ``~/.cache/wordllama``) and finally to a Hugging Face
  download. Passing the package folder as ``cache_dir`` makes the second lookup hit the shipped file, and
  ``disable_download=True`` turns the download into a ``FileNotFoundError`` instead.
* the weights are found in ``<package>/weights/`` directly.

We check both files ourselves first so a broken install fails with a clear ``EmbedderUnavailable`` and the
loader's network fallbacks are never reached. Conforms structurally to the ``Embedder`` port (``name``,
``dimension``, ``embed``).
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from wordllama import WordLlama, WordLlamaInference

PACKAGE = "wordllama"
REQUIREMENT = "wordllama>=0.4.0.post1,<0.5"
CONFIG = "l2_supercat"
DIMENSION = 256
# Relative to the installed package folder; these are the only files the model needs.
WEIGHTS_FILE = Path("weights") / f"{CONFIG}_{DIMENSION}.safetensors"
TOKENIZER_FILE = Path("tokenizers") / f"{CONFIG}_tokenizer_config.json"
# Texts per tokenizer/lookup batch: big enough to amortise per-call overhead, small enough that a batch of
# 1,200-char chunks (~300 tokens, padded to the longest) stays around 20 MB of float32 intermediates.
DEFAULT_BATCH_SIZE = 64


class EmbedderUnavailable(RuntimeError):
    """The embedding model cannot be loaded from local files (package missing or its model files absent)."""


_lock = threading.Lock()
_model: WordLlamaInference | None = None


def package_dir() -> Path:
    """The installed ``wordllama`` folder, found without importing (and so without running) the package."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise EmbedderUnavailable(f"the {PACKAGE!r} package is not installed; install {REQUIREMENT!r}")
    return Path(locations[0])


def model_files() -> tuple[Path, Path]:
    """(weights, tokenizer) inside the installed package; raises ``EmbedderUnavailable`` if either is absent."""
    root = package_dir()
    files = (root / WEIGHTS_FILE, root / TOKENIZER_FILE)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise EmbedderUnavailable(
            f"the {PACKAGE!r} package at {root} lacks its bundled model files ({', '.join(missing)}); "
            f"reinstall {REQUIREMENT!r} - nothing is downloaded at run time"
        )
    return files


def _import_wordllama() -> type[WordLlama]:
    # wordllama calls logging.basicConfig(level=INFO) on import; if the app has not configured logging yet
    # that would install a root handler and make every later basicConfig (e.g. the CLI's) a no-op.
    root = logging.getLogger()
    handlers = list(root.handlers)
    level = root.level
    try:
        from wordllama import WordLlama
    except ImportError as e:
        raise EmbedderUnavailable(f"cannot import {PACKAGE!r} ({e}); install {REQUIREMENT!r}") from e
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    return WordLlama


def _load() -> WordLlamaInference:
    model_files()  # fail clearly before the loader could consider any download
    word_llama = _import_wordllama()
    try:
        model: WordLlamaInference = word_llama.load(
            CONFIG, dim=DIMENSION, cache_dir=package_dir(), disable_download=True
        )
    except Exception as e:  # safetensors/tokenizers raise their own (non-OSError) types for corrupt files
        raise EmbedderUnavailable(f"cannot load {PACKAGE!r} model {CONFIG}-{DIMENSION} from local files: {e}") from e
    if model.embedding.shape[1] != DIMENSION:
        raise EmbedderUnavailable(f"{PACKAGE!r} weights have {model.embedding.shape[1]} dims, expected {DIMENSION}")
    return model


def _shared_model() -> WordLlamaInference:
    """The process-wide model, loaded on first use (double-checked so concurrent first calls load it once)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = _load()
    return _model


class WordLlamaEmbedder:
    """Unit-length float32 vectors; identical inputs always give identical outputs (a pure table lookup)."""

    name: str = f"wordllama-{CONFIG.replace('_', '-')}-{DIMENSION}"
    dimension: int = DIMENSION

    def __init__(self, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self._batch_size = batch_size

    def load(self) -> None:
        """Load the model now (e.g. at start-up) instead of on the first ``embed``."""
        _shared_model()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (len(texts), 256), float32; each row L2-normalised, or all zeros for a text with no tokens."""
        if isinstance(texts, str):
            # A bare str is a Sequence[str] of characters; embedding each letter is never what the caller meant.
            raise TypeError("embed() takes a sequence of texts, not a single str")
        batch = list(texts)
        if not all(isinstance(t, str) for t in batch):
            raise TypeError("embed() takes a sequence of str")
        if not batch:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        # norm=False: wordllama's own normalisation divides by zero (NaN) for empty texts; we normalise below.
        pooled = _shared_model().embed(batch, norm=False, batch_size=self._batch_size)
        vectors = np.ascontiguousarray(pooled, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        # Rows with no tokens are exactly zero (masked mean over nothing) and stay zero instead of becoming NaN.
        np.divide(vectors, norms, out=vectors, where=norms > 0)
        return vectors
