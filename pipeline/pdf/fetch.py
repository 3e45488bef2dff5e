"""The only way WeasyPrint may load a resource during a build: local files below allowed folders.

No http(s), no redirects, no ``file:`` outside the article's source folder and ``styles/``. A file of
the source folder is one of the article's images, served from the bytes that were read and checked when
the article was prepared (through the one door to a source's files): nothing of the folder is opened
again. A refused URL raises before anything is opened; WeasyPrint logs it, and the PDF writer turns that
log into a failed build.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pipeline.formats import media_type
from pipeline.paths import SOURCE_URL
from pipeline.pdf.weasy import weasyprint

ALLOWED_SCHEMES = ("file", "data")


class ConfinedURLFetcher(weasyprint.urls.URLFetcher):
    def __init__(
        self, allowed_roots: Iterable[Path], source_folder: Path | None = None, files: Mapping[str, bytes] | None = None
    ) -> None:
        super().__init__(allowed_protocols=ALLOWED_SCHEMES, allow_redirects=False, timeout=1)
        self.allowed_roots = tuple(root.resolve() for root in allowed_roots)
        self.source_folder = source_folder.resolve() if source_folder is not None else None
        self.files = files or {}  # the source folder's files WeasyPrint may have, by name: the article's images

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> weasyprint.urls.URLFetcherResponse:
        if self.source_folder is not None and url.startswith(SOURCE_URL):
            name = unquote(urlsplit(url).path.removeprefix(urlsplit(SOURCE_URL).path))
            data = self.files.get(name)
            if data is None:
                raise ValueError(f"refused to read {name!r}: not an image file the article shows")
            # Answered by the name alone, not a file: URL: WeasyPrint would take a file: URL's path and read
            # the file again when it writes the PDF; it names the image after the URL asked for, which stays.
            return weasyprint.urls.URLFetcherResponse(name, data, {"Content-Type": media_type(name)})
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            raise ValueError(f"refused to fetch {url!r}: only local files of the source and styles/ are used")
        if scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if parts.netloc not in ("", "localhost") or not any(path.is_relative_to(r) for r in self.allowed_roots):
                raise ValueError(f"refused to read {path}: outside the source folder and styles/")
        return super().fetch(url, headers)
