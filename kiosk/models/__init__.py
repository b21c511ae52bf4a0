"""Pinned MediaPipe model bundles: found, verified by SHA-256, cached, loaded once.

Use :func:`model_bytes` to hand a model to MediaPipe (``model_asset_buffer``)
and :func:`fetch_all` for ``kiosk models fetch``. See :mod:`kiosk.models.resolve`
for the order in which sources are tried.
"""

from kiosk.errors import ModelUnavailableError
from kiosk.models.resolve import (
    ALL_MODELS,
    CACHE_DIR_ENV,
    FACE_LANDMARKER,
    HAND_LANDMARKER,
    MODEL_DIR_ENV,
    POSE_LANDMARKER,
    CacheSource,
    ModelDirSource,
    ModelFileMismatch,
    ModelSource,
    ModelSpec,
    NpmTarballSource,
    OfficialUrlSource,
    PypiWheelSource,
    SourceFailed,
    clear_process_caches,
    default_cache_dir,
    default_sources,
    fetch_all,
    file_sha256,
    install_into_cache,
    model_bytes,
    model_path,
    resolve_model,
    verify,
)

__all__ = [
    "ALL_MODELS",
    "CACHE_DIR_ENV",
    "FACE_LANDMARKER",
    "HAND_LANDMARKER",
    "MODEL_DIR_ENV",
    "POSE_LANDMARKER",
    "CacheSource",
    "ModelDirSource",
    "ModelFileMismatch",
    "ModelSource",
    "ModelSpec",
    "ModelUnavailableError",
    "NpmTarballSource",
    "OfficialUrlSource",
    "PypiWheelSource",
    "SourceFailed",
    "clear_process_caches",
    "default_cache_dir",
    "default_sources",
    "fetch_all",
    "file_sha256",
    "install_into_cache",
    "model_bytes",
    "model_path",
    "resolve_model",
    "verify",
]
