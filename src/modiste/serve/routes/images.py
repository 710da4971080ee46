"""POST /api/generate, /api/mix, /api/edit: images for seeds, style mixes and edits."""

from __future__ import annotations

import asyncio

import numpy as np
import torch
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from modiste.errors import ModisteError
from modiste.gan.images import make_grid
from modiste.latent.truncation import resolve_center
from modiste.serve.render import RenderItem
from modiste.serve.routes.common import class_index, in_thread, png_base64, png_response, studio_of, within
from modiste.serve.schemas import DirectionsRequest, EditRequest, GenerateRequest, MixRequest

router = APIRouter(tags=["images"])

PNG = {200: {"content": {"image/png": {}}, "description": "a PNG (a grid for several seeds), or JSON with format=json"}}


def grid(images: list[np.ndarray]) -> np.ndarray:
    """HxWxC uint8 images -> one grid image (modiste.gan.images.make_grid's layout)."""
    return make_grid(torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2))


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


MAX_PROJECTED = 4  # tuned generators kept per model (each is a model copy: bounded, least recently used out)


def _projected(studio, lm, job_id: str):
    """(generator with the photo's PTI weights / noise, its W+ LatentSet) for a projection job, cached."""
    from collections import OrderedDict

    from modiste.latent.inputs import load_generator_for, read_latents_for, ws_from_inputs
    from modiste.serve.task_project import latents_of

    cache = lm.cache.setdefault("projected", OrderedDict())
    if job_id not in cache:
        path = latents_of(studio, job_id)
        G = load_generator_for(lm.run, path, studio.config.device)
        cache[job_id] = (G, ws_from_inputs(G, latents=read_latents_for(G, path)))
        while len(cache) > MAX_PROJECTED:
            cache.popitem(last=False)
    cache.move_to_end(job_id)
    return cache[job_id]


@router.post("/api/edit", responses=PNG)
async def edit(body: EditRequest, request: Request):
    """A seed (or a projected photo) moved along named directions: w + strength * step * d per edit.

    Strengths are in units of the direction's spread in sampled W (see docs/latent.md), layers are
    the direction's own unless `layers` overrides them.
    """
    from modiste.latent.directions.preview import direction_step
    from modiste.latent.edit import apply_direction
    from modiste.latent.inputs import ws_from_inputs
    from modiste.latent.render import synthesize_images

    studio = studio_of(request)
    lm = studio.model(body.model)
    if (body.seed is None) == (body.latents is None):
        raise ModisteError("send exactly one of \"seed\" and \"latents\" (a projection job id)")
    steps = []
    for e in body.edits:
        set_name, sep, name = e.direction.partition(":")
        if not sep:
            raise ModisteError(f"direction {e.direction!r} must be '<set>:<name>' as GET /api/models lists them")
        ds = studio.directions(body.model, set_name)
        k = ds.index(name)
        steps.append((ds.vectors[k], e.strength * direction_step(ds, k), ds.layers[k]))

    def run():
        with lm.lock:
            if body.latents is not None:
                G, inputs = _projected(studio, lm, body.latents)
            else:
                G = lm.G
                inputs = ws_from_inputs(G, seeds=[body.seed], class_name=body.class_name,
                                        truncation_psi=body.truncation, center=body.truncation_center)
            layers = _layers(G, body.layers)
            ws = inputs.latents
            for vector, strength, own_layers in steps:
                ws = apply_direction(ws, vector, strength, layers or own_layers)
            return synthesize_images(G, ws)[0].permute(1, 2, 0).numpy()

    return png_response(await in_thread(run, seconds=studio.config.request_timeout))
