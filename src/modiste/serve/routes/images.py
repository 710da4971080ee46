"""POST /api/generate, /api/mix, /api/edit: images for seeds, style mixes and edits."""

from __future__ import annotations

import asyncio
import math

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from modiste.latent.truncation import resolve_center
from modiste.serve.render import RenderItem
from modiste.serve.routes.common import class_index, png_base64, png_response, studio_of, within
from modiste.serve.schemas import GenerateRequest

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
