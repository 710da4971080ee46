"""The "walk" job: a latent walk between seeds rendered to MP4 or GIF (`modiste walk` in a job)."""

from __future__ import annotations

from modiste.serve.jobs import JobContext
from modiste.serve.routes.common import class_index
from modiste.serve.schemas import WalkParams


def build(studio, params: WalkParams):
    lm = studio.model(params.model)
    class_index(lm.G, params.class_name)  # 400 now for an unknown class, not a failed job later

    def run(ctx: JobContext):
        from modiste.latent.walks import plan_walk, render_frames, walk_latents
        from modiste.latent.latents import save_latents
        from modiste.latent.video import write_video

        classes = [params.class_name] if params.class_name else None
        walk = plan_walk(lm.G, seeds=params.seeds, class_names=classes, frames=params.frames, space=params.space,
                         loop=params.loop, truncation_psi=params.truncation, center=params.truncation_center)

        def frames():
            # forward passes only (eval mode, const noise): safe beside the batcher's calls on the same copy
            for i, frame in enumerate(render_frames(lm.G, walk)):
                ctx.progress(0.95 * (i + 1) / walk.frames, f"frame {i + 1}/{walk.frames}")
                yield frame

        name = f"walk.{params.format}"
        count = write_video(frames(), ctx.outdir / name, params.fps)
        save_latents(ctx.outdir / "walk", walk_latents(lm.G, walk, classes))
        return [name, "walk.safetensors", "walk.json"], {"frames": count, "keyframes": walk.keyframes}

    return run
