"""Compose products: generated (or given) image -> tags -> context -> description -> title -> checks.

    from modiste.products import ProductComposer
    composer = ProductComposer(generator="runs/product-model", tagger="runs/tagger",
                               text_model="runs/text-model", text_taxonomy="runs/taxonomy")
    product = composer.from_seed(42, "Dresses")     # the same product every time for this seed
    products = composer.compose([0, 1, 2], "Dresses")
    composer.from_image(photo_uint8, name="my-photo")    # a real photo (no generator needed)
    composer.from_latents("proj.safetensors", row=0)     # a projected photo (`modiste project`)

Descriptions are sampled one product at a time with the product's seed as the sampler's seed and
the copy guard on, so a product never depends on the others composed with it.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Iterable, Iterator

import torch

from modiste.errors import ModisteError
from modiste.products import checks
from modiste.products.candidates import check_candidates, choose_description
from modiste.products.context import build_context
from modiste.products.generation import SamplingSettings, generate_seed_images, resolve_class
from modiste.products.identity import folder_identity
from modiste.products.record import Product
from modiste.products.tagging import ImageTagger, ImageTags


def slug(text: str) -> str:
    """URL-safe handle: NFC, lowercase, runs of non-alphanumerics -> one '-' ("Café <b> 2" -> "café-b-2")."""
    text = unicodedata.normalize("NFC", text)
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split()) or "product"


def check_text_settings(text_candidates: int, confirm_category: bool, has_taxonomy: bool) -> None:
    """Refuse --text-candidates outside 1 .. 32 and --confirm-category without a text taxonomy
    (ModisteError), before any model is loaded."""
    check_candidates(text_candidates)
    if confirm_category and not has_taxonomy:
        raise ModisteError("--confirm-category needs --text-taxonomy: the category of a description is confirmed "
                           "by the text classifier")


class ProductComposer:
    """Holds the loaded models; every `from_*` call returns one checked `Product`.

    generator: run/snapshot path or a loaded G (None for image-only use); tagger: folder or
    `ImageTagger`; text_model: text run/model folder or a `DescriptionGenerator`; text_taxonomy:
    folder or a `TextTaxonomy` (None: the description-category check reports it was skipped);
    confirm_category: fail the description-category check when it is undetermined (needs a taxonomy);
    text_candidates: descriptions sampled per product, the one passing most checks kept
    (`modiste.products.candidates`).

    Raises ModisteError for a missing tagger or text model, confirm_category without a taxonomy, or
    text_candidates outside 1 .. 32.
    """

    def __init__(self, generator: Any = None, tagger: Any = None, text_model: Any = None,
                 text_taxonomy: Any = None, sampling: SamplingSettings = SamplingSettings(),
                 text_options: Any = None, device: str = "cpu", confirm_category: bool = False,
                 text_candidates: int = 4) -> None:
        from modiste.text.generate import DescriptionGenerator, SamplingOptions

        if tagger is None or text_model is None:
            raise ModisteError("composing products needs --tagger and --text-model")
        check_text_settings(text_candidates, confirm_category, text_taxonomy is not None)
        self.device = device
        self.confirm_category = confirm_category
        self.G = self._load_generator(generator, device)
        self.tagger = tagger if isinstance(tagger, ImageTagger) else ImageTagger(tagger, device=device)
        if isinstance(text_model, DescriptionGenerator):
            self.text = text_model
        else:
            from modiste.text.checkpoint import resolve_model_dir

            # resolved here so that a wrong path names this command's option
            self.text = DescriptionGenerator(resolve_model_dir(text_model, "--text-model"), device=device)
        self.taxonomy = self._load_taxonomy(text_taxonomy)
        self.sampling = sampling.resolved(self.G) if self.G is not None else sampling
        base = text_options or SamplingOptions()
        # the copy guard is always on; K candidates per product, the best by the checks is kept
        self.text_options = replace(base, n=text_candidates, reject_copies=True)
        self.identities = self._identities(generator, tagger, text_model, text_taxonomy)

    def resolution_warning(self) -> str | None:
        """A note when the generator's images are smaller than, or shaped unlike, what the tagger learned
        from (see `modiste.products.tagger.input_size.size_warning`), else None.

        A tagger trained on sharp full-size photos sees a 32x48 sample upsampled and blurred, abstains
        more and errs more; one trained with `--resolution` at the generator's width sees what it
        will tag.
        """
        from modiste.products.tagger.input_size import size_warning

        if self.G is None:
            return None
        _, height, width = self.G.img_shape
        return size_warning(self.tagger.input_size, width, height)

    @staticmethod
    def _load_generator(generator: Any, device: str) -> torch.nn.Module | None:
        if generator is None or isinstance(generator, torch.nn.Module):
            return generator
        from modiste.gan.checkpoint import load_generator

        return load_generator(generator, device)

    @staticmethod
    def _load_taxonomy(text_taxonomy: Any) -> Any:
        if text_taxonomy is None or not isinstance(text_taxonomy, (str, os.PathLike)):
            return text_taxonomy
        from modiste.products.text_taxonomy import TextTaxonomy

        return TextTaxonomy.load(text_taxonomy)

    def _identities(self, generator: Any, tagger: Any, text_model: Any, taxonomy: Any) -> dict[str, Any]:
        from modiste.latent import generator_identity

        out: dict[str, Any] = {}
        if self.G is not None:
            out["generator"] = {"path": str(getattr(self.G, "source_path", generator)),
                                **generator_identity(self.G).to_json()}
        tagger_path = getattr(self.tagger, "path", tagger if isinstance(tagger, (str, os.PathLike)) else None)
        out["tagger"] = {"path": str(tagger_path) if tagger_path else None,
                         "sha256": folder_identity(Path(tagger_path)) if tagger_path else None,
                         "backbone": self.tagger.tagger.backbone}
        out["text_model"] = {"path": str(self.text.model_dir), "sha256": folder_identity(Path(self.text.model_dir))}
        if isinstance(taxonomy, (str, os.PathLike)):
            out["text_taxonomy"] = {"path": str(taxonomy), "sha256": folder_identity(Path(taxonomy))}
        return out

    def check_requested_class(self, class_name: str | None, attribute: str = "articleType") -> None:
        """Refuse a requested class the tagger cannot confirm, for photos and latents (a generator's
        classes are checked by `resolve_class`). Raises ModisteError listing the tagger's classes."""
        if class_name is None:
            return
        spec = self.tagger.tagger.specs.get(attribute)
        if spec is None:
            raise ModisteError(f"--class {class_name!r}: the tagger has no {attribute} head to check it against: "
                               f"drop --class or pass a tagger trained with {attribute}")
        from modiste.gan.generate import close_name_hint

        known = [c for c in spec.classes if c != "other"]
        if class_name not in known:
            raise ModisteError(f"unknown class {class_name!r}: {close_name_hint(class_name, known)}the tagger's "
                               f"{attribute} classes are {', '.join(known)}")

    def require_generator(self) -> torch.nn.Module:
        if self.G is None:
            raise ModisteError("no generator loaded: pass --generator a run folder or snapshot")
        return self.G

    def describe(self, context: str, seed: int) -> tuple[list[str], dict[str, Any]]:
        """(candidate descriptions the copy guard kept, text provenance) for one context, sampled with `seed`."""
        from modiste.text.cleaning import trim_to_sentence

        opts = replace(self.text_options, seed=seed)
        outs = self.text.generate([context], opts)
        attempts = max((o["attempts"] for o in outs), default=opts.max_retries + 1)
        # a description the token limit cut off ends at its last full sentence, not mid-word
        texts = [o["text"] if o["finished"] else trim_to_sentence(o["text"]) for o in outs]
        return texts, {"sampling": asdict(opts), "attempts": attempts}

    def text_checks(self, description: str, tags: ImageTags) -> list[checks.CheckResult]:
        """The checks of a description against the image's tags: its category, its colour words."""
        if self.taxonomy is not None:
            category = checks.description_category(self.taxonomy.predict([description])[0], tags,
                                                   confirm=self.confirm_category)
        else:
            category = checks.CheckResult("description_category", True, "skipped: no text classifier given")
        return [category, checks.colour_words(description, tags)]

    def from_image(self, image: torch.Tensor, name: str, requested: str | None = None, seed: int = 0,
                   provenance: dict[str, Any] | None = None) -> Product:
        """A product from a uint8 [3, H, W] image (a real photo, a generated one); `seed` drives the text.

        The handle is `name` as a slug (a photo's file name may hold spaces, '<', or NFD accents that
        Shopify handles, image URLs and HTML ids cannot).
        """
        tags = self.tagger.tag(image.unsqueeze(0))[0]
        return self._finish(image, tags, slug(name), requested, seed, provenance or {"source": "image", "name": name})

    def from_seed(self, seed: int, class_name: str | None = None) -> Product:
        """The product of generator seed `seed` (class `class_name` for conditional generators)."""
        G = self.require_generator()
        index = resolve_class(G, class_name)
        image = generate_seed_images(G, [seed], index, self.sampling)[0]
        handle = f"{slug(class_name or 'product')}-seed-{seed:04d}"
        prov = {"source": "seed", "seed": seed, "class": class_name, "truncation": self.sampling.to_json()}
        return self.from_image(image, handle, class_name, seed, prov)

    @torch.no_grad()
    def from_latents(self, path: str | os.PathLike, row: int = 0, requested: str | None = None,
                     seed: int = 0) -> Product:
        """A product from row `row` of a W+ latents file (e.g. a photo projected by `modiste project`)."""
        from modiste.gan.images import to_uint8
        from modiste.latent import load_latents

        G = self.require_generator()
        latents = load_latents(path, G)
        if latents.space != "w+":
            raise ModisteError(f"{path} holds {latents.space} latents: pass W+ latents (from `modiste project`)")
        if not 0 <= row < len(latents):
            raise ModisteError(f"row {row} is out of range: {path} holds {len(latents)} latents")
        ws = latents.latents[row:row + 1].to(next(G.parameters()).device)
        image = to_uint8(G.synthesis(ws, noise_mode="const"))[0].cpu()
        requested = requested or latents.classes[row]
        prov = {"source": "latents", "latents": str(path), "row": row, "meta": latents.meta}
        return self.from_image(image, f"{slug(Path(path).stem)}-{row:04d}", requested, seed, prov)

    def iter_compose(self, seeds: Iterable[int], class_name: str | None = None) -> Iterator[Product]:
        """Products for `seeds`, each made when the iterator is advanced (for exports that stream them).

        The generator and the class are checked now, before the first product is asked for.
        """
        G = self.require_generator()
        resolve_class(G, class_name)
        return (self.from_seed(seed, class_name) for seed in seeds)

    def compose(self, seeds: list[int], class_name: str | None = None, strict: bool = False,
                progress: bool = False) -> list[Product]:
        """Products for `seeds`; with `strict`, the ones that fail a check are dropped."""
        from tqdm import tqdm

        out = list(tqdm(self.iter_compose(seeds, class_name), total=len(seeds), disable=not progress,
                        desc="products"))
        return [p for p in out if not (strict and p.flagged)]

    def _finish(self, image: torch.Tensor, tags: ImageTags, handle: str, requested: str | None, seed: int,
                provenance: dict[str, Any]) -> Product:
        context = build_context(tags, requested)
        prompt = context.prompt_context(self.text.template)
        texts, text_prov = self.describe(prompt, seed)
        choice = choose_description(texts, lambda text: self.text_checks(text, tags))
        description = choice.text
        text_prov.update(candidates=self.text_options.n, kept=choice.kept, chosen=choice.index)
        results = [checks.image_category(tags, requested), *choice.checks]
        if not description:
            results.append(checks.CheckResult("description", False, "the text model produced only near-copies of "
                                                                    "training descriptions"))
        prov = {**provenance, "models": self.identities, "text": text_prov}
        return Product(handle, context.title(), description, tags, prompt, results, prov, image,
                       requested_class=requested)
