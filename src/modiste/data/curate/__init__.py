"""Catalogue curation: reject bad product photos with a reason and a score, and show why.

    from modiste.data.curate import CurationConfig, curate
    result = curate("catalogue/", "curated/", CurationConfig(min_side=300), workers=4)

See docs/curation.md for the filters, their scores and thresholds, and measured precision/recall.
"""

from modiste.data.curate.config import FILTERS, SCORE_COLUMNS, CurationConfig
from modiste.data.curate.pipeline import CurationResult, curate

__all__ = ["FILTERS", "SCORE_COLUMNS", "CurationConfig", "CurationResult", "curate"]
