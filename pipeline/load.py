"""source/<slug>/article.md -> Article: front matter validated once, body parsed once through pandoc."""

from __future__ import annotations

import datetime
import difflib
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from pipeline import pandoc
from pipeline.errors import SourceError
from pipeline.model import Affiliation, Article, License, Note, PandocBlock, Person, Section

SOURCE_FILE = "article.md"
FENCE = "---"
FENCE_ENDS = ("---", "...")
# A slug names a folder in dist/, so it may not climb out of it.
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML that keeps dates as text, so the schema reports a bad date by line and field."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [entry for entry in entries if entry[0] != "tag:yaml.org,2002:timestamp"]
    for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@cache
def front_matter_schema() -> dict[str, Any]:
    text = resources.files("pipeline").joinpath("schemas/article.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def discover(source_root: Path, slug: str | None = None) -> list[Path]:
    """The source files under ``source_root``, sorted by slug; one when ``slug`` is given."""
    if slug is not None:
        path = source_root / slug / SOURCE_FILE
        if not SLUG_PATTERN.match(slug) or not path.is_file():
            raise SourceError(path, 0, "slug", f"no source named {slug!r} in {source_root}")
        return [path]
    return sorted(source_root.glob(f"*/{SOURCE_FILE}"))


def load_article(path: Path) -> Article:
    """Read, validate and parse one source file into the model."""
    slug = path.parent.name
    if not SLUG_PATTERN.match(slug):
        raise SourceError(path, 0, "slug", f"folder name {slug!r} must be lowercase letters, digits and hyphens")
    text = _read_text(path)
    front, body, body_line = _split_front_matter(path, text)
    data, root = _parse_yaml(path, front)
    _validate(path, data, root)
    return _build_article(path, slug, data, body, body_line)


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise SourceError(path, line, "encoding", f"not valid UTF-8 (byte 0x{raw[error.start]:02x})") from None


def _split_front_matter(path: Path, text: str) -> tuple[str, str, int]:
    """Return (front matter, body, line number where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != FENCE:
        raise SourceError(path, 1, "front matter", f"the file must start with a '{FENCE}' line")
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip() in FENCE_ENDS:
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    raise SourceError(path, 1, "front matter", f"no closing '{FENCE}' line")


def _parse_yaml(path: Path, front: str) -> tuple[dict[str, Any], yaml.Node]:
    loader = _FrontMatterLoader(front)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 2 if mark else 2
        problem = getattr(error, "problem", None) or str(error)
        raise SourceError(path, line, _key_at(front, line - 1), f"YAML error: {problem}") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict) or root is None:
        raise SourceError(path, 2, "front matter", "must be a YAML mapping of fields")
    return data, root


def _key_at(front: str, line: int) -> str:
    """The nearest field at or above ``line`` (1-based, counted from the fence) of the front matter."""
    lines = front.splitlines()[: max(line, 1)]
    for text in reversed(lines):
        match = re.match(r"^\s*(?:-\s+)?([A-Za-z][\w-]*)\s*:", text)
        if match:
            return match.group(1)
    return "front matter"


def _node_at(root: yaml.Node, location: list[str | int]) -> yaml.Node:
    """The YAML node at a JSON path, or the deepest one that exists on the way."""
    node = root
    for step in location:
        if isinstance(node, yaml.MappingNode):
            found = [value for key, value in node.value if key.value == step]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            found = [node.value[step]]
        else:
            found = []
        if not found:
            break
        node = found[0]
    return node


def _field_name(location: list[str | int]) -> str:
    name = ""
    for step in location:
        name += f"[{step}]" if isinstance(step, int) else (f".{step}" if name else step)
    return name or "front matter"


def _validate(path: Path, data: dict[str, Any], root: yaml.Node) -> None:
    schema = front_matter_schema()
    _reject_unknown_keys(path, data, root, schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(
        validator.iter_errors(data), key=lambda error: _node_at(root, list(error.absolute_path)).start_mark.line
    )
    if not errors:
        return
    error = errors[0]
    location = list(error.absolute_path)
    line = _node_at(root, location).start_mark.line + 2
    if error.validator == "required":
        missing = re.match(r"'([^']+)'", error.message)
        location.append(missing.group(1) if missing else "?")
        raise SourceError(path, line, _field_name(location), "is required but missing")
    raise SourceError(path, line, _field_name(location), _explain(error))


def _reject_unknown_keys(path: Path, data: dict[str, Any], root: yaml.Node, schema: dict[str, Any]) -> None:
    known = schema["properties"]
    for key in data:
        if key not in known:
            line = _node_at(root, [key]).start_mark.line + 2
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known fields: {', '.join(known)}"
            raise SourceError(path, line, str(key), f"unknown field{hint}")


def _explain(error: jsonschema.ValidationError) -> str:
    """A short, editor-facing sentence for a schema violation."""
    value = error.instance
    if error.validator == "type":
        expected = "a list" if error.validator_value == "array" else f"a {error.validator_value}"
        return f"must be {expected}, got {value!r}"
    if error.validator == "format" and error.validator_value == "date":
        return f"{value!r} is not a real date (expected YYYY-MM-DD)"
    if error.validator == "pattern":
        if not str(value).strip():
            return "must not be empty"
        if error.schema.get("format") == "date":
            return f"{value!r} is not a date in the form YYYY-MM-DD"
        return f"{value!r} does not match the expected form {error.validator_value}"
    if error.validator == "minItems":
        return "must list at least one entry"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field")
    return error.message


def _person(entry: dict[str, Any]) -> Person:
    return Person(
        given=entry["given"].strip(),
        family=entry["family"].strip(),
        role=entry.get("role"),
        affiliations=tuple(
            Affiliation(institution=a["institution"], country=a.get("country"), department=a.get("department"))
            for a in entry.get("affiliation", ())
        ),
        bio=entry.get("bio"),
    )


def _build_article(path: Path, slug: str, data: dict[str, Any], body: str, body_line: int) -> Article:
    introduction, sections = _parse_body(path, body, body_line)
    license_data = data.get("license")
    return Article(
        slug=slug,
        source_path=path,
        title=data["title"].strip(),
        article_type=data["article-type"],
        genre=data.get("genre"),
        language=data["language"],
        issued=datetime.date.fromisoformat(data["issued"]),
        container_title=data["container-title"],
        publisher=data.get("publisher"),
        ISSN=data.get("ISSN"),
        DOI=data.get("DOI"),
        URL=data["URL"],
        author=tuple(_person(entry) for entry in data["author"]),
        editor=tuple(_person(entry) for entry in data.get("editor", ())),
        abstract=data.get("abstract"),
        keywords=tuple(data.get("keywords", ())),
        license=License(text=license_data.get("text"), url=license_data.get("url")) if license_data else None,
        image_credit=data.get("image-credit"),
        notes=tuple(Note(type=note["type"], text=note["text"]) for note in data.get("notes", ())),
        introduction=introduction,
        sections=sections,
    )


def _parse_body(path: Path, body: str, body_line: int) -> tuple[Section, tuple[Section, ...]]:
    """Split the body at its level-1 headings: an untitled introduction, then titled sections."""
    if not body.strip():
        raise SourceError(path, body_line, "body", "is empty: write the article below the front matter")
    document = pandoc.markdown_to_ast(body)
    introduction: list[PandocBlock] = []
    titled: list[tuple[PandocBlock, list[PandocBlock]]] = []
    for block in document["blocks"]:
        if block["t"] == "Header" and block["c"][0] == 1:
            titled.append((block, []))
        elif titled:
            titled[-1][1].append(block)
        else:
            introduction.append(block)
    sections: list[Section] = []
    seen: dict[str, int] = {}
    for header, blocks in titled:
        title = pandoc.stringify(header["c"][2]).strip()
        line = _heading_line(body, title, body_line)
        if not title:
            raise SourceError(path, line, "body", "a section heading has no title")
        if title in seen:
            raise SourceError(path, line, "body", f"section title {title!r} repeats the section at line {seen[title]}")
        seen[title] = line
        sections.append(
            Section(
                id=header["c"][1][0], title=title, blocks=tuple(blocks), paragraphs=tuple(pandoc.paragraphs(blocks))
            )
        )
    if not introduction and not any(section.paragraphs for section in sections):
        raise SourceError(path, body_line, "body", "has no paragraphs")
    intro = Section(
        id="introduction", title=None, blocks=tuple(introduction), paragraphs=tuple(pandoc.paragraphs(introduction))
    )
    return intro, tuple(sections)


def _heading_line(body: str, title: str, body_line: int) -> int:
    for number, text in enumerate(body.splitlines()):
        if text.startswith("# ") and text[2:].strip() == title:
            return body_line + number
    return body_line
