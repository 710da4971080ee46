"""GET /api/models: what each registered generator can do."""

from __future__ import annotations

from fastapi import APIRouter, Request

from modiste.serve.routes.common import studio_of
from modiste.serve.studio import NotFound

router = APIRouter(tags=["models"])


@router.get("/api/models")
async def list_models(request: Request) -> dict:
    """Every model: name, canvas (width, height, aspect), classes and saved directions."""
    studio = studio_of(request)
    return {"models": [studio.model_info(name) for name in studio.registry.names()]}


@router.get("/api/models/{name}")
async def one_model(name: str, request: Request) -> dict:
    studio = studio_of(request)
    if name not in studio.registry.runs:
        raise NotFound(f"unknown model {name!r}: GET /api/models lists the models")
    return studio.model_info(name)
