"""`create_app(config)`: the FastAPI app behind `modiste serve` (REST API, OpenAPI schema, studio page).

Every error is a JSON body `{"error": "<one line naming the problem and the fix>"}` with the right
status code; stack traces stay in the server log.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from modiste.errors import ModisteError
from modiste.serve.config import ServeConfig
from modiste.serve.security import BodySizeLimit, require_token
from modiste.serve.studio import NotFound, Studio

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("modiste.serve")


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":  # loc is ("body", <character offset>)
            at = err.get("loc", ("body", "?"))[-1]
            return (f"invalid request: the body is not valid JSON (error at character {at}): "
                    f"send a JSON object with 'Content-Type: application/json' (see /docs)")
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "invalid request (" + "; ".join(parts) + "): see /docs for the expected body"


def create_app(config: ServeConfig, studio: Studio | None = None) -> FastAPI:
    """The app; `studio` may be given to share one state between apps (tests)."""
    studio = studio or Studio(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        studio.close()

    app = FastAPI(title="Modiste studio", version="1", lifespan=lifespan,
                  description="Generate, mix, edit, walk, project, describe and make products from trained generators.")
    app.state.studio = studio
    auth = [Depends(require_token(config.token))]

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return JSONResponse({"error": str(exc)}, status_code=404)

    @app.exception_handler(ModisteError)
    async def user_error(request: Request, exc: ModisteError):
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        return JSONResponse({"error": _validation_message(exc)}, status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(asyncio.TimeoutError)
    async def timeout(request: Request, exc: asyncio.TimeoutError):
        return JSONResponse({"error": f"the request took over {config.request_timeout:.0f} s: ask for fewer images "
                                      f"or use a job (POST /api/jobs)"}, status_code=504)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": f"internal error ({type(exc).__name__}): the server log has details"},
                            status_code=500)

    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(StarletteHTTPException)
    async def starlette_error(request: Request, exc: StarletteHTTPException):
        msg = "no such endpoint: see /docs for the API" if exc.status_code == 404 else str(exc.detail)
        if exc.status_code == 405:
            headers = {k.lower(): v for k, v in (getattr(exc, "headers", None) or {}).items()}
            allowed = headers.get("allow", "another method")
            msg = f"{request.method} is not allowed on {request.url.path}: use {allowed} (see /docs)"
        return JSONResponse({"error": msg}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.get("/api/health", tags=["server"])
    async def health() -> dict:
        """Liveness: no token needed."""
        return {"status": "ok", "models": len(studio.registry.names())}

    from modiste.serve.routes import images, jobs, models, text

    for router in (models.router, images.router, jobs.router, text.router):
        app.include_router(router, dependencies=auth)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodySizeLimit, limit=config.max_body_bytes)
    return app
