"""Image files that differ from what a viewer shows, built byte by byte for the decoder tests."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

ORIENTATION_TAG = 0x0112

# What a viewer does to the stored pixels for each EXIF orientation (TIFF 6.0 / EXIF 2.3), as numpy
# operations on an [H, W, C] array; `stored_for` applies the inverse so the viewer sees `upright`.
STORE_FOR_ORIENTATION = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],  # mirrored left-right
    3: lambda a: a[::-1, ::-1],  # rotated 180
    4: lambda a: a[::-1],  # mirrored top-bottom
    5: lambda a: a.transpose(1, 0, 2),  # mirrored along the top-left diagonal
    6: lambda a: np.rot90(a, 1),  # stored turned 90 degrees anticlockwise; viewer turns it clockwise
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),  # mirrored along the other diagonal
    8: lambda a: np.rot90(a, -1),  # stored turned clockwise; viewer turns it anticlockwise
}


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def with_orientation(upright: np.ndarray, orientation: int, fmt: str = "PNG") -> bytes:
    """Encode the stored pixels of `upright` for `orientation`, with the EXIF tag set."""
    stored = np.ascontiguousarray(STORE_FOR_ORIENTATION[orientation](upright))
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = orientation
    return encode(Image.fromarray(stored), fmt, exif=exif.tobytes())


def png_rgb16(pixels: np.ndarray) -> bytes:
    """A 16-bit-per-channel RGB PNG (Pillow cannot write one), from a uint16 [H, W, 3] array."""
    height, width, _ = pixels.shape
    raw = b"".join(b"\x00" + row.astype(">u2").tobytes() for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _s15f16(values) -> bytes:
    return b"".join(struct.pack(">i", round(v * 65536)) for v in values)


def matrix_icc_profile(red_xyz, green_xyz, blue_xyz, gamma: float = 2.2, description: str = "test") -> bytes:
    """A minimal ICC v2 RGB display profile (matrix + gamma curves), written by hand (ICC.1:2001-04)."""
    def xyz(values):
        return b"XYZ " + b"\0" * 4 + _s15f16(values)

    def curve():
        return b"curv" + b"\0" * 4 + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"

    text = description.encode("ascii") + b"\0"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(text)) + text + b"\0" * 4 + b"\0" * 4 + b"\0" * 3 + b"\0" * 67
    d50 = (0.9642, 1.0, 0.8249)
    tags = [(b"desc", desc), (b"wtpt", xyz(d50)), (b"rXYZ", xyz(red_xyz)), (b"gXYZ", xyz(green_xyz)),
            (b"bXYZ", xyz(blue_xyz)), (b"rTRC", curve()), (b"gTRC", curve()), (b"bTRC", curve())]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"\0" * 4 + struct.pack(">I", 0x02100000) + b"mntr" + b"RGB " + b"XYZ "
              + b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0) + _s15f16(d50) + b"\0" * 4 + b"\0" * 44)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


# sRGB's primaries adapted to D50, as the ICC sRGB profile stores them
SRGB_RED_D50 = (0.4361, 0.2225, 0.0139)
SRGB_GREEN_D50 = (0.3851, 0.7169, 0.0971)
SRGB_BLUE_D50 = (0.1431, 0.0606, 0.7141)


def red_green_swapped_profile() -> bytes:
    """A non-sRGB profile whose 'red' channel is sRGB green and vice versa: pure colours show swapped."""
    return matrix_icc_profile(SRGB_GREEN_D50, SRGB_RED_D50, SRGB_BLUE_D50, description="red-green swapped")


def animation(fmt: str, colours: list[tuple[int, int, int]], size: tuple[int, int] = (16, 16)) -> bytes:
    frames = [Image.new("RGB", size, c) for c in colours]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
