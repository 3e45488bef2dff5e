"""The citations rendered and the references parsed, once per article.

pandoc's citeproc renders the body's citations in the source's style (in the text, or as footnotes for a
note style) and appends the bibliography; the bibliography is taken out of the body and kept as one
:class:`~pipeline.model.Reference` per entry: its CSL item, the entry as formatted, and the item's fields
parsed once (names, year, page range) for every format that lists them field by field. The bibliography
files were read and checked before (pipeline/source/bibliography.py).
"""

from __future__ import annotations

import html
import json
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import pandoc
from pipeline.errors import SourceError, clipped, quoted
from pipeline.model import BIBLIOGRAPHY_ID, ENTRY_ID_PREFIX, CitedName, PandocBlock, Reference
from pipeline.source.bibliography import Citations
from pipeline.source.guards.sanitize import link_problem

# A page range as bibliographies write it: "12-15", "12--15" (BibTeX), "12–15", "xii – xv".
PAGE_RANGE = re.compile(r"^\s*([^-–—\s]+)\s*[-–—]+\s*([^-–—\s]+)\s*$")
MARKUP = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Cited:
    """The body with its citations rendered, the references it lists, and the style id they are in."""

    blocks: list[PandocBlock]
    references: tuple[Reference, ...] = ()
    style: str | None = None


# --- citeproc ----------------------------------------------------------------------------------


def _nocite_meta(keys: list[str]) -> dict[str, Any]:
    citations = [
        {
            "citationId": key,
            "citationPrefix": [],
            "citationSuffix": [],
            "citationMode": {"t": "NormalCitation"},
            "citationNoteNum": 0,
            "citationHash": 0,
        }
        for key in keys
    ]
    return {"t": "MetaInlines", "c": [{"t": "Cite", "c": [citations, [{"t": "Str", "c": "@nocite"}]]}]}


def _run_citeproc(
    path: Path,
    line: int,
    blocks: list[PandocBlock],
    items: list[dict[str, Any]],
    style: Path,
    nocite: list[str],
    language: str,
) -> list[PandocBlock]:
    """The body with citeproc's citations and bibliography; a warning of citeproc stops the source."""
    meta: dict[str, Any] = {
        "link-citations": {"t": "MetaBool", "c": True},
        "link-bibliography": {"t": "MetaBool", "c": True},
        "lang": {"t": "MetaString", "c": language},
    }
    if nocite:
        meta["nocite"] = _nocite_meta(nocite)
    document = {"pandoc-api-version": pandoc.api_version(), "meta": meta, "blocks": blocks}
    with tempfile.TemporaryDirectory() as folder:
        bibliography = Path(folder) / "references.json"
        bibliography.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        arguments = ["--citeproc", f"--csl={style}", f"--bibliography={bibliography}", "--fail-if-warnings"]
        try:
            output = pandoc.convert_text(pandoc.json_input(document), "json", "json", arguments)
        except pandoc.PandocLimitExceeded as error:
            raise SourceError(path, line, "references", f"citeproc: {error}") from None
        except RuntimeError as error:
            detail = " ".join(line.strip() for line in str(error).splitlines()[1:] if line.strip()) or str(error)
            raise SourceError(path, line, "references", f"citeproc: {clipped(detail)}") from None
    return list(json.loads(output)["blocks"])


def anchors(cited: Cited) -> dict[str, str]:
    """The ids of the bibliography's entries (``ref-<key>``), which citeproc's links name."""
    return {f"{ENTRY_ID_PREFIX}{reference.id}": "Reference" for reference in cited.references}


def check_ids(body_ids: Iterable[str], cited: Cited, path: Path, locate: Callable[..., int]) -> None:
    """An id of the body may not be one an entry of the bibliography gets (``ref-<key>``)."""
    entries = anchors(cited)
    for identifier in body_ids:
        if identifier in entries:
            key = identifier.removeprefix(ENTRY_ID_PREFIX)
            message = f"id {quoted(identifier)} is the id of the bibliography's entry for @{key}; choose another"
            raise SourceError(path, locate(f"#{identifier}", identifier), "body", message)


def bibliography_blocks(references: tuple[Reference, ...]) -> tuple[PandocBlock, ...]:
    """The bibliography as pandoc renders it (one Div of entries, id ``refs``), or nothing."""
    if not references:
        return ()
    entries = [reference.entry for reference in references]
    return ({"t": "Div", "c": [[BIBLIOGRAPHY_ID, ["references", "csl-bib-body"], []], entries]},)


def format_entry(item: dict[str, Any], style: Path, language: str | None = None) -> str:
    """One CSL item as its bibliography entry in ``style``, as plain text on one line: in the style's own
    locale, or in ``language`` (a BCP 47 tag) when given."""
    meta: dict[str, Any] = {"nocite": _nocite_meta([str(item["id"])])}
    if language:
        meta["lang"] = {"t": "MetaInlines", "c": [{"t": "Str", "c": language}]}
    document = {"pandoc-api-version": pandoc.api_version(), "meta": meta, "blocks": []}
    with tempfile.TemporaryDirectory() as folder:
        bibliography = Path(folder) / "item.json"
        bibliography.write_text(json.dumps([item], ensure_ascii=False), encoding="utf-8")
        arguments = ["--citeproc", f"--csl={style}", f"--bibliography={bibliography}", "--wrap=none"]
        arguments.append("--fail-if-warnings")
        return pandoc.convert_text(json.dumps(document), "json", "plain", arguments).strip()


def _split_bibliography(blocks: list[PandocBlock]) -> tuple[list[PandocBlock], list[PandocBlock]]:
    """The body without citeproc's bibliography Div, and that Div's entries."""
    body = [block for block in blocks if not (block["t"] == "Div" and block["c"][0][0] == BIBLIOGRAPHY_ID)]
    refs = [block for block in blocks if block["t"] == "Div" and block["c"][0][0] == BIBLIOGRAPHY_ID]
    return body, (list(refs[0]["c"][1]) if refs else [])


def _check_links(item: dict[str, Any], entry: PandocBlock, defined_at: tuple[Path, int]) -> None:
    """A bibliography is untrusted input too: its URLs (the item's own, which the JATS and the web page
    carry, and those of the formatted entry) may only be web or mail addresses."""
    targets = [str(item["URL"])] if item.get("URL") else []
    targets += [element["c"][2][0] for element in pandoc.elements(entry) if element["t"] == "Link"]
    for target in targets:
        problem = link_problem(target)
        if problem:
            raise SourceError(defined_at[0], defined_at[1], "bibliography", problem)


def cite(path: Path, citations: Citations | None, blocks: list[PandocBlock]) -> Cited:
    """Render the body's citations and the bibliography through citeproc; a body whose source names no
    bibliography comes back unchanged."""
    if citations is None:
        return Cited(blocks)
    items = list(citations.bibliography.items.values())
    rendered = _run_citeproc(
        path, citations.line, blocks, items, citations.style, list(citations.nocite), citations.language
    )
    rendered_body, entries = _split_bibliography(rendered)
    references: list[Reference] = []
    for entry in entries:
        key = entry["c"][0][0].removeprefix(ENTRY_ID_PREFIX)
        item = citations.bibliography.items[key]
        _check_links(item, entry, citations.bibliography.defined_at.get(key, (path, 1)))
        references.append(parsed(key, item, entry))
    return Cited(rendered_body, tuple(references), citations.style_id)


# --- the item's fields, parsed once ----------------------------------------------------------------


def parsed(key: str, item: dict[str, Any], entry: PandocBlock) -> Reference:
    """One bibliography entry with its item's fields as plain text: the JATS ``<element-citation>``, the
    web page's ``citation_reference`` and schema.org ``citation``, and Crossref's ``citation`` read them."""
    first_page, last_page = _pages(plain_text(item.get("page")) or plain_text(item.get("page-first")))
    return Reference(
        id=key,
        item=item,
        entry=entry,
        text=" ".join(pandoc.paragraphs(entry["c"][1])),
        type=str(item.get("type", "")),
        title=plain_text(item.get("title")),
        container_title=plain_text(item.get("container-title")),
        author=_names(item.get("author")),
        editor=_names(item.get("editor")),
        year=_year(item.get("issued")),
        issued_literal=plain_text(item["issued"].get("literal")) if isinstance(item.get("issued"), dict) else None,
        edition=plain_text(item.get("edition")),
        volume=plain_text(item.get("volume")),
        issue=plain_text(item.get("issue")),
        first_page=first_page,
        last_page=last_page,
        publisher=plain_text(item.get("publisher")),
        publisher_place=plain_text(item.get("publisher-place")),
        DOI=plain_text(item.get("DOI")),
        URL=plain_text(item.get("URL")),
    )


def plain_text(value: object) -> str | None:
    """A CSL-JSON string without its rich-text markup (pandoc writes ``<i>``, ``<span class="nocase">``)."""
    if value is None:
        return None
    text = html.unescape(MARKUP.sub("", str(value))).strip()
    return text or None


def _names(people: object) -> tuple[CitedName, ...]:
    """Each name with a family name, a literal one or a given one alone; a name with none is left out."""
    if not isinstance(people, list):
        return ()
    names = (
        CitedName(plain_text(person.get("family")), plain_text(person.get("given")), plain_text(person.get("literal")))
        for person in people
        if isinstance(person, dict)
    )
    return tuple(name for name in names if name.family or name.literal or name.given)


def _year(issued: object) -> str | None:
    parts = (issued.get("date-parts") if isinstance(issued, dict) else None) or [[]]
    return str(parts[0][0]) if parts[0] and str(parts[0][0]).strip() else None


def _pages(page: str | None) -> tuple[str | None, str | None]:
    """(first, last) of a page range; a single page or anything else as the first alone."""
    if not page:
        return None, None
    found = PAGE_RANGE.match(page)
    return (found.group(1), found.group(2)) if found else (page, None)
