"""source/<slug>/article.md -> Source: front matter validated once (JSON Schema), body parsed once through
pandoc and checked, the bibliography read and checked; what is computed from them is pipeline/prepare/'s."""

from __future__ import annotations

import datetime
import difflib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    import jsonschema
    from jsonschema import ValidationError

from pipeline import pandoc
from pipeline.errors import SourceError, clipped, quoted
from pipeline.limits import limit, limit_text, size_text
from pipeline.model import Affiliation, Copyright, House, License, Metadata, Note, PandocBlock, PandocInline, Person
from pipeline.source import identifiers
from pipeline.source.bibliography import Citations, read_citations
from pipeline.source.body import check_notes, check_title, citations_as_text, contents, settle_directions
from pipeline.source.folder import SLUG_PATTERN
from pipeline.source.guards.characters import check_characters
from pipeline.source.guards.nesting import check_markdown_nesting
from pipeline.source.guards.sanitize import check_body
from pipeline.source.guards.sourcefiles import NamedBy, read_source_file
from pipeline.source.guards.yaml_expansion import check_expansion, front_matter_limits
from pipeline.source.language import Direction, UnknownLanguage, writing
from pipeline.source.maths import check_formulas
from pipeline.source.problems import Problems
from pipeline.source.punctuation import (
    Typesetter,
    as_typed_pattern,
    can_shield,
    prose_metadata,
    reads_as_typed,
    restore_addresses,
    shield_escaped_quotes,
    typeset_prose_fields,
    unshield_escaped_quotes,
)
from pipeline.source.rawhtml import RawHtml

# A commentary is a few thousand words; a source far larger is a mistake (or an attack on the build).
MAX_SOURCE_BYTES = limit("source-bytes")
FENCE = "---"
FENCE_ENDS = ("---", "...")
# Front-matter fields whose line a reference error names.
REFERENCE_FIELDS = ("bibliography", "references", "nocite", "csl")


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML that keeps dates as text, so the schema reports a bad date by line and field."""


class _FastFrontMatterLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same, parsed by libyaml: fast, and it refuses collections nested a thousand deep where PyYAML's
    own scanner takes time that grows with the square of the depth. Its error messages are worded
    otherwise, so a text it refuses is parsed again by _FrontMatterLoader for the message."""


_FrontMatterLoader.yaml_implicit_resolvers = _FastFrontMatterLoader.yaml_implicit_resolvers = {
    first: [entry for entry in entries if entry[0] != "tag:yaml.org,2002:timestamp"]
    for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@cache
def front_matter_schema() -> dict[str, Any]:
    text = resources.files("pipeline").joinpath("schemas/article.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class Source:
    """One source as read and checked, before anything is computed from it: its metadata, the body as
    pandoc parsed it (checked, each passage's direction settled), what it may cite, and the body's text
    and first line, to name the line of a later problem. pipeline/prepare/ takes over ``blocks``."""

    metadata: Metadata
    blocks: list[PandocBlock]
    citations: Citations | None
    body: str
    body_line: int

    @property
    def path(self) -> Path:
        return self.metadata.source_path

    def locate(self, *needles: str, occurrence: int = 1) -> int:
        """The file line of the ``occurrence``-th body line holding the first of ``needles`` found."""
        return _locator(self.body, self.body_line)(*needles, occurrence=occurrence)


def read_source(path: Path, house: House | None = None, problems: Problems | None = None) -> Source:
    """Read, validate and parse one source file; ``house`` is the publishing house's settings
    (``pipeline.source.house.load_house``), the same for every article of a build (none when not given).
    Every check runs and each problem found is reported together (pipeline/source/problems.py); given
    ``problems``, those of a source whose front matter is sound are left there for the caller's own
    checks to join (it stops the source), else they stop it here."""
    slug = path.parent.name
    if not SLUG_PATTERN.match(slug):
        raise SourceError(path, 0, "slug", f"folder name {slug!r} must be lowercase letters, digits and hyphens")
    text = _read_text(path)
    front, body, body_line = _split_front_matter(path, text)
    found = Problems() if problems is None else problems
    # A control character makes what follows unreliable to read (YAML refuses it, pandoc drops it).
    check_characters(path, text, lambda line: _field_at(text, line), body_from=body_line)
    data: dict[str, Any] = {}
    root: yaml.MappingNode | None = None
    front_matter_sound = False
    with found.check():
        data, root = _parse_yaml(path, front)
        _validate(path, data, root)
        front_matter_sound = True
    direction: Direction = "ltr"
    if front_matter_sound:
        front_matter_sound = False
        with found.check():
            direction = _direction(path, data["language"], _line_of(root, ["language"]))
            front_matter_sound = True
    reference_lines = {name: _line_of(root, [name]) for name in REFERENCE_FIELDS if name in data and root}
    title_line = _line_of(root, ["title"]) if root is not None else FRONT_MATTER_FIRST_LINE
    data = normalise_whitespace(data)
    if not body.strip():
        found.add(
            SourceError(path, body_line - 1, "body", f"is empty: write the article below the closing '{FENCE}' line")
        )
        found.stop()
    body_lines = body.splitlines()
    title = data.get("title") if isinstance(data.get("title"), str) else None
    # Punctuation is set only for a source whose front matter (its language) is sound: the rest stop anyway.
    typesetter = Typesetter.of(house or House()) if front_matter_sound else None
    as_typed = typesetter is None or reads_as_typed(data["language"])
    # Read as typed to be educated here: a quote the source escapes stays straight.
    shielding = typesetter is not None and as_typed and can_shield(body, title or "")
    shielded = shield_escaped_quotes if shielding else str
    unshielded = unshield_escaped_quotes if shielding else _unchanged
    prose = prose_metadata(data) if typesetter is not None else {}
    try:
        read = _read_body(
            path, shielded(body), body_line, body_lines, title and shielded(title), title_line, as_typed, prose
        )
    except SourceError as error:
        found.add(error)
        found.stop()
        raise
    locate = _locator(body, body_line)
    body_html = RawHtml(path, locate)
    blocks = read.document["blocks"]
    # One walk says what the body holds, so the passes with nothing to act on are skipped (each copies it).
    found_in_body = contents(blocks)
    if found_in_body.holds_raw:
        blocks = body_html.settle(blocks)
        found_in_body = contents(blocks)  # the spans raw HTML became (<span lang>) count too
    title_html = RawHtml(path, lambda *_needles, **_options: title_line, field_name="title")
    found.add(*body_html.problems)
    with found.check():
        check_notes(blocks, read.warnings, path, body_lines, body_line)
    pandoc.log_warnings(read.warnings)  # the rest, as pandoc said them
    title_inlines = title_html.settle(citations_as_text(pandoc.title_inlines(read.document["meta"], title or "")))
    found.add(*title_html.problems)
    if typesetter is not None:
        blocks = unshielded(typesetter.set_blocks(blocks, data["language"], body, found_in_body))
        title_inlines = unshielded(typesetter.set_blocks(title_inlines, data["language"], title or ""))
        restore_addresses(blocks, body)
        data = typeset_prose_fields(data, read.document["meta"], data["language"], typesetter)
    for check in (
        lambda: check_title(title_inlines, path, title_line),
        lambda: check_body(title_inlines, path, body, body_line),
        lambda: check_body(blocks, path, body, body_line),
        lambda: check_formulas(blocks, path, locate) if "Math" in found_in_body.kinds else None,
        lambda: check_formulas([{"t": "Plain", "c": title_inlines}], path, lambda *_n, **_o: title_line, "title"),
        lambda: settle_directions(title_inlines, direction, path, lambda *_needles, **_options: title_line),
        lambda: settle_directions(blocks, direction, path, locate) if found_in_body.holds_passages else None,
    ):
        with found.check():
            check()
    citations = None
    if front_matter_sound:
        with found.check():
            citations = read_citations(path, data, reference_lines, blocks, body, body_line)
    if problems is None or not front_matter_sound:
        found.stop()
    metadata = _metadata(path, slug, data, title_inlines, house or House(), direction)
    return Source(metadata, blocks, citations, body, body_line)


def _locator(body: str, body_line: int) -> Callable[..., int]:
    """The file line of the ``occurrence``-th body line holding the first of ``needles`` found."""
    body_lines = body.splitlines()

    def locate(*needles: str, occurrence: int = 1) -> int:
        for needle in needles:
            found = [number for number, text in enumerate(body_lines) if needle and needle in text]
            if not found and needle:  # text of the body, its punctuation set: as the source typed it
                typed = as_typed_pattern(needle)
                found = [number for number, text in enumerate(body_lines) if typed.search(text)]
            if found:
                return body_line + found[min(occurrence, len(found)) - 1]
        return body_line

    return locate


def _unchanged(value: Any) -> Any:  # noqa: ANN401
    return value


def _direction(path: Path, tag: str, line: int) -> Direction:
    """The article's writing direction, which its language decides (CLDR, pipeline/source/language.py)."""
    try:
        return writing(tag).direction
    except UnknownLanguage as error:
        raise SourceError(path, line, "language", str(error)) from None


def _read_text(path: Path) -> str:
    raw = read_source_file(path.parent, path.name, NamedBy(path, 1, "file"), "source", MAX_SOURCE_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        field = _field_at(raw.decode("utf-8", errors="replace"), line)
        message = f"not valid UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8"
        raise SourceError(path, line, field, message) from None
    return text.removeprefix("\ufeff")


def _closing_fence(lines: list[str]) -> int | None:
    """The index of the line that closes the front matter opened by the first line, if both exist."""
    if not lines or lines[0].rstrip() != FENCE:
        return None
    return next((index for index, line in enumerate(lines[1:], start=1) if line.rstrip() in FENCE_ENDS), None)


def _split_front_matter(path: Path, text: str) -> tuple[str, str, int]:
    """Return (front matter, body, line number where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != FENCE:
        raise SourceError(path, 1, "front matter", f"the file must start with a '{FENCE}' line")
    end = _closing_fence(lines)
    if end is None:
        raise SourceError(path, 1, "front matter", f"no closing '{FENCE}' line")
    front = "".join(lines[1:end])
    size, most = len(front.encode("utf-8")), limit("front-matter-bytes")
    if size > most:
        message = f"is {size_text(size)}; the front matter may be at most {limit_text(most)}"
        raise SourceError(path, FRONT_MATTER_FIRST_LINE, "front matter", message)
    return front, "".join(lines[end + 1 :]), end + 2


def _field_at(text: str, line: int) -> str:
    """What a 1-based file line belongs to: the nearest front-matter field, or the body."""
    lines = text.splitlines(keepends=True)
    end = _closing_fence(lines)
    if end is None or line <= 1:
        return "front matter"
    if line > end:
        return "body"
    return key_at("".join(lines[1:end]), line - 1)


# The file line of the front matter's first line: the one after the opening fence.
FRONT_MATTER_FIRST_LINE = 2


def _parse_yaml(path: Path, front: str) -> tuple[dict[str, Any], yaml.MappingNode]:
    required = ", ".join(front_matter_schema()["required"])
    data, root = parse_mapping(path, front, f"is empty; it needs at least {required}")
    if root is None:  # parse_mapping raises for an empty front matter; this keeps the types honest
        raise SourceError(path, FRONT_MATTER_FIRST_LINE, "front matter", "is empty")
    return data, root


def parse_mapping(
    path: Path, text: str, when_empty: str | None, first: int = FRONT_MATTER_FIRST_LINE, what: str = "front matter"
) -> tuple[dict[str, Any], yaml.MappingNode | None]:
    """YAML text (starting at file line ``first``) as a mapping and its node tree, keys given once;
    when it is empty, an error saying ``when_empty``, or an empty mapping when that is None."""
    loader, root = _compose(path, text, first, what)
    try:
        if root is None:
            if when_empty is None:
                return {}, None
            raise SourceError(path, first, what, when_empty)
        if not isinstance(root, yaml.MappingNode):
            message = "must be a mapping of fields (name: value lines)"
            raise SourceError(path, root.start_mark.line + first, what, message)
        check_expansion(path, root, first, lambda line: key_at(text, line - first + 1), front_matter_limits())
        _reject_duplicate_keys(path, root, [], first, set())
        data = loader.construct_document(root)
    except yaml.YAMLError as error:
        raise _yaml_error(path, text, error, first) from None
    finally:
        loader.dispose()
    return data, root


def _compose(path: Path, text: str, first: int, what: str) -> tuple[yaml.SafeLoader, yaml.Node | None]:
    """A loader and the YAML's node graph (an alias is the node it names, shared: composing a bomb costs
    nothing; check_expansion measures it before anything walks it)."""
    fast = _FastFrontMatterLoader(text)
    try:
        return fast, fast.get_single_node()
    except yaml.YAMLError as error:
        fast.dispose()
        if "maximum nesting depth" in str(error):
            mark = getattr(error, "problem_mark", None)
            line = first + (mark.line if mark is not None else 0)
            message = f"nests lists and mappings more than {limit('yaml-depth')} deep"
            raise SourceError(path, line, key_at(text, line - first + 1), message) from None
    slow = _FrontMatterLoader(text)
    try:
        return slow, slow.get_single_node()
    except yaml.YAMLError as error:
        slow.dispose()
        raise _yaml_error(path, text, error, first) from None
    except RecursionError:
        # PyYAML composes nested collections recursively: the line that opens the most is at fault.
        slow.dispose()
        lines = text.splitlines() or [""]
        index = max(range(len(lines)), key=lambda number: lines[number].count("[") + lines[number].count("{"))
        message = f"nests lists and mappings more than {limit('yaml-depth')} deep"
        raise SourceError(path, first + index, key_at(text, index + 1), message) from None


def _yaml_error(path: Path, front: str, error: yaml.YAMLError, first: int) -> SourceError:
    """A YAML syntax error as a SourceError on the line where the editor has to look."""
    problem = str(getattr(error, "problem", None) or error)
    context = str(getattr(error, "context", None) or "")
    mark = getattr(error, "problem_mark", None)
    # An unclosed quote or bracket is noticed only where the text runs out; it is wrong where it opens.
    opened = getattr(error, "context_mark", None)
    if opened is not None and ("end of stream" in problem or "flow" in context):
        mark = opened
    line = mark.line + first if mark is not None else first
    message = f"YAML error: {clipped(_yaml_problem(problem, context))}"
    return SourceError(path, line, key_at(front, line - first + 1), message)


def _yaml_problem(problem: str, context: str) -> str:
    """PyYAML's wording of common mistakes, translated for an editor."""
    if "'\\t'" in problem:
        return "a tab character indents this line; indent with spaces"
    if "quoted scalar" in context and "end of stream" in problem:
        return "a quoted value is never closed; add the closing quote"
    if "flow sequence" in context:
        return "the [ list opened on this line is not closed with ]"
    if "flow mapping" in context:
        return "the { mapping opened on this line is not closed with }"
    if problem == "mapping values are not allowed here":
        return "unexpected ':'; put a value containing ': ' in quotes, or check this line's indentation"
    if problem.startswith("expected <block end>"):
        return "the indentation of this line does not fit the lines above"
    return f"{problem} ({context})" if context else problem


def key_at(front: str, line: int) -> str:
    """The nearest field at or above ``line`` (1-based, counted from the fence) of the front matter."""
    lines = front.splitlines()[: max(line, 1)]
    for text in reversed(lines):
        match = re.match(r"^\s*(?:-\s+)?([A-Za-z][\w-]*)\s*:", text)
        if match:
            return match.group(1)
    return "front matter"


def _reject_duplicate_keys(
    path: Path, node: yaml.Node, location: list[str | int], first: int, checked: set[int]
) -> None:
    """PyYAML silently keeps the last of two equal keys; a source must give each field once. A node an
    alias repeats is checked once."""
    if id(node) in checked:
        return
    checked.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name, line = str(key.value), key.start_mark.line + first
            if name in seen:
                field = _field_name([*location, name])
                raise SourceError(path, line, field, f"is given twice (also at line {seen[name]}); keep one")
            seen[name] = line
            _reject_duplicate_keys(path, value, [*location, name], first, checked)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _reject_duplicate_keys(path, item, [*location, index], first, checked)


def _line_of(root: yaml.Node, location: list[str | int], first: int = FRONT_MATTER_FIRST_LINE) -> int:
    """The 1-based file line of the field at a JSON path (its key's line), or of the deepest one that exists."""
    node, line = root, root.start_mark.line
    for step in location:
        if isinstance(node, yaml.MappingNode):
            found = [(key, value) for key, value in node.value if key.value == step]
            if not found:
                break
            key, node = found[0]
            line = key.start_mark.line
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line
        else:
            break
    return line + first


def _field_name(location: list[str | int]) -> str:
    name = ""
    for step in location:
        name += f"[{step}]" if isinstance(step, int) else (f".{step}" if name else step)
    return name or "front matter"


def _validate(path: Path, data: dict[str, Any], root: yaml.Node) -> None:
    validate_mapping(path, data, root, front_matter_schema())


def _format_checker() -> jsonschema.FormatChecker:
    """The standard formats (``date``), plus the persistent identifiers' check digits."""
    import jsonschema

    checker = jsonschema.FormatChecker()
    checker.checks("orcid")(lambda value: not isinstance(value, str) or identifiers.orcid_problem(value) is None)
    checker.checks("ror")(lambda value: not isinstance(value, str) or identifiers.ror_problem(value) is None)
    return checker


def validate_mapping(
    path: Path, data: dict[str, Any], root: yaml.Node, schema: dict[str, Any], first: int = FRONT_MATTER_FIRST_LINE
) -> None:
    """Check YAML data against a JSON Schema; every problem, in file order, one per field (a
    SourceError for one, SourceProblems for several)."""
    # Imported here: a build with nothing to rebuild never loads a source and skips its 60 ms import.
    import jsonschema

    found = Problems()
    unknown, meant = _unknown_key_problems(path, data, root, schema, first)
    found.add(*unknown)
    validator = jsonschema.Draft202012Validator(schema, format_checker=_format_checker())
    errors = sorted(validator.iter_errors(data), key=lambda error: _line_of(root, list(error.absolute_path), first))
    reported: set[str] = set()
    for error in errors:
        location = list(error.absolute_path)
        # An unknown field is named above, with the field it was probably meant to be.
        if error.validator == "additionalProperties":
            continue
        line = _line_of(root, location, first)
        if error.validator == "required":
            # A field missing because it is misspelt is the unknown field's problem, said once.
            missing = [
                name for name in error.validator_value if name not in error.instance and (*location, name) not in meant
            ]
            problems = [
                SourceError(path, line, _field_name([*location, name]), "is required but missing") for name in missing
            ]
        elif error.validator == "dependentRequired":  # "issue" without "volume": said at the field needing the other
            needing = next(name for name, needed in error.validator_value.items() if name in error.instance)
            absent = next(name for name in error.validator_value[needing] if name not in error.instance)
            field = _field_name([*location, needing])
            message = f"needs {absent} too; give both or neither"
            problems = [SourceError(path, _line_of(root, [*location, needing], first), field, message)]
        else:
            problems = [SourceError(path, line, _field_name(location), _explain(error))]
        for problem in problems:
            if problem.field not in reported:
                reported.add(problem.field)
                found.add(problem)
    found.stop()


def _unknown_key_problems(
    path: Path, data: dict[str, Any], root: yaml.Node, schema: dict[str, Any], first: int
) -> tuple[list[SourceError], set[tuple[str | int, ...]]]:
    """Each unknown field, with the known one it was probably meant to be; and where those are."""
    problems = []
    meant_at: set[tuple[str | int, ...]] = set()
    for location, known in _unknown_keys(data, schema, schema, []):
        key = str(location[-1])
        if location in (["dir"], ["direction"]):
            problems.append(SourceError(path, _line_of(root, location), key, _derived_direction(data.get("language"))))
            continue
        by_case = {name.lower(): name for name in known}
        close = difflib.get_close_matches(key.lower(), by_case, n=1)
        meant = by_case.get(key.lower()) or (by_case[close[0]] if close else None)
        hint = f"did you mean {meant!r}?" if meant else f"known fields here: {', '.join(known)}"
        problems.append(
            SourceError(path, _line_of(root, location, first), _field_name(location), f"unknown field; {hint}")
        )
        if meant:
            meant_at.add((*location[:-1], meant))
    return problems, meant_at


def _derived_direction(tag: object) -> str:
    """Why a source gives no direction: its language decides it (and a passage's language, the passage's)."""
    try:
        said = f" ({tag} is written {'right to left' if writing(str(tag)).direction == 'rtl' else 'left to right'})"
    except UnknownLanguage:
        said = ""
    return (
        f"is not a field: the writing direction follows 'language'{said}; remove this line, and mark a passage "
        "in another language in the body ([text]{lang=en}, ::: {lang=fr}), which sets its direction too"
    )


def _unknown_keys(
    value: object, subschema: dict[str, Any], schema: dict[str, Any], location: list[str | int]
) -> Iterator[tuple[list[str | int], list[str]]]:
    """The path of each key a closed object schema does not name, in document order, with the names it knows."""
    while "$ref" in subschema:
        subschema = schema["$defs"][subschema["$ref"].removeprefix("#/$defs/")]
    properties: dict[str, Any] = subschema.get("properties", {})
    if isinstance(value, dict):
        for key, item in value.items():
            if key in properties:
                yield from _unknown_keys(item, properties[key], schema, [*location, key])
            elif subschema.get("additionalProperties") is False:
                yield [*location, str(key)], list(properties)
    elif isinstance(value, list) and "items" in subschema:
        for index, item in enumerate(value):
            yield from _unknown_keys(item, subschema["items"], schema, [*location, index])


JSON_TYPE_WORDS = {
    "array": "a list",
    "object": "a mapping of fields (name: value lines)",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}
DATE_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Formats whose failure has its own explanation (which check digit was expected).
IDENTIFIER_PROBLEMS = {"orcid": identifiers.orcid_problem, "ror": identifiers.ror_problem}


def _explain(error: ValidationError) -> str:
    """A short, editor-facing sentence for a schema violation."""
    value = error.instance
    # The schema words the form of patterned values in ``x-expected`` ("a date in the form YYYY-MM-DD").
    expected = error.schema.get("x-expected")
    if error.validator == "type":
        if value is None:
            return "has no value"
        wanted = expected or JSON_TYPE_WORDS.get(str(error.validator_value), f"a {error.validator_value}")
        quote = error.validator_value == "string" and not expected and isinstance(value, int | float)
        return f"must be {wanted}, got {quoted(value)}" + ("; put it in quotes if it is meant as text" if quote else "")
    if error.validator == "format" and error.validator_value == "date" and DATE_FORM.fullmatch(str(value)):
        return f"{quoted(value)} is not a real calendar date"
    if error.validator == "format" and error.validator_value in IDENTIFIER_PROBLEMS:
        return IDENTIFIER_PROBLEMS[error.validator_value](str(value)) or clipped(error.message)
    if error.validator in ("format", "pattern"):
        if not str(value).strip():
            return "must not be empty"
        if expected:
            return f"must be {expected}, got {quoted(value)}"
        return f"{quoted(value)} does not match the expected form {error.validator_value}"
    if error.validator in ("oneOf", "anyOf", "enum", "minimum", "maximum", "minItems", "maxItems") and expected:
        return f"must be {expected}, got {quoted(value)}"
    if error.validator == "minItems":
        return "must list at least one entry"
    if error.validator == "minProperties":
        return f"must not be empty; give {' or '.join(error.schema.get('properties', {}))}"
    # jsonschema's own wording starts with the whole value ("'…' is too long"): an excerpt instead.
    return clipped(error.message.replace(repr(value), quoted(value), 1))


def _person(entry: dict[str, Any]) -> Person:
    return Person(
        given=entry["given"].strip(),
        family=entry["family"].strip(),
        role=entry.get("role"),
        affiliations=tuple(
            Affiliation(
                institution=a["institution"], country=a.get("country"), department=a.get("department"), ROR=a.get("ROR")
            )
            for a in entry.get("affiliation", ())
        ),
        bio=entry.get("bio"),
        ORCID=entry.get("ORCID"),
    )


def _metadata(
    path: Path,
    slug: str,
    data: dict[str, Any],
    title_inlines: list[PandocInline],
    house: House,
    direction: Direction,
) -> Metadata:
    license_data = data.get("license")
    return Metadata(
        slug=slug,
        source_path=path,
        title=pandoc.stringify(title_inlines),
        title_inlines=tuple(title_inlines),
        article_type=data["article-type"],
        genre=data.get("genre"),
        language=data["language"],
        issued=datetime.date.fromisoformat(data["issued"]),
        updated=datetime.date.fromisoformat(data["updated"]) if "updated" in data else None,
        version=data.get("version"),
        volume=str(data["volume"]) if "volume" in data else None,
        issue=str(data["issue"]) if "issue" in data else None,
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
        copyright=Copyright(**data["copyright"]) if "copyright" in data else None,
        house=house,
        direction=direction,
        citation_language=data.get("citation-language"),
    )


# Fields that may hold several paragraphs (blank-line separated); every other text is one line.
MULTI_PARAGRAPH_FIELDS = frozenset({"abstract", "bio", "text"})
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# Line breaks, tabs and runs of spaces, but not the no-break spaces an editor types on purpose.
LINE_WHITESPACE = re.compile(r"[ \t\r\n\f\v]+")


def normalise_whitespace(value: object, key: str | None = None) -> Any:  # noqa: ANN401 (YAML data)
    """Every text of the front matter on one line with single spaces (a title folded over two YAML
    lines must not keep its newline); fields of several paragraphs keep one blank line between them."""
    if isinstance(value, dict):
        return {name: normalise_whitespace(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [normalise_whitespace(item, key) for item in value]
    if not isinstance(value, str):
        return value
    if key in MULTI_PARAGRAPH_FIELDS:
        paragraphs = (LINE_WHITESPACE.sub(" ", part).strip() for part in PARAGRAPH_BREAK.split(value))
        return "\n\n".join(part for part in paragraphs if part)
    return LINE_WHITESPACE.sub(" ", value).strip()


def _read_body(
    path: Path,
    body: str,
    body_line: int,
    body_lines: list[str],
    title: str | None,
    title_line: int,
    as_typed: bool,
    prose: dict[str, Any],
) -> pandoc.ReadMarkdown:
    """The body (and the title, and the front matter's ``prose``) through pandoc, within the limits on
    its time, memory and nesting; ``as_typed`` leaves its punctuation as typed."""
    check_markdown_nesting(path, body, body_line)
    try:
        return pandoc.read_markdown(body, title=title, as_typed=as_typed, metadata=prose)
    except pandoc.PandocLimitExceeded as error:
        first = body_line + next(index for index, line in enumerate(body_lines) if line.strip())
        raise SourceError(path, first, "body", f"{error} reading the title and body; shorten or split it") from None
    except pandoc.TooDeep as error:
        message = (
            f"lists, quotes, divisions, tables, notes and inline markup nest more than {limit('nesting-depth')} "
            "levels deep here"
        )
        if error.text and title and error.text in title and not any(error.text in line for line in body_lines):
            raise SourceError(path, title_line, "title", message) from None
        raise SourceError(path, body_line + _deepest_line(body_lines, error.text), "body", message) from None


def _deepest_line(lines: list[str], text: str) -> int:
    """The index of the line holding ``text`` that opens the most (indentation, quote and list marks)."""
    holding = [index for index, line in enumerate(lines) if text in line] or list(range(len(lines)))
    return max(holding, key=lambda index: len(lines[index]) - len(lines[index].lstrip(" \t>-*+:0123456789.)")))
