"""The only way WeasyPrint may load a resource during a build: local files below allowed folders.

No http(s), no redirects, no ``file:`` outside the article's source folder and ``styles/``. A file of
the source folder is read through the one door to a source's files (pipeline/sourcefiles.py). A refused
URL raises before anything is opened; WeasyPrint logs it, and the PDF writer turns that log into a
failed build.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pipeline.errors import SourceError
from pipeline.images import MAX_FILE_BYTES, media_type
from pipeline.paths import SOURCE_URL
from pipeline.sourcefiles import NamedBy, read_source_file
from pipeline.weasy import weasyprint

ALLOWED_SCHEMES = ("file", "data")


class ConfinedURLFetcher(weasyprint.urls.URLFetcher):
    def __init__(
        self, allowed_roots: Iterable[Path], source_folder: Path | None = None, named_by: NamedBy | None = None
    ) -> None:
        super().__init__(allowed_protocols=ALLOWED_SCHEMES, allow_redirects=False, timeout=1)
        self.allowed_roots = tuple(root.resolve() for root in allowed_roots)
        self.source_folder = source_folder.resolve() if source_folder is not None else None
        self.named_by = named_by

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> weasyprint.urls.URLFetcherResponse:
        if self.source_folder is not None and url.startswith(SOURCE_URL):
            name = unquote(urlsplit(url).path.removeprefix(urlsplit(SOURCE_URL).path))
            named_by = self.named_by or NamedBy(self.source_folder, 1, "body")
            try:
                data = read_source_file(self.source_folder, name, named_by, "file", MAX_FILE_BYTES)
            except SourceError as error:
                raise ValueError(f"refused to read {name!r}: {error.message}") from None
            content_type = media_type(name) or "application/octet-stream"
            real = (self.source_folder / name).resolve().as_uri()
            return weasyprint.urls.URLFetcherResponse(real, data, {"Content-Type": content_type})
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            raise ValueError(f"refused to fetch {url!r}: only local files of the source and styles/ are used")
        if scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if parts.netloc not in ("", "localhost") or not any(path.is_relative_to(r) for r in self.allowed_roots):
                raise ValueError(f"refused to read {path}: outside the source folder and styles/")
        return super().fetch(url, headers)
