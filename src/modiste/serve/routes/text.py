"""POST /api/describe: product descriptions from a context, by the server's text model."""

from __future__ import annotations

from fastapi import APIRouter, Request

from modiste.serve.routes.common import in_thread, studio_of
from modiste.serve.schemas import DescribeRequest

router = APIRouter(tags=["text"])


@router.post("/api/describe")
async def describe(body: DescribeRequest, request: Request) -> dict:
    """`n` descriptions for a context such as "sleeveless red asymmetric dress" (copy guard on)."""
    studio = studio_of(request)
    model = studio.text_model()

    def run():
        from modiste.text.generate import SamplingOptions

        opts = SamplingOptions(n=body.n, temperature=body.temperature, seed=body.seed, reject_copies=True)
        with studio.text_lock:  # one sampling at a time: the model is not re-entrant
            return model.generate([body.context], opts)

    outputs = await in_thread(run, seconds=studio.config.request_timeout)
    return {"context": body.context, "descriptions": [o["text"] for o in outputs]}
