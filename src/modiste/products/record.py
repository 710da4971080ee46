"""The product record: what a storefront imports, with the checks and the provenance that made it.

A `Product` holds the image (uint8 [3, H, W], kept in memory; exports write it to a file), title,
description, tags with confidences, the context given to the text model, every check result, and
the provenance: identities (content hashes) of the generator, tagger, text model and text
classifier, the seed or source image, the truncation and sampling settings. With the same models
the provenance is enough to compose the same product again (`ProductComposer.from_seed`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from modiste.products.checks import CheckResult
from modiste.products.tagging import ImageTags


@dataclass
class Product:
    """One composed product. `handle` is its stable id (e.g. "dresses-seed-0042")."""

    handle: str
    title: str
    description: str
    tags: ImageTags
    context: str
    checks: list[CheckResult]
    provenance: dict[str, Any]
    image: torch.Tensor | None = None  # uint8 [3, H, W]
    image_file: str | None = None  # set by exports: the image's file name next to the export
    requested_class: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        return any(not c.passed for c in self.checks)

    @property
    def reasons(self) -> list[str]:
        """One line per failed check."""
        return [f"{c.name}: {c.reason}" for c in self.checks if not c.passed]

    def label(self, attribute: str) -> str | None:
        return self.tags.label(attribute)

    def to_json(self) -> dict[str, Any]:
        """JSON-able dict (without pixels; `image_file` names the image when exported)."""
        return {
            "handle": self.handle, "title": self.title, "description": self.description,
            "requested_class": self.requested_class, "context": self.context, **self.tags.to_json(),
            "checks": [c.to_json() for c in self.checks], "flagged": self.flagged, "reasons": self.reasons,
            "image_file": self.image_file, "provenance": self.provenance, "extra": self.extra,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any], image: torch.Tensor | None = None) -> "Product":
        return cls(obj["handle"], obj["title"], obj["description"], ImageTags.from_json(obj), obj["context"],
                   [CheckResult(**c) for c in obj["checks"]], obj["provenance"], image, obj.get("image_file"),
                   obj.get("requested_class"), obj.get("extra", {}))
