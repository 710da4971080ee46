"""The server's state: models, their micro-batchers, the job runner, uploads, lazy text/tagger models."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from modiste.errors import ModisteError
from modiste.serve.batching import MicroBatcher
from modiste.serve.config import ServeConfig
from modiste.serve.jobs import JobRunner
from modiste.serve.registry import LoadedModel, ModelRegistry
from modiste.serve.render import RenderItem, render_items


class NotFound(ModisteError):
    """A named thing (model, job, upload, file) the server does not have: 404."""


class Studio:
    def __init__(self, config: ServeConfig) -> None:
        if config.threads:
            import torch

            torch.set_num_threads(config.threads)
        self.config = config
        self.registry = ModelRegistry(config.runs, config.device)
        config.storage.mkdir(parents=True, exist_ok=True)
        self.uploads = config.storage / "uploads"
        self.uploads.mkdir(exist_ok=True)
        self.jobs = JobRunner(config.storage, config.queue_size, config.job_workers, config.job_ttl_s)
        self._batchers: dict[str, MicroBatcher] = {}
        self._lock = threading.Lock()
        self.text_lock = threading.Lock()
        self._lazy: dict[str, Any] = {}

    def model(self, name: str) -> LoadedModel:
        try:
            return self.registry.get(name)
        except ModisteError as e:
            raise NotFound(str(e)) from None

    def batcher(self, name: str) -> MicroBatcher:
        lm = self.model(name)
        with self._lock:
            if name not in self._batchers:
                def run(items: list[RenderItem], lm: LoadedModel = lm) -> list[np.ndarray]:
                    with lm.lock:
                        return render_items(lm.G, items)

                self._batchers[name] = MicroBatcher(run, self.config.max_batch, self.config.max_wait_ms, f"batch-{name}")
            return self._batchers[name]

    def direction_sets(self, name: str) -> dict[str, Path]:
        """{set name: directions file} from the run's directions/ folder and the studio's own folder."""
        run = self.registry.runs[name]
        sets: dict[str, Path] = {}
        for folder in (run / "directions", self.config.storage / "directions" / name):
            for sidecar in sorted(folder.glob("*.json")) if folder.is_dir() else []:
                if sidecar.with_suffix(".safetensors").is_file():
                    sets.setdefault(sidecar.stem, sidecar.with_suffix(".safetensors"))
        return sets

    def direction_names(self, name: str) -> list[str]:
        """'<set>:<direction>' for every direction of a model (what edit requests name)."""
        out = []
        for set_name, path in self.direction_sets(name).items():
            try:
                names = json.loads(path.with_suffix(".json").read_text()).get("names", [])
            except (OSError, json.JSONDecodeError):
                continue
            out.extend(f"{set_name}:{n}" for n in names)
        return out

    def directions(self, name: str, set_name: str):
        """The DirectionSet `set_name` of model `name`, checked against its generator (cached)."""
        from modiste.latent.directions.file import load_directions

        sets = self.direction_sets(name)
        if set_name not in sets:
            raise NotFound(f"model {name!r} has no direction set {set_name!r}: its directions are "
                           f"{', '.join(self.direction_names(name)) or 'none (POST /api/directions finds some)'}")
        lm = self.model(name)
        key = f"directions:{set_name}:{sets[set_name].stat().st_mtime_ns}"
        if key not in lm.cache:
            lm.cache[key] = load_directions(sets[set_name], lm.G)
        return lm.cache[key]

    def model_info(self, name: str) -> dict:
        return {**self.registry.info(name), "directions": self.direction_names(name)}

    def save_upload(self, data: bytes, fmt: str) -> str:
        upload_id = uuid.uuid4().hex
        (self.uploads / f"{upload_id}.{fmt.lower()}").write_bytes(data)
        return upload_id

    def upload_path(self, upload_id: str) -> Path:
        matches = list(self.uploads.glob(f"{upload_id}.*")) if len(upload_id) == 32 and upload_id.isalnum() else []
        if not matches:
            raise NotFound(f"no upload {upload_id!r}: upload the photo first (POST /api/uploads)")
        return matches[0]

    def lazy(self, key: str, factory) -> Any:
        """Load a heavy object (text model, tagger) once, on first use."""
        with self._lock:
            if key not in self._lazy:
                self._lazy[key] = factory()
            return self._lazy[key]

    def text_model(self):
        """The description model (loaded once); ModisteError when the server was started without one."""
        if self.config.text_model is None:
            raise ModisteError("this server has no text model: start it with --text-model MODEL_DIR")

        def load():
            from modiste.text.generate import DescriptionGenerator

            return DescriptionGenerator(self.config.text_model, device=self.config.device)

        return self.lazy("text", load)

    def tagger(self):
        """The attribute tagger (loaded once); ModisteError when the server was started without one."""
        if self.config.tagger is None:
            raise ModisteError("this server has no attribute tagger: start it with --tagger TAGGER_DIR")

        def load():
            from modiste.products.tagging import ImageTagger

            return ImageTagger(self.config.tagger, device=self.config.device)

        return self.lazy("tagger", load)

    def taxonomy(self):
        """The text taxonomy classifier, or None when the server has none (the check is then skipped)."""
        if self.config.text_taxonomy is None:
            return None

        def load():
            from modiste.products.text_taxonomy import TextTaxonomy

            return TextTaxonomy.load(self.config.text_taxonomy)

        return self.lazy("taxonomy", load)

    def close(self) -> None:
        for b in self._batchers.values():
            b.close()
        self.jobs.close()
