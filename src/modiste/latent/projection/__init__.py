"""Projection of real photos into W / W+ (StyleGAN2's projector) with optional pivotal tuning (PTI).

See api.py for the entry points and docs/latent.md ("Project") for the method and measured figures.
"""

from modiste.latent.projection.api import PhotoProjection, ProjectOptions, project_photos, write_projections
from modiste.latent.projection.losses import LossWeights, psnr
from modiste.latent.projection.ssim import ms_ssim

__all__ = ["LossWeights", "PhotoProjection", "ProjectOptions", "ms_ssim", "project_photos", "psnr",
           "write_projections"]
