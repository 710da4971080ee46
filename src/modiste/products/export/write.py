"""Writing products to a folder: each product's image and record as it is finished, the exports at the end.

`ExportWriter` is what a long run uses: `add(product)` saves the image (atomically) and appends the
product's JSON record to `products.jsonl.partial`, flushed and synced, so a crash or Ctrl-C keeps
every finished product; `finish()` writes the HTML page and the Shopify CSV from the records (each
atomically) and renames the partial file to `products.jsonl` last, so `products.jsonl` exists only
for a complete export. Nothing is created before the first product. `export_products` writes a list
in one go through the same writer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Iterable

from modiste.errors import ModisteError
from modiste.gan.images import save_image
from modiste.products.record import Product

FORMATS = ("jsonl", "html", "shopify")
IMAGE_DIR = "images"
JSONL_FILE, HTML_FILE, SHOPIFY_FILE = "products.jsonl", "catalogue.html", "shopify_products.csv"
PARTIAL_FILE = JSONL_FILE + ".partial"  # the records of a run still going (or interrupted)
EXPORT_FILES = (JSONL_FILE, PARTIAL_FILE, HTML_FILE, SHOPIFY_FILE)


def image_name(product: Product) -> str:
    """Stable relative file name of a product's image: images/<handle>.png."""
    return f"{IMAGE_DIR}/{product.handle}.png"


def check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """`formats` as a tuple if every one is in FORMATS; else raise ModisteError naming the unknown one."""
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ModisteError(f"unknown export format {unknown[0]!r}: use one or more of {', '.join(FORMATS)}, "
                           "comma-separated")
    return formats


def parse_formats(text: str) -> tuple[str, ...]:
    """--formats text ("jsonl,html") -> ("jsonl", "html"); raises ModisteError for no name or an unknown one."""
    formats = tuple(dict.fromkeys(f.strip() for f in text.split(",") if f.strip()))
    if not formats:
        raise ModisteError(f"--formats {text!r} names no export: use one or more of {', '.join(FORMATS)}, "
                           "comma-separated")
    return check_formats(formats)


def check_outdir(outdir: str | os.PathLike) -> Path:
    """Refuse an output folder that cannot hold the exports (empty name, a file in its place or in
    images/'s, not writable; see `modiste.products.outputs.check_output_folder`).

    Called before any product is composed, so a bad --outdir costs nothing and writes nothing.
    Raises ModisteError naming the problem.
    """
    from modiste.products.outputs import check_output_folder

    return check_output_folder(outdir, "--outdir", must_hold=IMAGE_DIR)


def check_new_outdir(outdir: str | os.PathLike) -> Path:
    """`check_outdir`, and refuse a folder that already holds an export (as `modiste synthesize` refuses
    one holding a data set): the new images would replace or sit among the old run's under the same
    names, and no record would tell them apart. Other files in the folder are left alone.
    """
    outdir = check_outdir(outdir)
    found = [name for name in EXPORT_FILES if (outdir / name).exists()]
    images = outdir / IMAGE_DIR
    if images.is_dir() and any(images.iterdir()):
        found.append(f"{IMAGE_DIR}/")
    if found:
        note = f"; {PARTIAL_FILE} holds the finished products of an interrupted run" if PARTIAL_FILE in found else ""
        raise ModisteError(f"output folder '{outdir}' already holds a product export ({', '.join(found)}{note}): "
                           "pick a new --outdir or move those files away")
    return outdir


def save_product_image(product: Product, outdir: Path) -> None:
    """Save the product's image as outdir/images/<handle>.png (atomically) and record the name in `image_file`."""
    if product.image is not None:
        save_image(product.image, outdir / image_name(product))
        product.image_file = image_name(product)


def write_images(products: list[Product], outdir: str | os.PathLike) -> None:
    """Save each product's image under outdir/images/<handle>.png and record the name in `image_file`."""
    outdir = Path(outdir)
    (outdir / IMAGE_DIR).mkdir(parents=True, exist_ok=True)
    for p in products:
        save_product_image(p, outdir)


def shared_handle_error(handle: str) -> ModisteError:
    return ModisteError(f"two products share the handle {handle!r}: give each product its own seed or name")


class ExportWriter:
    """Streams products into `outdir` (see the module docstring); use as a context manager, call `finish()`.

    `products` holds the records added so far (their `image_file` set). Leaving the `with` block
    without `finish()` (an error, Ctrl-C) closes products.jsonl.partial and keeps it with the images.
    Write failures (disk full, no permission) raise ModisteError.
    """

    def __init__(self, outdir: str | os.PathLike, formats: Iterable[str] = FORMATS, vendor: str = "Modiste",
                 image_base_url: str = "") -> None:
        self.formats = check_formats(formats)
        self.outdir = check_outdir(outdir)
        from modiste.products.export.shopify import check_image_base_url

        self.vendor, self.image_base_url = vendor, check_image_base_url(image_base_url)
        self.products: list[Product] = []
        self._handles: set[str] = set()
        self._file: IO[str] | None = None

    @property
    def partial_path(self) -> Path:
        return self.outdir / PARTIAL_FILE

    def __enter__(self) -> "ExportWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _cannot_write(self, e: OSError) -> ModisteError:
        kept = f"; the {len(self.products)} finished products are in {self.partial_path}" if self.products else ""
        return ModisteError(f"cannot write the export in '{self.outdir}' ({e.strerror or e}){kept}: "
                            "free some space or pick a folder you can write to for --outdir")

    def _open(self) -> IO[str]:
        if self._file is None:
            (self.outdir / IMAGE_DIR).mkdir(parents=True, exist_ok=True)
            self._file = open(self.partial_path, "w", encoding="utf-8")
        return self._file

    def add(self, product: Product) -> None:
        """Save the product's image and append its record to products.jsonl.partial (flushed and synced)."""
        from modiste.products.export.jsonl import record_line

        if product.handle in self._handles:
            raise shared_handle_error(product.handle)
        try:
            file = self._open()
            save_product_image(product, self.outdir)
            file.write(record_line(product))
            file.flush()
            os.fsync(file.fileno())
        except OSError as e:
            raise self._cannot_write(e) from None
        self._handles.add(product.handle)
        self.products.append(product)

    def finish(self) -> dict[str, Path]:
        """Write the HTML and Shopify exports, then rename the partial file to products.jsonl (or remove
        it when jsonl was not asked for); returns {format: file}."""
        from modiste.products.export.html import write_html
        from modiste.products.export.shopify import write_shopify_csv

        written: dict[str, Path] = {}
        try:
            self._open()  # an empty export still gets its (empty) files
            self.close()
            if "html" in self.formats:
                written["html"] = write_html(self.products, self.outdir / HTML_FILE)
            if "shopify" in self.formats:
                written["shopify"] = write_shopify_csv(self.products, self.outdir / SHOPIFY_FILE, self.vendor,
                                                       self.image_base_url)
            if "jsonl" in self.formats:
                written["jsonl"] = self.outdir / JSONL_FILE
                os.replace(self.partial_path, written["jsonl"])
            else:
                self.partial_path.unlink()
        except OSError as e:
            raise self._cannot_write(e) from None
        return {fmt: written[fmt] for fmt in FORMATS if fmt in written}


def export_products(products: list[Product], outdir: str | os.PathLike, formats: tuple[str, ...] = FORMATS,
                    vendor: str = "Modiste", image_base_url: str = "", overwrite: bool = False) -> dict[str, Path]:
    """Write `products` in `formats` into `outdir`; returns {format: file}.

    Raises ModisteError, before writing anything, for an unknown format, duplicate handles (they
    would overwrite each other) or, unless `overwrite`, an `outdir` already holding an export (as
    `modiste product --outdir` refuses one; see `check_new_outdir`). With `overwrite`, the export files
    are replaced and images/ keeps any older image not named by `products`.
    """
    if not overwrite:
        check_new_outdir(outdir)
    writer = ExportWriter(outdir, formats, vendor, image_base_url)
    handles = [p.handle for p in products]
    if len(set(handles)) != len(handles):
        raise shared_handle_error(next(h for h in handles if handles.count(h) > 1))
    with writer:
        for p in products:
            writer.add(p)
        return writer.finish()
