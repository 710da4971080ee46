"""Writing frames as MP4 (H.264 through the ffmpeg binary that the imageio-ffmpeg wheel ships) or GIF
(Pillow), atomically: the video appears complete under its name or not at all."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from modiste.atomic import atomic_path
from modiste.errors import ModisteError

VIDEO_SUFFIXES = (".mp4", ".gif")


def even_frame(frame: np.ndarray) -> np.ndarray:
    """uint8 [H, W, 3] padded (edge-replicated) to even H and W, which H.264 in yuv420p requires."""
    h, w = frame.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return frame
    return np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


def _write_mp4(frames: Iterable[np.ndarray], tmp: Path, fps: float) -> int:
    import imageio_ffmpeg

    writer, count = None, 0
    try:
        for frame in frames:
            frame = even_frame(np.ascontiguousarray(frame, dtype=np.uint8))
            if writer is None:
                h, w = frame.shape[:2]
                writer = imageio_ffmpeg.write_frames(
                    str(tmp), (w, h), pix_fmt_in="rgb24", pix_fmt_out="yuv420p", fps=fps, codec="libx264",
                    quality=None, macro_block_size=1, output_params=["-f", "mp4", "-crf", "18"],
                    ffmpeg_log_level="error")
                writer.send(None)  # start ffmpeg
            writer.send(frame.tobytes())
            count += 1
    finally:
        if writer is not None:
            writer.close()
    return count


def _write_gif(frames: Iterable[np.ndarray], tmp: Path, fps: float) -> int:
    from PIL import Image

    images = [Image.fromarray(np.asarray(f, dtype=np.uint8)) for f in frames]
    if images:
        # GIF delays are in units of 10 ms; Pillow rounds the duration (ms) per frame
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=round(1000 / fps),
                       loop=0, optimize=False)
    return len(images)


def write_video(frames: Iterable[np.ndarray], path: str | Path, fps: float = 24.0) -> int:
    """Write uint8 [H, W, 3] frames to `path` (.mp4 or .gif, chosen by the suffix); return the frame count.

    MP4: H.264, yuv420p, constant rate factor 18, odd sizes padded by one pixel. GIF: Pillow,
    looping forever, 1000 / fps ms per frame (GIF stores 10 ms steps). Frames are consumed as they
    come (MP4 streams them to ffmpeg). Raises ModisteError for another suffix, a non-positive fps
    or no frames.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        raise ModisteError(f"video {path} must end in .mp4 or .gif")
    if not fps > 0 or fps != fps or fps == float("inf"):
        raise ModisteError(f"--fps must be a positive number, got {fps}")
    with atomic_path(path) as tmp:
        count = (_write_mp4 if suffix == ".mp4" else _write_gif)(frames, tmp, fps)
        if count == 0:
            raise ModisteError("no frames to write")
    return count
