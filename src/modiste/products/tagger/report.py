"""Evaluation outputs: confusion-matrix images and an HTML page of the worst confusions.

The confusion matrix is drawn with PIL (rows = true class, columns = predicted, each row normalised
so rare classes are as visible as common ones; the count is printed in each non-empty cell). The
HTML report is one self-contained file: thumbnails are embedded as base64 PNG, no external assets.
"""

from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from modiste.atomic import atomic_path, atomic_write_text
from modiste.products.tagger.evaluate import HeadEvaluation

CELL, THUMB = 22, 96


def confusion_image(ev: HeadEvaluation) -> Image.Image:
    """RGB image of the row-normalised confusion matrix with class names on both axes."""
    k = len(ev.classes)
    font = ImageFont.load_default()
    margin = 8 + 6 * max(len(c) for c in ev.classes)
    size = margin + k * CELL + 8
    img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)
    rows = ev.confusion.sum(1, keepdims=True).clip(min=1)
    share = ev.confusion / rows
    for i in range(k):
        draw.text((4, margin + i * CELL + 5), ev.classes[i], fill="black", font=font)
        label = Image.new("RGB", (margin, CELL), "white")
        ImageDraw.Draw(label).text((4, 5), ev.classes[i], fill="black", font=font)
        img.paste(label.rotate(90, expand=True), (margin + i * CELL, 0))
        for j in range(k):
            shade = int(255 * (1 - share[i, j]))
            colour = (shade, shade, 255) if i == j else (255, shade, shade)
            box = (margin + j * CELL, margin + i * CELL, margin + (j + 1) * CELL - 1, margin + (i + 1) * CELL - 1)
            draw.rectangle(box, fill=colour, outline=(220, 220, 220))
            if ev.confusion[i, j]:
                ink = "white" if shade < 128 else "black"  # readable on dark cells
                draw.text((box[0] + 2, box[1] + 5), str(int(ev.confusion[i, j]))[:3], fill=ink, font=font)
    return img


def _thumb_uri(image: torch.Tensor) -> str:
    arr = image.permute(1, 2, 0).numpy()
    pil = Image.fromarray(arr[..., 0] if arr.shape[2] == 1 else arr)
    pil.thumbnail((THUMB, THUMB))
    buf = io.BytesIO()
    pil.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def worst_confusions(ev: HeadEvaluation, top: int = 8) -> list[tuple[str, str, int]]:
    """The `top` (true, predicted, count) off-diagonal pairs with the most held-out images."""
    off = ev.confusion.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(-off, axis=None, kind="stable")[:top]
    return [(ev.classes[i], ev.classes[j], int(off[i, j])) for i, j in zip(*np.unravel_index(order, off.shape))
            if off[i, j] > 0]


def write_report(folder: str | os.PathLike, results: dict[str, HeadEvaluation], dataset: Any, keep: np.ndarray,
                 item_name, examples: int = 6) -> dict[str, Any]:
    """Write eval.json-ready summary, confusion_<head>.png and report.html into `folder`.

    dataset: the evaluated ImageDataset; keep: dataset indices of the tagger's images; item_name:
    position -> display name. Returns the summary dict.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    parts = ["<!doctype html><meta charset='utf-8'><title>Tagger evaluation</title><style>"
             "body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px}figure{display:inline-block;"
             "margin:4px;font-size:11px;width:110px}img{image-rendering:auto}</style><h1>Tagger evaluation</h1>"
             "<table><tr><th>head</th><th>accuracy</th><th>accuracy (own classes)</th><th>macro-F1</th>"
             "<th>coverage</th><th>selective accuracy</th><th>images</th></tr>"]
    for ev in results.values():
        parts.append(f"<tr><td>{html.escape(ev.name)}</td>" + "".join(
            f"<td>{v:.3f}</td>" for v in (ev.accuracy, ev.accuracy_known, ev.macro_f1, ev.coverage,
                                          ev.selective_accuracy)) + f"<td>{ev.count}</td></tr>")
    parts.append("</table>")
    for ev in results.values():
        png = folder / f"confusion_{ev.name}.png"
        with atomic_path(png) as tmp:
            confusion_image(ev).save(tmp, format="PNG")
        parts.append(f"<h2>{html.escape(ev.name)}</h2><p><a href='{png.name}'>confusion matrix</a></p>")
        for true, pred, count in worst_confusions(ev):
            ti, pi = ev.classes.index(true), ev.classes.index(pred)
            hits = np.nonzero((ev.true == ti) & (ev.pred == pi))[0]
            hits = hits[np.argsort(-ev.confidence[hits], kind="stable")][:examples]
            parts.append(f"<h3>{html.escape(true)} &rarr; {html.escape(pred)}: {count}</h3>")
            for h in hits:
                pos = int(ev.positions[h])
                image, _ = dataset[int(keep[pos])]
                parts.append(f"<figure><img src='{_thumb_uri(image)}' alt=''><figcaption>"
                             f"{html.escape(item_name(pos))}<br>p={ev.confidence[h]:.2f}</figcaption></figure>")
    atomic_write_text(folder / "report.html", "\n".join(parts))
    return {name: ev.summary() for name, ev in results.items()}
