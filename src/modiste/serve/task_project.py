"""The "project" job: an uploaded photo -> latents (+ PTI weights), reconstruction and scores.

The job folder then holds what `modiste project` writes (`photo.safetensors/.json` latents,
`photo-reconstruction.png`, `comparison.png`, `projection.json`, `photo.pti.safetensors`), and
`POST /api/edit` with `"latents": <job id>` edits the projected photo.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from modiste.errors import ModisteError
from modiste.serve.jobs import JobContext
from modiste.serve.routes.common import class_index
from modiste.serve.schemas import ProjectParams

LATENTS_STEM = "photo"


def build(studio, params: ProjectParams):
    lm = studio.model(params.model)
    class_index(lm.G, params.class_name)  # unknown class / conditional without class: 400 now, not later
    upload = studio.upload_path(params.upload)

    def run(ctx: JobContext):
        from modiste.latent.projection.api import ProjectOptions, project_photos, write_projections

        G = lm.G  # read-only here: the projector and PTI work on private copies of it
        photo = ctx.outdir / "in" / f"{LATENTS_STEM}{upload.suffix}"
        photo.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(upload, photo)
        options = ProjectOptions(space=params.space, steps=params.steps, class_name=params.class_name,
                                 pti=params.pti, pti_steps=params.pti_steps, progress=False)
        ctx.progress(0.02, "projecting")
        try:
            results = project_photos(G, [photo], options, on_progress=lambda f: ctx.progress(0.02 + 0.93 * f))
        except ModisteError as e:  # the message names the server's copy: clients know it as their upload
            named = str(e).replace(f"photo {photo}", str(photo)).replace(str(photo), "the uploaded photo")
            raise ModisteError(named) from None
        ctx.progress(0.96, "writing")
        summary = write_projections(G, results, ctx.outdir, options)
        shutil.rmtree(photo.parent, ignore_errors=True)
        files = sorted(p.name for p in ctx.outdir.iterdir() if p.is_file())
        r = results[0]
        return files, {"scores": r.pti_scores or r.scores, "scores_without_pti": r.scores if params.pti else None,
                       "fit_note": r.photo.note, "latents": f"{LATENTS_STEM}.safetensors", "seconds": summary.get("seconds")}

    return run


def latents_of(studio, job_id: str) -> Path:
    """The latents file a finished projection job wrote (for edits)."""
    from modiste.serve.studio import NotFound

    try:
        job = studio.jobs.get(job_id)
    except Exception:
        raise NotFound(f"no projection job {job_id!r}: project a photo first (POST /api/jobs kind=project)") from None
    if job.kind != "project":
        raise ModisteError(f"job {job_id} is a {job.kind} job, not a projection: send the id of a "
                           f"project job as \"latents\" (POST /api/jobs kind=project)")
    if job.status != "done":
        raise ModisteError(f"projection job {job_id} is {job.status}, not done: wait for it to finish "
                           f"(GET /api/jobs/{job_id}) or project the photo again")
    return studio.jobs.root / job.id / f"{LATENTS_STEM}.safetensors"
