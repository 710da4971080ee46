"""Context adherence: does a description use, or at least not contradict, the context's attributes?

Attribute words come from small vocabularies per group (colour, sleeve, neckline, category, fit,
pattern, length). A context attribute is *used* when the output names it, *contradicted* when the
output names another value of the same group and not this one ("red dress" -> "a blue dress"),
and otherwise *silent*. Adherence is the share of the context's attributes that are used or
silent (not contradicted); usage is the share that are used. Context words outside the
vocabularies (e.g. "asymmetric") can only be used or silent: they count in `word_usage`, the share
of the context's content words that appear in the output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# group -> canonical value -> surface forms (after normalise(): lower case, hyphens as spaces)
VOCAB: dict[str, dict[str, tuple[str, ...]]] = {
    "colour": {c: (c,) for c in (
        "black", "white", "red", "blue", "green", "yellow", "pink", "purple", "orange", "brown", "beige", "maroon",
        "navy", "olive", "teal", "turquoise", "mustard", "peach", "cream", "off white", "burgundy", "magenta",
        "lavender", "khaki", "gold", "silver", "charcoal", "coral", "rust", "tan", "mauve", "lime", "violet")}
    | {"grey": ("grey", "gray"), "multi": ("multicoloured", "multicolored", "multi coloured", "multi")},
    "sleeve": {
        "sleeveless": ("sleeveless", "strapless", "shoulder straps"),
        "short": ("short sleeve", "short sleeves", "half sleeve", "half sleeves", "cap sleeves", "cap sleeve"),
        "three-quarter": ("three quarter sleeve", "three quarter sleeves", "3/4 sleeves", "elbow sleeves"),
        "long": ("long sleeve", "long sleeves", "full sleeve", "full sleeves"),
    },
    "neckline": {
        "round": ("round neck", "crew neck"), "v": ("v neck",), "collar": ("collar", "collared"),
        "mandarin": ("mandarin collar",), "boat": ("boat neck",), "halter": ("halter neck", "halter"),
        "off-shoulder": ("off shoulder", "off the shoulder"), "high": ("high neck", "turtle neck", "mock neck"),
        "square": ("square neck",), "sweetheart": ("sweetheart neck",), "hooded": ("hood", "hooded"),
    },
    "category": {c: (c, c + "s") for c in (
        "dress", "jumpsuit", "shirt", "t shirt", "top", "kurta", "kurti", "saree", "skirt", "jacket", "blazer",
        "sweater", "sweatshirt", "hoodie", "coat", "playsuit", "tunic", "trouser", "jean", "legging", "short",
        "shoe", "sneaker", "sandal", "heel", "boot", "bag", "backpack", "watch", "belt", "bra", "brief")}
    | {"dress": ("dress", "dresses"), "jean": ("jeans",), "trouser": ("trousers", "pants"), "short": ("shorts",),
       "t shirt": ("t shirt", "t shirts", "tshirt", "tee"), "heel": ("heels",), "legging": ("leggings",)},
    "fit": {"slim": ("slim fit", "slim"), "regular": ("regular fit",), "relaxed": ("relaxed fit", "loose fit"),
            "skinny": ("skinny fit", "skinny"), "bodycon": ("bodycon",), "a-line": ("a line",), "oversized": ("oversized",)},
    "pattern": {"solid": ("solid",), "printed": ("printed", "print"), "striped": ("striped", "stripes"),
                "checked": ("checked", "checks"), "floral": ("floral",), "embroidered": ("embroidered",),
                "self-design": ("self design",), "colourblocked": ("colourblocked", "colour blocked")},
    "length": {"mini": ("mini",), "midi": ("midi",), "maxi": ("maxi",), "knee": ("knee length",),
               "cropped": ("cropped", "crop")},
}
# "short" the sleeve and "short(s)" the garment share a word; sleeve phrases are matched first.
STOPWORDS = frozenset("a an and the with of for in on to by has have is are it its this that from women men unisex girls boys".split())


def normalise(text: str) -> str:
    return " " + " ".join(re.sub(r"[^a-z0-9/]+", " ", text.lower()).split()) + " "


def _surface_index() -> list[tuple[str, str, str]]:
    """(surface form, group, value), longest first so 'short sleeves' wins over 'short'."""
    entries = [(f, g, v) for g, values in VOCAB.items() for v, forms in values.items() for f in forms]
    return sorted(entries, key=lambda e: -len(e[0]))


_SURFACES = _surface_index()


def extract_attributes(text: str) -> dict[str, set[str]]:
    """group -> set of values named in `text` (each span is claimed by its longest form)."""
    remaining = normalise(text)
    found: dict[str, set[str]] = {}
    for form, group, value in _SURFACES:
        padded = f" {form} "
        if padded in remaining:
            found.setdefault(group, set()).add(value)
            remaining = remaining.replace(padded, " | ")
    return found


@dataclass(frozen=True)
class Adherence:
    attributes: int  # attribute values in the context
    used: int
    contradicted: int
    content_words: int  # non-stopword words in the context
    words_used: int

    @property
    def adherence(self) -> float:
        return 1.0 - self.contradicted / self.attributes if self.attributes else 1.0

    @property
    def usage(self) -> float:
        return self.used / self.attributes if self.attributes else 1.0

    @property
    def word_usage(self) -> float:
        return self.words_used / self.content_words if self.content_words else 1.0


def adherence(context: str, output: str) -> Adherence:
    wanted, got = extract_attributes(context), extract_attributes(output)
    attributes = used = contradicted = 0
    for group, values in wanted.items():
        for value in values:
            attributes += 1
            if value in got.get(group, set()):
                used += 1
            elif got.get(group):
                contradicted += 1
    context_words = [w for w in normalise(context).split() if w not in STOPWORDS]
    output_words = set(normalise(output).split())
    words_used = sum(w in output_words or w.rstrip("s") in output_words or w + "s" in output_words for w in context_words)
    return Adherence(attributes, used, contradicted, len(context_words), words_used)
