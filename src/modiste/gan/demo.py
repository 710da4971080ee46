"""`modiste demo`: a few CPU minutes on Fashion-MNIST, then a sample grid and an HTML report."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from modiste.atomic import atomic_write_text
from modiste.data.fashion_mnist import ensure_fashion_mnist
from modiste.gan.generate import generate_images
from modiste.gan.training.config import TrainConfig
from modiste.gan.training.loop import train

# Settings chosen for recognisable garments after ~5 minutes on 2 CPU cores (docs/training.md): the
# tiny preset, small batches for many steps, and no path-length/style-mixing regularisation, which
# pay off only in long runs. Fashion-MNIST has 60k images, so no augmentation is needed.
DEMO_SETTINGS = dict(resolution=32, preset="tiny", batch=8, lr_g=0.004, lr_d=0.004, r1_gamma=0.05, aug="none",
                     pl_weight=0.0, style_mixing=0.0, snap=2.0, log_every=0.5, kimg=1000.0, workers=1, ema_kimg=1.0)


def run_demo(data: str | None = None, minutes: float = 5.0, outdir: str = "runs", device: str = "auto",
             seed: int = 0, progress: bool = True, **overrides) -> Path:
    fmnist = ensure_fashion_mnist(Path(data) if data else None)
    cfg = TrainConfig(data=str(fmnist), max_minutes=minutes, device=device, seed=seed,
                      **{**DEMO_SETTINGS, **overrides})
    run_dir = train(cfg, outdir=outdir, progress=progress)
    samples = run_dir / "samples"
    generate_images(run_dir, list(range(64)), samples, truncation=0.8, device="cpu")
    write_report(run_dir)
    return run_dir


def _img_tag(path: Path, title: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(title)}" '
            f'style="image-rendering:pixelated;width:384px"><figcaption>{html.escape(title)}</figcaption></figure>')


def _loss_svg(records: list[dict], keys: tuple[str, ...] = ("loss/G", "loss/D")) -> str:
    rows = [r for r in records if "kimg" in r and all(k in r for k in keys)]
    if len(rows) < 2:
        return "<p>(too few log records for a curve)</p>"
    w, h = 480, 160
    xs = [r["kimg"] for r in rows]
    lo = min(min(r[k] for r in rows) for k in keys)
    hi = max(max(r[k] for r in rows) for k in keys)
    span_x, span_y = (max(xs) - min(xs)) or 1, (hi - lo) or 1
    colors = ["#c0392b", "#2c3e50"]
    lines = []
    for key, color in zip(keys, colors):
        pts = " ".join(f"{(x - min(xs)) / span_x * w:.1f},{h - (r[key] - lo) / span_y * h:.1f}" for x, r in zip(xs, rows))
        lines.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{pts}"/>')
    legend = " ".join(f'<span style="color:{c}">&#9632; {html.escape(k)}</span>' for k, c in zip(keys, colors))
    return (f'<svg width="{w}" height="{h}" style="border:1px solid #ccc">{"".join(lines)}</svg>'
            f"<p>{legend} (range {lo:.3f} to {hi:.3f}, over {min(xs):.1f} to {max(xs):.1f} kimg)</p>")


def write_report(run_dir: Path) -> Path:
    config = json.loads((run_dir / "config.json").read_text())
    records = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines() if line.strip()]
    done = next((r for r in reversed(records) if r.get("event") == "done"), {})
    rates = [r["img_per_s"] for r in records if "img_per_s" in r]
    cfg = config["config"]
    settings = {k: cfg[k] for k in ("data", "resolution", "preset", "arch", "batch", "aug", "r1_gamma", "lr_g",
                                    "lr_d", "seed", "max_minutes")}
    settings.update({"trained kimg": done.get("kimg"), "minutes": done.get("minutes"),
                     "median img/s": sorted(rates)[len(rates) // 2] if rates else None,
                     "processes": config.get("processes")})
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in settings.items())
    body = f"""<!doctype html><html><head><meta charset="utf-8"><title>Modiste demo: {html.escape(run_dir.name)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:960px}} figure{{display:inline-block;margin:0 1em 1em 0}}
th{{text-align:left;padding-right:1em}}</style></head><body>
<h1>Modiste demo</h1><p>Run <code>{html.escape(run_dir.name)}</code>: a StyleGAN2 generator trained from scratch on
Fashion-MNIST on this machine. Left: real training images. Right: new garments from the EMA generator
(seeds 0-63, truncation 0.8).</p>
{_img_tag(run_dir / "reals.png", "real Fashion-MNIST images")}
{_img_tag(run_dir / "samples" / "grid.png", "generated (seeds 0-63, truncation 0.8)")}
<h2>Training</h2>{_loss_svg(records)}
<table>{rows}</table>
<p>Files: <code>checkpoints/</code> (safetensors), <code>log.jsonl</code>, <code>tensorboard/</code>,
<code>samples/</code>. Generate more with <code>modiste generate --checkpoint {html.escape(str(run_dir))} --seeds 0-63</code>.</p>
</body></html>"""
    path = run_dir / "report.html"
    atomic_write_text(path, body)
    return path
