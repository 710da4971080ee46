"""Which W+ entries are coarse, middle and fine styles, and parsing layer ranges like "coarse" or "4-7".

The synthesis network (modiste.gan.networks.synthesis) gives every modulated layer its own w: the
4 px block has one conv, every later block an upsampling conv and a conv, and the last toRGB takes
one more, so num_ws = 2 * (number of blocks) and W+ index i drives features of width

    4 * 2 ** (i // 2) px        (i = 0, 1 -> 4 px; 2, 3 -> 8 px; 4, 5 -> 16 px; ...)

which is the indexing of the StyleGAN papers (Karras et al. 2019, sec. 3.1 and fig. 3; 18 ws at
1024 px). (In StyleGAN2 an odd index also feeds the upsampling conv of the next block, as in the
reference code; the bands below follow the papers' index ranges.) Bands, by feature width:

    coarse  4-8 px      pose, silhouette, garment shape          (ws 0-3)
    middle  16-32 px    sleeves, neckline, large patterns        (ws 4-7)
    fine    64 px and up colour, texture, small details          (ws 8 and up)

A generator narrower than 64 px has no fine band (and one narrower than 16 px no middle band); those
names are then refused and an index range "A-B" must be used. SWAGAN's blocks stop at half the image
width (its wavelet output doubles it), so its last two ws count at half the image width here.
"""

from __future__ import annotations

import re

from modiste.errors import ModisteError

BANDS: dict[str, tuple[int, int | None]] = {  # name -> (smallest, largest) feature width in px
    "coarse": (4, 8),
    "middle": (16, 32),
    "fine": (64, None),
}


def w_widths(num_ws: int) -> list[int]:
    """Feature width in px of the layers driven by each W+ index: [num_ws] ints, 4, 4, 8, 8, 16, ..."""
    if num_ws < 2:
        raise ModisteError(f"a generator has at least 2 ws, got num_ws={num_ws}")
    return [4 * 2 ** (i // 2) for i in range(num_ws)]


def band_range(name: str, num_ws: int) -> tuple[int, int]:
    """(start, end) W+ indices, end exclusive, of band `name` ("coarse" | "middle" | "fine").

    Raises ModisteError when the generator is too small to have the band.
    """
    lo, hi = BANDS[name]
    idx = [i for i, px in enumerate(w_widths(num_ws)) if px >= lo and (hi is None or px <= hi)]
    if not idx:
        top = w_widths(num_ws)[-1]
        raise ModisteError(
            f"this generator's layers stop at {top} px, so it has no {name} layers "
            f"({lo}{'-' + str(hi) if hi else ' and up'} px): pass an index range like 0-{num_ws - 1} "
            f"(docs/latent.md, Layers, has the bands of every width)")
    return idx[0], idx[-1] + 1


def layer_range(text: str, num_ws: int) -> tuple[int, int]:
    """Parse a layer choice into W+ indices (start, end), end exclusive: 0 <= start < end <= num_ws.

    text: "coarse" | "middle" | "fine" (bands above) | "all" | "A-B" (inclusive indices, e.g. "0-3")
    | "A" (one index). Raises ModisteError for anything else, an empty band, or indices out of range.
    """
    t = str(text).strip().lower()
    if t == "all":
        return 0, num_ws
    if t in BANDS:
        return band_range(t, num_ws)
    m = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", t)
    if not m:
        raise ModisteError(f"bad layer choice {text!r}: use coarse, middle, fine, all or an index range like 0-3")
    start, last = int(m.group(1)), int(m.group(2) if m.group(2) is not None else m.group(1))
    if last < start or last >= num_ws:
        raise ModisteError(f"bad layer range {text!r}: this generator's W+ has indices 0-{num_ws - 1} "
                           f"(ranges are inclusive, start <= end)")
    return start, last + 1


def describe_layers(num_ws: int, width: int) -> list[dict]:
    """One row per W+ index for docs and --help: {"index", "px" (feature width), "band" (or None)}.

    width: the image width in px; when it exceeds the widest feature map (SWAGAN), the rows of the
    top block also say the image width they produce, under "output_px".
    """
    widths = w_widths(num_ws)
    rows = []
    for i, px in enumerate(widths):
        band = next((n for n, (lo, hi) in BANDS.items() if px >= lo and (hi is None or px <= hi)), None)
        row = {"index": i, "px": px, "band": band}
        if px == widths[-1] and width > px:
            row["output_px"] = width
        rows.append(row)
    return rows


def layers_table(num_ws: int, width: int) -> str:
    """The band table of one generator as text: 'coarse 0-3 (4-8 px), middle 4-7 (16-32 px), fine 8-9 (64 px)'."""
    parts = []
    for name in BANDS:
        try:
            start, end = band_range(name, num_ws)
        except ModisteError:
            parts.append(f"{name} none")
            continue
        widths = w_widths(num_ws)[start:end]
        px = f"{widths[0]}" if widths[0] == widths[-1] else f"{widths[0]}-{widths[-1]}"
        parts.append(f"{name} {start}-{end - 1} ({px} px)")
    return f"W+ has {num_ws} entries for a {width} px wide image: " + ", ".join(parts)
