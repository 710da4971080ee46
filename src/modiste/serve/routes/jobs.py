"""Uploads and jobs: POST /api/uploads, POST /api/jobs, GET /api/jobs/{id}, cancel, result files."""

from __future__ import annotations

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse

from modiste.serve.jobs import QueueFull
from modiste.serve.routes.common import studio_of
from modiste.serve.schemas import ID, JobRequest
from modiste.serve.security import check_image_upload
from modiste.serve.studio import NotFound
from modiste.serve.tasks import build_task

router = APIRouter(tags=["jobs"])
RETRY_AFTER_S = 10


@router.post("/api/uploads", status_code=201)
async def upload(request: Request, file: UploadFile = File(description="a PNG, JPEG or WebP photo")) -> dict:
    """Store a photo under a generated id (for projection); checked by content and pixel count."""
    studio = studio_of(request)
    data = await file.read()
    fmt, size = check_image_upload(data, studio.config.max_upload_pixels)
    return {"upload": studio.save_upload(data, fmt), "format": fmt, "width": size[0], "height": size[1]}


@router.post("/api/jobs", status_code=202)
async def submit(body: JobRequest, request: Request):
    """Queue a walk, projection or product job; 503 with Retry-After when the queue is full."""
    studio = studio_of(request)
    task = build_task(studio, body.kind, body.params)  # validates params now: 422/404 before queueing
    try:
        job = studio.jobs.submit(body.kind, task)
    except QueueFull:
        return JSONResponse({"error": f"the job queue is full ({studio.config.queue_size} waiting): retry in "
                                      f"{RETRY_AFTER_S} s"}, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})
    return job.public()


def _job(request: Request, job_id: str):
    import re

    if not re.fullmatch(ID[1:-1], job_id):
        raise NotFound(f"no job {job_id!r}: job ids are the 32-character ids POST /api/jobs returns")
    try:
        return studio_of(request).jobs.get(job_id)
    except Exception as e:  # ModisteError from the runner: unknown id
        raise NotFound(str(e)) from None


@router.get("/api/jobs")
async def list_jobs(request: Request) -> dict:
    return {"jobs": [j.public() for j in studio_of(request).jobs.list()]}


@router.get("/api/jobs/{job_id}")
async def status(job_id: str, request: Request) -> dict:
    """Status, progress in [0, 1], error, result and the names of the result files."""
    return _job(request, job_id).public()


@router.post("/api/jobs/{job_id}/cancel")
async def cancel(job_id: str, request: Request) -> dict:
    _job(request, job_id)
    return studio_of(request).jobs.cancel(job_id).public()


@router.get("/api/jobs/{job_id}/files/{name:path}")  # products report images/<handle>.png
async def result_file(job_id: str, name: str, request: Request) -> FileResponse:
    """A file the job wrote; only names the job reported are served."""
    _job(request, job_id)
    try:
        path = studio_of(request).jobs.file(job_id, name)
    except Exception as e:
        raise NotFound(str(e)) from None
    return FileResponse(path, filename=name.rsplit("/", 1)[-1])
