"""Checking where results will go before any work is done, so a bad path fails in a second, not after a render."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from modiste.errors import ModisteError


def _check_writable_folder(folder: Path, what: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise ModisteError(f"{what} {folder} cannot be written ({e.strerror or e}): pick a folder you can write to") from e


def prepare_outdir(path: str | Path) -> Path:
    """Create the output folder if needed and check it can be written; return it as a Path.

    Raises ModisteError (one line) if it is a file, or cannot be created or written.
    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise ModisteError(f"output folder {folder} is a file: pass a folder to --outdir")
    _check_writable_folder(folder, "output folder")
    return folder


def check_out_file(path: str | Path, suffixes: tuple[str, ...]) -> Path:
    """Check an output file name (its suffix among `suffixes`, e.g. (".mp4", ".gif")) and that it can
    be written: its folder, or the nearest existing folder above it (created later by the atomic
    writer), must be writable. Creates nothing. Returns the Path; raises ModisteError otherwise."""
    out = Path(path)
    if out.suffix.lower() not in suffixes:
        raise ModisteError(f"--out {out} must end in {' or '.join(suffixes)}")
    if out.is_dir():
        raise ModisteError(f"--out {out} is a folder: pass a file name ending in {' or '.join(suffixes)}")
    folder = out.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise ModisteError(f"output folder {folder} is a file, so it cannot be written: pick a folder for --out")
    if folder == out.absolute().parent:
        _check_writable_folder(folder, "output folder")
    elif not os.access(folder, os.W_OK | os.X_OK):
        raise ModisteError(f"output folder {folder} cannot be written: pick a folder you can write to for --out")
    return out


MAX_OUTPUT_BYTES = 4 * 2**30  # codes + pixels a command may hold in memory at once (4 GiB)
MAX_VIDEO_SIDE = 16384  # the largest frame side libx264 (and most players) accept


def check_output_size(G, images: int, what: str, fix: str, frame_px: tuple[int, int] | None = None) -> None:
    """Refuse, before any rendering, an output too large to hold or encode.

    `images`: how many W+ codes and images the command will hold ([images, num_ws, w_dim] float32
    plus [images, 3, H, W] uint8); `frame_px`: (height, width) of one video frame, if any. Raises
    ModisteError naming `what` (e.g. "--frames 100000000 x 4 cells") and `fix` when the total passes
    MAX_OUTPUT_BYTES (4 GiB) or a frame side passes MAX_VIDEO_SIDE (16,384 px).
    """
    per_image = G.num_ws * G.w_dim * 4 + 3 * G.cfg.height * G.cfg.width
    total = images * per_image
    if total > MAX_OUTPUT_BYTES:
        raise ModisteError(f"{what} makes {images:,} images ({total / 2**30:.1f} GiB of codes and pixels, the limit "
                           f"is {MAX_OUTPUT_BYTES / 2**30:.0f} GiB): {fix}")
    if frame_px is not None and max(frame_px) > MAX_VIDEO_SIDE:
        raise ModisteError(f"{what} makes {frame_px[1]}x{frame_px[0]} px video frames (at most {MAX_VIDEO_SIDE} px a "
                           f"side): {fix}")
