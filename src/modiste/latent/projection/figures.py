"""Pictures of a projection: the target-versus-reconstruction figure and the optimisation video."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from modiste.atomic import atomic_path
from modiste.latent.labelled_grid import labelled_grid

VIDEO_SCALE = 4  # 64x96 frames are enlarged (nearest) so the video is watchable


def comparison_figure(rows: list[list[torch.Tensor]], row_labels: list[str], col_labels: list[str],
                      scale: int = 2) -> np.ndarray:
    """rows: per photo, uint8 images [3, H, W] (target, reconstruction(s), ...) -> RGB uint8 [H', W', 3]."""
    images = torch.stack([torch.stack(r) for r in rows])  # [R, C, 3, H, W]
    return labelled_grid(images, row_labels, col_labels, scale=scale)


def write_video(path: str | Path, frames: list[np.ndarray], fps: int = 24) -> Path:
    """uint8 frames [H, W, 3] (even sizes) -> an H.264 MP4 via the ffmpeg that imageio-ffmpeg ships."""
    import imageio_ffmpeg

    h, w = frames[0].shape[:2]
    with atomic_path(Path(path)) as tmp:
        writer = imageio_ffmpeg.write_frames(str(tmp), (w, h), fps=fps, codec="libx264", pix_fmt_out="yuv420p",
                                             macro_block_size=1, output_params=["-f", "mp4"])
        writer.send(None)
        for frame in frames:
            writer.send(np.ascontiguousarray(frame))
        writer.close()
    return Path(path)


def video_frame(target: torch.Tensor, current: torch.Tensor) -> np.ndarray:
    """uint8 [3, H, W] target and current reconstruction -> one side-by-side frame, enlarged."""
    pair = torch.cat([target, current], dim=2)
    pair = pair.repeat_interleave(VIDEO_SCALE, dim=1).repeat_interleave(VIDEO_SCALE, dim=2)
    return pair.permute(1, 2, 0).cpu().numpy()
