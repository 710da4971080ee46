"""Job kinds: parameters validated up front, then a function the job runner calls.

`build_task(studio, kind, params)` checks `params` against the kind's schema (422 with the reason),
resolves the model, classes and uploads (404 / 400 before anything is queued) and returns the job
function. Each function writes only into the job's own folder and returns the file names.
"""

from __future__ import annotations

from typing import Any, Callable

from fastapi import HTTPException
from pydantic import BaseModel, ValidationError

from modiste.serve.jobs import JobContext
from modiste.serve.schemas import ProductParams, ProjectParams, WalkParams

SCHEMAS: dict[str, type[BaseModel]] = {"walk": WalkParams, "project": ProjectParams, "product": ProductParams}


def _parse(kind: str, params: dict) -> BaseModel:
    try:
        return SCHEMAS[kind].model_validate(params)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "params"
        raise HTTPException(422, f"invalid {kind} params ({where}: {err.get('msg')}): see /docs for the fields") from None


def build_task(studio: Any, kind: str, params: dict) -> Callable[[JobContext], Any]:
    import importlib

    module = importlib.import_module(f"modiste.serve.task_{kind}")  # kind is one of SCHEMAS' keys
    return module.build(studio, _parse(kind, params))
