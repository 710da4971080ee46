"""Pictures of a projection: the target-versus-reconstruction figure and the optimisation video's frames
(written by the latent commands' shared `modiste.latent.video.write_video`)."""

from __future__ import annotations

import numpy as np
import torch

from modiste.latent.labelled_grid import labelled_grid

VIDEO_SCALE = 4  # 64x96 frames are enlarged (nearest) so the video is watchable


def comparison_figure(rows: list[list[torch.Tensor]], row_labels: list[str], col_labels: list[str],
                      scale: int = 2) -> np.ndarray:
    """rows: per photo, uint8 images [3, H, W] (target, reconstruction(s), ...) -> RGB uint8 [H', W', 3]."""
    images = torch.stack([torch.stack(r) for r in rows])  # [R, C, 3, H, W]
    return labelled_grid(images, row_labels, col_labels, scale=scale)


def video_frame(target: torch.Tensor, current: torch.Tensor) -> np.ndarray:
    """uint8 [3, H, W] target and current reconstruction -> one side-by-side frame, enlarged."""
    pair = torch.cat([target, current], dim=2)
    pair = pair.repeat_interleave(VIDEO_SCALE, dim=1).repeat_interleave(VIDEO_SCALE, dim=2)
    return pair.permute(1, 2, 0).cpu().numpy()
