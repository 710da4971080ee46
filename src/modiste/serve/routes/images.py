"""POST /api/generate, /api/mix, /api/edit: images for seeds, style mixes and edits."""

from __future__ import annotations

import asyncio
import math

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from modiste.latent.truncation import resolve_center
from modiste.serve.render import RenderItem
from modiste.serve.routes.common import class_index, in_thread, png_base64, png_response, studio_of, within
from modiste.serve.schemas import DirectionsRequest, EditRequest, GenerateRequest, MixRequest

router = APIRouter(tags=["images"])

PNG = {200: {"content": {"image/png": {}}, "description": "a PNG (a grid for several seeds), or JSON with format=json"}}


def grid(images: list[np.ndarray]) -> np.ndarray:
    cols = math.ceil(math.sqrt(len(images)))
    rows = math.ceil(len(images) / cols)
    h, w = images[0].shape[:2]
    out = np.zeros((rows * h, cols * w) + images[0].shape[2:], dtype=np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        out[r * h:(r + 1) * h, c * w:(c + 1) * w] = img
    return out


@router.post("/api/generate", responses=PNG)
async def generate(body: GenerateRequest, request: Request):
    """One image per seed, micro-batched with other clients' requests on the same model."""
    studio = studio_of(request)
    lm = studio.model(body.model)
    idx = class_index(lm.G, body.class_name)
    center = resolve_center(lm.G, body.truncation_center)
    batcher = studio.batcher(body.model)
    futures = [batcher.submit(RenderItem(seed, idx, body.truncation, center)) for seed in body.seeds]
    images = await within(asyncio.gather(*(asyncio.wrap_future(f) for f in futures)), studio.config.request_timeout)
    if body.format == "json":
        return JSONResponse({"model": body.model, "class": body.class_name, "truncation": body.truncation,
                             "images": [{"seed": s, "png_base64": png_base64(img)} for s, img in zip(body.seeds, images)]})
    return png_response(images[0] if len(images) == 1 else grid(images))


def _layers(G, text: str | None, default: tuple[int, int] | None = None) -> tuple[int, int] | None:
    from modiste.latent.layers import layer_range

    return default if text is None else layer_range(text, G.num_ws)


@router.post("/api/mix", responses=PNG)
async def mix(body: MixRequest, request: Request):
    """The labelled style-mixing grid: each row seed's W+ with each column seed's ws at `layers`."""
    from modiste.latent.inputs import ws_from_inputs
    from modiste.latent.mixing import style_mixing_grid

    studio = studio_of(request)
    lm = studio.model(body.model)

    def run():
        with lm.lock:
            layers = _layers(lm.G, body.layers)
            common = dict(class_name=body.class_name, truncation_psi=body.truncation, center=body.truncation_center)
            rows = ws_from_inputs(lm.G, seeds=body.rows, **common)
            cols = ws_from_inputs(lm.G, seeds=body.cols, **common)
            return style_mixing_grid(lm.G, rows, cols, layers, body.layers).figure

    return png_response(await in_thread(run, seconds=studio.config.request_timeout))


@router.post("/api/directions")
async def find_directions(body: DirectionsRequest, request: Request) -> dict:
    """Find directions (SeFa: closed form; GANSpace: PCA of sampled W) and keep them for this model."""
    from modiste.latent.directions.file import save_directions
    from modiste.latent.directions.ganspace import ganspace_directions
    from modiste.latent.directions.sefa import sefa_directions

    studio = studio_of(request)
    lm = studio.model(body.model)

    def run():
        with lm.lock:
            layers = _layers(lm.G, body.layers)
            if body.method == "sefa":
                ds = sefa_directions(lm.G, body.num, layers)
            else:
                ds = ganspace_directions(lm.G, body.num, layers=f"{layers[0]}-{layers[1] - 1}")
        save_directions(studio.config.storage / "directions" / body.model / body.method, ds)
        return ds

    ds = await in_thread(run, seconds=studio.config.request_timeout)
    return {"model": body.model, "set": body.method, "directions": [f"{body.method}:{n}" for n in ds.names]}
