"""Checks of a composed product; each returns a `CheckResult` with the reason when it fails.

- `image_category`: the tagger's articleType for the image is the requested class.
- `description_category`: the text taxonomy classifier's articleType for the description is the
  image's (`modiste.products.text_taxonomy`); a text it cannot place (no claim, "other", or a
  probability under `min_probability`) is "undetermined": it passes with that note, or fails with
  `confirm=True` (`modiste product --confirm-category`), when only a confirmed category will do.
- `colour_words`: colour words in the description (`modiste.text.attributes` vocabulary) do not
  contradict the image's colour. A named colour is compatible when it belongs to the family of the
  learned colour or of the rule colour (navy is a blue; charcoal a grey or black); a description
  naming several colours passes when one of them is compatible.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from modiste.products.tagging import ImageTags
from modiste.text.attributes import extract_attributes

# catalogue baseColour -> colour words (modiste.text.attributes' colour values) that agree with it
COLOUR_FAMILIES: dict[str, set[str]] = {
    "Black": {"black", "charcoal"}, "Charcoal": {"charcoal", "grey", "black"},
    "Grey": {"grey", "charcoal", "silver"}, "Grey Melange": {"grey", "charcoal"},
    "Silver": {"silver", "grey"}, "Steel": {"grey", "silver", "blue"},
    "White": {"white", "off white", "cream"}, "Off White": {"off white", "white", "cream", "beige"},
    "Cream": {"cream", "off white", "white", "beige"}, "Beige": {"beige", "cream", "khaki", "tan", "brown"},
    "Khaki": {"khaki", "beige", "olive", "tan"}, "Tan": {"tan", "brown", "beige", "khaki"},
    "Brown": {"brown", "tan", "maroon", "rust"}, "Coffee Brown": {"brown"}, "Copper": {"copper", "brown", "rust", "orange"},
    "Gold": {"gold", "yellow", "mustard"}, "Mustard": {"mustard", "yellow", "gold"}, "Yellow": {"yellow", "mustard", "gold"},
    "Orange": {"orange", "rust", "coral", "peach"}, "Rust": {"rust", "orange", "brown", "red"},
    "Peach": {"peach", "pink", "coral", "orange"}, "Red": {"red", "maroon", "burgundy", "coral"},
    "Maroon": {"maroon", "burgundy", "red", "brown"}, "Burgundy": {"burgundy", "maroon", "red"},
    "Pink": {"pink", "peach", "magenta", "coral", "mauve"}, "Magenta": {"magenta", "pink", "purple", "violet"},
    "Purple": {"purple", "violet", "lavender", "mauve", "magenta"}, "Lavender": {"lavender", "purple", "violet", "mauve"},
    "Navy Blue": {"navy", "blue"}, "Blue": {"blue", "navy", "turquoise", "teal"},
    "Teal": {"teal", "blue", "green", "turquoise"}, "Turquoise Blue": {"turquoise", "blue", "teal"},
    "Green": {"green", "olive", "teal", "lime"}, "Olive": {"olive", "green", "khaki"},
    "Sea Green": {"green", "teal", "turquoise"}, "Lime Green": {"lime", "green"},
}


@dataclass(frozen=True)
class CheckResult:
    """One check: `passed`, a one-line `reason` (why it failed, or a note), and what was compared."""

    name: str
    passed: bool
    reason: str = ""
    details: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def image_category(tags: ImageTags, requested: str | None, attribute: str = "articleType") -> CheckResult:
    """Does the image's `attribute` tag equal the requested class? (passes trivially when none was requested)."""
    if requested is None:
        return CheckResult("image_category", True, "no class requested")
    tag = tags.tags.get(attribute)
    if tag is None:
        return CheckResult("image_category", False, f"the tagger has no {attribute} head")
    details = {"requested": requested, "image": tag.label, "top": tag.top, "confidence": round(tag.confidence, 4)}
    if tag.abstained:
        return CheckResult("image_category", False, f"the tagger abstained on {attribute} (best guess {tag.top}, "
                                                    f"p={tag.confidence:.2f})", details)
    if tag.label != requested:
        return CheckResult("image_category", False, f"the image looks like {tag.label} (p={tag.confidence:.2f}), "
                                                    f"not {requested}", details)
    return CheckResult("image_category", True, "", details)


UNDETERMINED = "undetermined"


def is_undetermined(check: CheckResult) -> bool:
    """Did the description-category check pass (or fail under `confirm`) only because it could not compare?"""
    return check.name == "description_category" and check.reason.startswith(UNDETERMINED)


def is_confirmed(check: CheckResult) -> bool:
    """Did the text classifier place the description in the image's category (not undetermined, not skipped)?"""
    return check.name == "description_category" and check.passed and not check.reason


def description_category(text_labels: dict[str, Any], tags: ImageTags, attribute: str = "articleType",
                         min_probability: float = 0.5, confirm: bool = False) -> CheckResult:
    """Compare the text classifier's `attribute` (TextLabel with .label, .probability) with the image's.

    An undetermined comparison (image or text category unknown, "other" or below `min_probability`)
    passes with a note starting "undetermined:", or fails with that reason when `confirm` is set.
    """
    image = tags.label(attribute)
    text = text_labels.get(attribute)
    label = getattr(text, "label", None)
    probability = float(getattr(text, "probability", 0.0))
    details = {"text": label, "text_probability": round(probability, 4), "image": image, "agrees": label == image}
    if image is None or image == "other":
        return CheckResult("description_category", not confirm, f"{UNDETERMINED}: the image's {attribute} is "
                           f"{'unknown' if image is None else 'a rare class (other)'}", details)
    if label is None or label == "other" or probability < min_probability:
        return CheckResult("description_category", not confirm, f"{UNDETERMINED}: the text classifier cannot "
                           f"place the description (best {label}, p={probability:.2f})", details)
    if label != image:
        return CheckResult("description_category", False, f"the description reads as {label} (p={probability:.2f}) "
                                                          f"but the image is {image}", details)
    return CheckResult("description_category", True, "", details)


def colour_words(description: str, tags: ImageTags) -> CheckResult:
    """Do the colour words of `description` fit the image's colour (learned head or rule colour)?"""
    named = sorted(extract_attributes(description).get("colour", set()))
    image_colours = [c for c in (tags.label("baseColour"), tags.colour.base_colour if tags.colour else None)
                     if c and c != "other"]
    allowed = set().union(*(COLOUR_FAMILIES.get(c, {c.lower()}) for c in image_colours)) if image_colours else set()
    details = {"named": named, "image": image_colours}
    if not named or not allowed or "multi" in named:
        return CheckResult("colour_words", True, "" if named else "the description names no colour", details)
    if not allowed.intersection(named):
        return CheckResult("colour_words", False, f"the description says {', '.join(named)} but the image is "
                                                  f"{' / '.join(image_colours)}", details)
    return CheckResult("colour_words", True, "", details)
