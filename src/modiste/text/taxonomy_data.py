"""Catalogue texts labelled with the image tagger's taxonomy, for the text taxonomy classifier.

Two shared sources, read with the standard library:

- the 44k product titles (`styles_all_44446.csv`): `productDisplayName` with its own
  masterCategory, subCategory, articleType, gender and baseColour ("NA" colour = unlabelled);
- the Myntra catalogue (`myntra_products_catalog.csv`), whose columns differ. Mapped:
  `Gender` -> gender (Men, Women, Unisex, Boys, Girls; "Unisex Kids" is left unlabelled);
  `Product_Name` -> articleType by the article-type names of the styles file (plural/singular,
  catalogue synonyms such as "T-shirt" -> Tshirts, "Sneakers" -> Casual Shoes, "Chinos" ->
  Trousers; home goods such as curtains stay unlabelled: the taxonomy has no place for them), taking the
  right-most match before any " with " (the product noun ends a Myntra name: "Kurti with
  Palazzos" is a kurti); masterCategory and subCategory then follow from the articleType as
  the styles file files it (one pair per type in 99.9 % of its rows);
  `Product_Name` without its brand ("Red Tape", "Pepe Jeans") -> baseColour: the first styles colour it names, else `Primary_Color` when that
  is a styles colour. Both the Description and the Product_Name become examples, in one group
  (the product), so a held-out split never puts a product's name and description on two sides.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from modiste.errors import ModisteError

ATTRIBUTES = ("masterCategory", "subCategory", "articleType", "gender", "baseColour")
GENDERS = ("Men", "Women", "Unisex", "Boys", "Girls")
# catalogue words -> styles articleType, for names the styles vocabulary does not spell
ARTICLE_SYNONYMS = {
    "t shirt": "Tshirts", "t shirts": "Tshirts", "tee": "Tshirts", "sneakers": "Casual Shoes", "loafers": "Casual Shoes",
    "slip ons": "Casual Shoes", "boat shoes": "Casual Shoes", "running shoes": "Sports Shoes", "training shoes": "Sports Shoes",
    "walking shoes": "Sports Shoes", "derbys": "Formal Shoes", "oxfords": "Formal Shoes", "brogues": "Formal Shoes",
    "hoodie": "Sweatshirts", "sweatshirt": "Sweatshirts", "vest": "Innerwear Vests", "trunks": "Trunk", "watch": "Watches",
    "chandbalis": "Earrings", "jhumkas": "Earrings", "studs": "Earrings", "shoulder bag": "Handbags", "sling bag": "Handbags",
    "tote bag": "Handbags", "hobo bag": "Handbags", "handbag": "Handbags", "night suit": "Night suits", "pyjamas": "Lounge Pants",
    "kurta set": "Kurta Sets", "saree": "Sarees", "necklace": "Necklace and Chains", "chain": "Necklace and Chains",
    "perfume": "Perfume and Body Mist", "eau de toilette": "Perfume and Body Mist", "eau de parfum": "Perfume and Body Mist",
    "chinos": "Trousers", "cargos": "Trousers", "culottes": "Trousers", "palazzos": "Trousers", "joggers": "Track Pants",
    "pumps": "Heels", "peep toes": "Heels", "wedges": "Heels", "ballerinas": "Flats", "driving shoes": "Casual Shoes",
    "playsuit": "Rompers", "beanie": "Caps", "handheld bag": "Handbags", "blouse": "Tops",
}
# colour words -> styles baseColour, beyond the colour names themselves
COLOUR_SYNONYMS = {"navy": "Navy Blue", "off white": "Off White", "gray": "Grey", "multicoloured": "Multi", "multicolored": "Multi",
                   "turquoise": "Turquoise Blue", "olive green": "Olive", "coffee": "Coffee Brown"}


@dataclass(frozen=True)
class LabelledText:
    """One text with the taxonomy labels known for it (attribute -> label; missing = unlabelled)."""

    text: str
    labels: dict[str, str] = field(hash=False)
    group: str  # texts of one product share a group (held-out splits keep a group on one side)
    source: str  # "title" (styles productDisplayName), "myntra-description" or "myntra-name"


def normalise(text: str) -> str:
    """Lower case, every run of non-alphanumerics one space, padded with spaces for word matching."""
    return " " + " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split()) + " "


def _read_csv(path: str | Path, needed: Iterable[str]) -> list[dict[str, str]]:
    path = Path(path)
    if not path.is_file():
        raise ModisteError(f"catalogue file '{path}' not found: pass the path of the shared catalogue CSV")
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    missing = [c for c in needed if rows and c not in rows[0]]
    if not rows or missing:
        raise ModisteError(f"'{path}' lacks the columns {missing or list(needed)} (it has {list(rows[0]) if rows else 'no rows'}): "
                           "pass the styles or Myntra catalogue CSV")
    return rows


def read_styles(path: str | Path) -> list[LabelledText]:
    """The styles file's titles, each labelled with its five taxonomy columns."""
    rows = _read_csv(path, ("productDisplayName", *ATTRIBUTES))
    out = []
    for row in rows:
        title = (row["productDisplayName"] or "").strip()
        labels = {a: row[a].strip() for a in ATTRIBUTES if row[a] and row[a].strip() not in ("", "NA")}
        if title:
            out.append(LabelledText(title, labels, "title:" + normalise(title).strip(), "title"))
    return out


class TaxonomyLexicon:
    """Article-type and colour names of the styles file, matched in free text (see module doc)."""

    def __init__(self, styles: list[LabelledText]):
        pairs: dict[str, Counter] = defaultdict(Counter)
        for item in styles:
            if {"articleType", "masterCategory", "subCategory"} <= item.labels.keys():
                pairs[item.labels["articleType"]][(item.labels["masterCategory"], item.labels["subCategory"])] += 1
        self.categories = {article: counts.most_common(1)[0][0] for article, counts in pairs.items()}
        self.colours = sorted({item.labels["baseColour"] for item in styles if "baseColour" in item.labels})
        self.article_forms = self._forms({a: a for a in self.categories} | ARTICLE_SYNONYMS, plural=True)
        self.colour_forms = self._forms({c: c for c in self.colours} | COLOUR_SYNONYMS, plural=False)

    def _forms(self, names: dict[str, str], plural: bool) -> list[tuple[str, str]]:
        """(normalised surface form, label), longest first. Article types also match in the singular
        and plural and by each half of an "X and Y" name; a form that is one type's own name wins."""
        forms: dict[str, tuple[int, str]] = {}  # form -> (priority: 0 own name, 1 number variant, 2 half, label)

        def add(form: str, rank: int, label: str) -> None:
            if len(form) > 2 and (form not in forms or rank < forms[form][0]):
                forms[form] = (rank, label)

        for name, label in names.items():
            if label not in self.categories and label not in self.colours:
                continue
            base = normalise(name).strip()
            add(base, 0, label)
            if not plural:
                continue
            halves = [h.strip() for h in base.split(" and ")] if " and " in base else []
            for rank, word in [(1, base)] + [(2, h) for h in halves]:
                add(word, rank, label)
                for variant in (word[:-2] if word.endswith("es") else "", word[:-1] if word.endswith("s") else "", word + "s"):
                    add(variant, rank, label)
        return sorted(((f, label) for f, (_, label) in forms.items()), key=lambda f: -len(f[0]))

    def article_type(self, name: str) -> str | None:
        """The right-most article type named in a product name (before ' with '); None when none is."""
        text = normalise(name.split(" with ")[0])
        best: tuple[int, int, str] | None = None
        for form, label in self.article_forms:
            at = text.rfind(f" {form} ")
            if at >= 0 and (best is None or (at + len(form), len(form)) > best[:2]):
                best = (at + len(form), len(form), label)
        return best[2] if best else None

    def colour(self, text: str) -> str | None:
        """The first styles colour named in `text` (longest form wins at a position); None when none is."""
        padded = normalise(text)
        hits = [(padded.find(f" {form} "), -len(form), label) for form, label in self.colour_forms if f" {form} " in padded]
        return min(hits)[2] if hits else None


def read_myntra(path: str | Path, lexicon: TaxonomyLexicon) -> list[LabelledText]:
    """Myntra descriptions and names, labelled through `lexicon` (see module doc)."""
    rows = _read_csv(path, ("Product_ID", "Product_Name", "Product_Brand", "Gender", "Description", "Primary_Color"))
    out = []
    for row in rows:
        name, description = (row["Product_Name"] or "").strip(), (row["Description"] or "").strip()
        brand = (row["Product_Brand"] or "").strip()
        product = name[len(brand):] if brand and name.lower().startswith(brand.lower()) else name  # "Red Tape", "Pepe Jeans"
        labels: dict[str, str] = {}
        if row["Gender"].strip() in GENDERS:
            labels["gender"] = row["Gender"].strip()
        article = lexicon.article_type(product)
        if article:
            labels["articleType"] = article
            labels["masterCategory"], labels["subCategory"] = lexicon.categories[article]
        primary = (row["Primary_Color"] or "").strip()
        colour = lexicon.colour(product) or (primary if primary in lexicon.colours else None)
        if colour:
            labels["baseColour"] = colour
        group = "myntra:" + row["Product_ID"]
        for text, source in ((description, "myntra-description"), (name, "myntra-name")):
            if len(text) >= 10:
                out.append(LabelledText(text, labels, group, source))
    return out


def catalogue_texts(styles_csv: str | Path, myntra_csv: str | Path | None = None) -> tuple[list[LabelledText], TaxonomyLexicon]:
    """All labelled texts of the shared catalogues, and the lexicon that mapped the Myntra rows."""
    styles = read_styles(styles_csv)
    lexicon = TaxonomyLexicon(styles)
    return styles + (read_myntra(myntra_csv, lexicon) if myntra_csv else []), lexicon
