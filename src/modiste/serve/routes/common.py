"""Helpers shared by the routes: the studio from a request, PNG responses, class names, time limits."""

from __future__ import annotations

import asyncio
import base64
import io
from concurrent.futures import Future
from typing import Any

import numpy as np
from fastapi import Request, Response
from PIL import Image

from modiste.errors import ModisteError
from modiste.serve.studio import Studio


def studio_of(request: Request) -> Studio:
    return request.app.state.studio


def png_bytes(array: np.ndarray) -> bytes:
    """uint8 HxW, HxWx1 (grey: an L-mode PNG) or HxWx3 -> PNG bytes."""
    buf = io.BytesIO()
    Image.fromarray(array[:, :, 0] if array.ndim == 3 and array.shape[2] == 1 else array).save(buf, format="PNG")
    return buf.getvalue()


def png_response(array: np.ndarray) -> Response:
    return Response(png_bytes(array), media_type="image/png", headers={"Cache-Control": "no-store"})


def png_base64(array: np.ndarray) -> str:
    return base64.b64encode(png_bytes(array)).decode("ascii")


def class_index(G: Any, name: str | None) -> int | None:
    """The class index for `name` on G (None for unconditional models); ModisteError listing classes."""
    from modiste.gan.generate import class_index as index

    if G.c_dim == 0 and name is not None:  # the CLI's message says "--class"; an API client sends "class"
        raise ModisteError(f"\"class\" {name!r} was sent but this model is unconditional: leave \"class\" out")
    idx = index(G, name)
    if G.c_dim > 0 and idx is None:
        raise ModisteError(f"this model is conditional: send \"class\", one of {', '.join(G.cfg.class_names)}")
    return idx


async def within(future: Future | Any, seconds: float) -> Any:
    """Await a concurrent future (or a coroutine) with the server's per-request time limit."""
    aw = asyncio.wrap_future(future) if isinstance(future, Future) else future
    return await asyncio.wait_for(aw, timeout=seconds)


async def in_thread(fn, *args, seconds: float) -> Any:
    """Run blocking model work off the event loop, within the time limit."""
    return await asyncio.wait_for(asyncio.to_thread(fn, *args), timeout=seconds)
