"""From tags to words: the text model's context ("women red casual dress") and a product title.

The context follows the catalogue titles the description model was trained on (Myntra's
Product_Name: gender, colour, style words, type; `modiste.text.prompts` lower-cases it and puts it
after "Product:"): gender, colour, usage (the catalogue's closest thing to a pattern/style word,
left out when it is the uninformative "Casual"), and the article type in the singular. An
attribute the tagger abstained on is left out rather than guessed; the colour falls back to the
rule colour when the colour head abstains.
"""

from __future__ import annotations

from dataclasses import dataclass

from modiste.products.tagging import ImageTags
from modiste.text.prompts import PromptTemplate

# catalogue articleType -> the singular noun a title uses
SINGULAR = {
    "Tshirts": "t-shirt", "Shirts": "shirt", "Tops": "top", "Dresses": "dress", "Jeans": "jeans",
    "Trousers": "trousers", "Shorts": "shorts", "Skirts": "skirt", "Kurtas": "kurta", "Kurtis": "kurti",
    "Sarees": "saree", "Sweaters": "sweater", "Sweatshirts": "sweatshirt", "Jackets": "jacket",
    "Track Pants": "track pants", "Leggings": "leggings", "Casual Shoes": "casual shoes",
    "Sports Shoes": "sports shoes", "Formal Shoes": "formal shoes", "Heels": "heels", "Flats": "flats",
    "Sandals": "sandals", "Flip Flops": "flip flops", "Handbags": "handbag", "Backpacks": "backpack",
    "Watches": "watch", "Sunglasses": "sunglasses", "Belts": "belt", "Wallets": "wallet", "Socks": "socks",
    "Caps": "cap", "Briefs": "briefs", "Bra": "bra", "Tunics": "tunic", "Capris": "capris",
    "Innerwear Vests": "innerwear vest", "Night suits": "night suit", "Clutches": "clutch",
}
SKIP_USAGE = {"Casual", "NA", "other"}
SKIP_GENDER = {"other"}


def article_noun(article_type: str) -> str:
    """'Dresses' -> 'dress'; unknown types are lower-cased as they are."""
    return SINGULAR.get(article_type, article_type.lower())


@dataclass(frozen=True)
class ProductContext:
    """The words describing a product: each part is None when unknown (abstained or absent)."""

    gender: str | None
    colour: str | None
    usage: str | None
    article_type: str | None

    def words(self) -> list[str]:
        parts = [self.gender, self.colour, self.usage, article_noun(self.article_type) if self.article_type else None]
        return [p for p in parts if p]

    def prompt_context(self, template: PromptTemplate = PromptTemplate()) -> str:
        """The context line as the text model sees it (lower case by default): 'women red casual dress'."""
        return template.context_string(" ".join(self.words()))

    def title(self) -> str:
        """A catalogue-style title: 'Women Red Casual Dress'."""
        return " ".join(w[:1].upper() + w[1:] for w in " ".join(self.words()).split())


def build_context(tags: ImageTags, article_type: str | None = None) -> ProductContext:
    """Context from an image's tags; `article_type` (the requested class) wins over the tagger's.

    Colour: the learned baseColour unless it abstained or is "other", else the rule colour's
    catalogue name. Usage "Casual" (three quarters of the catalogue) is left out as uninformative.
    """
    colour = tags.label("baseColour")
    if (colour is None or colour == "other") and tags.colour is not None:
        colour = tags.colour.base_colour
    usage = tags.label("usage")
    gender = tags.label("gender")
    kind = article_type or tags.label("articleType")
    return ProductContext(
        gender=None if gender in (None, *SKIP_GENDER) else gender,
        colour=None if colour in (None, "other") else colour,
        usage=None if usage in (None, *SKIP_USAGE) else usage,
        article_type=None if kind in (None, "other") else kind,
    )
