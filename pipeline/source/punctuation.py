"""Punctuation as a typesetter sets it, in the language of each passage.

pandoc's ``smart`` reader extension educates what the author typed straight: apostrophes become ’, ``--``
and ``---`` dashes, ``...`` an ellipsis, and quoted text a ``Quoted`` element (characters typed
typographically stay as typed; code and link addresses are never touched). This module then sets each
``Quoted`` with the quotation marks CLDR gives its language (the outer pair, and the alternate pair for a
quotation inside a quotation), read through ICU (PyICU), or the house's own marks for that language
(``quotation-marks`` in house.yaml); a ``lang`` span or division gets its own. Languages whose norms space
punctuation (French: a narrow no-break space before ; : ! ? and inside « ») get those spaces as
no-break characters, from the table in pipeline/punctuation.json. Prose metadata (the abstract, notes,
biographies) is educated the same way; identifiers and addresses never are. ``punctuation: as-typed`` in
house.yaml turns all of it off: the source's characters are published as typed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from pipeline import pandoc, textlinks
from pipeline.model import House, PandocBlock
from pipeline.source.body import Contents
from pipeline.source.body import attributes as element_attributes
from pipeline.source.language import UnknownLanguage, writing

# Elements whose text is data, not prose: never educated nor spaced.
VERBATIM = frozenset({"Code", "CodeBlock", "Math", "RawInline", "RawBlock"})
# A link whose text is its own address (``<https://…>``, ``<name@example.org>``).
ADDRESS_LINK_CLASSES = frozenset({"uri", "email"})
SPACES = frozenset({"Space", "SoftBreak"})
NARROW_NO_BREAK_SPACE = "\u202f"
# What the smart extension makes of straight characters, and what the author may have typed instead.
EDUCATED = {"–": ("--", "–"), "—": ("---", "—"), "…": ("...", "…"), "’": ("'", "’"), "‘": ("'", "‘")}
EDUCATED |= {"“": ('"', "“"), "”": ('"', "”")}
EDUCATED_CHARACTERS = frozenset(EDUCATED)
# An address or identifier inside running text (pandoc reads a bare one as words, and educates it).
# It ends where the text around it does, at a space or at a character of a script without spaces (。).
UNSPACED_TEXT = "\u3000-\u9fff\uac00-\ud7af\uff00-\uffef"
ADDRESS_IN_TEXT = re.compile(rf"(?:https?://|\b10\.\d{{4,9}}/)[^\s<>\"'“”‘’{UNSPACED_TEXT}]+|{textlinks.EMAIL}")
# Characters of the Markdown syntax, escaped when a plain-text field is read as Markdown to be educated.
MARKDOWN_SYNTAX = re.compile(r"([\\`*_{}\[\]()<>#+!|~^$@%&=:;,?/])")
ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# A paragraph Markdown would read as a list item (``- …``, ``1. …``, ``a) …``): its marker is escaped.
LIST_MARKER = re.compile(r"^(\w{1,3}[.)]|[-+*])(?=\s)")
# The metadata field the front matter's prose is read in, with the body.
PROSE_FIELD = "prose-to-typeset"
# Scripts whose text runs without spaces between words and quotation marks: pandoc's smart extension,
# which tells an opening quote from a closing one by the space before it, cannot read them.
UNSPACED_SCRIPTS = frozenset({"Hans", "Hant", "Hani", "Jpan", "Kore", "Hira", "Kana", "Hang", "Thai", "Laoo", "Khmr"})
TYPED_DASHES = re.compile(r"---|--|\.\.\.")
TYPED_DASH_CHARACTERS = {"---": "—", "--": "–", "...": "…"}
BLOCK_KINDS = frozenset(
    {"Para", "Plain", "Header", "LineBlock", "BlockQuote", "OrderedList", "BulletList", "DefinitionList"}
    | {"Table", "Figure", "Div", "Note", "Caption"}
)
CJK_NAME_PREFIXES = ("CJK ", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER")


@dataclass(frozen=True)
class QuotationMarks:
    """A language's quotation marks: the outer pair, then the pair for a quotation inside it."""

    open: str
    close: str
    inner_open: str
    inner_close: str

    def pair(self, depth: int) -> tuple[str, str]:
        """The marks of a quotation ``depth`` quotations deep (0 outermost): outer and inner alternate."""
        return (self.open, self.close) if depth % 2 == 0 else (self.inner_open, self.inner_close)


@dataclass(frozen=True)
class Spacing:
    """The no-break space a language puts before some marks, after opening and before closing quotes."""

    space: str
    before_marks: str
    after_opening: str
    before_closing: str


@cache
def _spacing_table() -> dict[str, Spacing]:
    text = resources.files("pipeline").joinpath("punctuation.json").read_text(encoding="utf-8")
    table: dict[str, Any] = json.loads(text)
    return {
        language: Spacing(entry["space"], entry["before-marks"], entry["after-opening"], entry["before-closing"])
        for language, entry in table.items()
        if not language.startswith("$")
    }


@cache
def cldr_quotation_marks(tag: str) -> QuotationMarks:
    """CLDR's delimiters for ``tag`` (a BCP 47 tag), through ICU; ICU falls back along the tag (``fr-CA``
    to ``fr``) and, for a language it has no data for, to the root locale's “ ” ‘ ’."""
    import icu

    data = icu.LocaleData(icu.Locale.forLanguageTag(tag).getName())
    kind = icu.ULocaleDataDelimiterType
    return QuotationMarks(
        data.getDelimiter(kind.QUOTATION_START),
        data.getDelimiter(kind.QUOTATION_END),
        data.getDelimiter(kind.ALT_QUOTATION_START),
        data.getDelimiter(kind.ALT_QUOTATION_END),
    )


def _fallbacks(tag: str) -> Iterator[str]:
    """``zh-Hant-TW``, ``zh-Hant``, ``zh``: the tag, then each shorter prefix of it."""
    parts = tag.split("-")
    for end in range(len(parts), 0, -1):
        yield "-".join(parts[:end]).lower()


@dataclass(frozen=True)
class Typesetter:
    """The house's punctuation settings, applied to the text of one article."""

    house_marks: tuple[tuple[str, tuple[str, str, str, str]], ...]

    @classmethod
    def of(cls, house: House) -> Typesetter | None:
        """The typesetter a house asks for; None when it keeps punctuation as typed."""
        return None if house.punctuation == "as-typed" else cls(house.quotation_marks)

    def marks(self, tag: str) -> QuotationMarks:
        own = {name.lower(): marks for name, marks in self.house_marks}
        chosen = next((own[name] for name in _fallbacks(tag) if name in own), None)
        return QuotationMarks(*chosen) if chosen is not None else cldr_quotation_marks(tag)

    def spacing(self, tag: str) -> Spacing | None:
        return _spacing_table().get(tag.split("-")[0].lower())

    def set_blocks(
        self, blocks: list[PandocBlock], tag: str, source: str = "", found: Contents | None = None
    ) -> list[PandocBlock]:
        """``blocks`` (or inlines) with their quotations marked and spaced for ``tag``'s language. Text
        read as typed (``reads_as_typed``) is educated here first; so is a passage in such a language
        inside text the smart reader read, from the ``source`` text it was read from. Given what
        ``blocks`` hold (``found``), a body with no quotation and no passage in another language, in a
        language that spaces no punctuation, is returned as it is: setting it would copy it unchanged."""
        if reads_as_typed(tag):
            self._educate_typed(blocks, tag)
        elif found is None or found.holds_passages:
            self._educate_passages(blocks, tag, source)
        if found is not None and "Quoted" not in found.kinds and not found.holds_passages and not self.spacing(tag):
            return blocks
        return self._set(blocks, tag, 0)

    def _educate_typed(self, value: Any, tag: str) -> None:  # noqa: ANN401 (pandoc's JSON)
        runs: list[list[tuple[dict[str, Any], str]]] = [[]]
        _typed_runs(value, tag, runs, runs[0])
        for run in runs:
            self._educate_run(run)

    def _educate_passages(self, value: Any, tag: str, source: str) -> None:  # noqa: ANN401 (pandoc's JSON)
        """Each passage (a ``lang`` span or division) in a language read as typed, its words as the
        source typed them (the smart reader's guesses undone), then educated."""
        if isinstance(value, list):
            for item in value:
                self._educate_passages(item, tag, source)
            return
        if not isinstance(value, dict) or value.get("t") in VERBATIM:
            return
        attributes = element_attributes(value) if "t" in value else None
        language = dict(attributes[2]).get("lang", tag) if attributes is not None else tag
        if reads_as_typed(language):
            for element in pandoc.elements(value):
                if element["t"] == "Str" and not EDUCATED_CHARACTERS.isdisjoint(element["c"]):
                    element["c"] = _as_typed(element["c"], source)
            self._educate_typed(value, language)
            return
        for item in value.values():
            self._educate_passages(item, language, source)

    def _educate_run(self, run: list[tuple[dict[str, Any], str]]) -> None:
        """Straight quotes, apostrophes, dashes and ellipses of one paragraph's words, educated in
        place: a straight quote opens a quotation unless the innermost open one is of its kind, which
        it closes; ' between two letters (or after a letter, with no single quotation open) is an
        apostrophe."""
        open_quotes: list[str] = []
        for node, tag in run:
            text = TYPED_DASHES.sub(lambda found: TYPED_DASH_CHARACTERS[found.group()], node["c"])
            educated: list[str] = []
            for index, character in enumerate(text):
                if character not in "\"'":
                    educated.append(character)
                    continue
                before, after = text[index - 1 : index], text[index + 1 : index + 2]
                if character == "'" and _latin_word(before) and (_latin_word(after) or "'" not in open_quotes):
                    educated.append("’")
                elif open_quotes and open_quotes[-1] == character:
                    open_quotes.pop()
                    educated.append(self.marks(tag).pair(len(open_quotes))[1])
                else:
                    educated.append(self.marks(tag).pair(len(open_quotes))[0])
                    open_quotes.append(character)
            node["c"] = "".join(educated)

    def _set(self, value: Any, tag: str, depth: int) -> Any:  # noqa: ANN401 (pandoc's JSON)
        if isinstance(value, list):
            return self._set_list(value, tag, depth)
        if not isinstance(value, dict) or "t" not in value:
            return (
                {key: self._set(item, tag, depth) for key, item in value.items()} if isinstance(value, dict) else value
            )
        kind = value["t"]
        if kind in VERBATIM:
            return value
        attributes = element_attributes(value)
        if kind == "Link" and attributes is not None and ADDRESS_LINK_CLASSES & set(attributes[1]):
            return value
        if attributes is not None:
            tag = dict(attributes[2]).get("lang", tag)
        return {key: self._set(item, tag, depth) for key, item in value.items()}

    def _set_list(self, items: list[Any], tag: str, depth: int) -> list[Any]:
        done: list[Any] = []
        for item in items:
            if isinstance(item, dict) and item.get("t") == "Quoted":
                opening, closing = self.marks(tag).pair(depth)
                inner = self._set(item["c"][1], tag, depth + 1)
                done += [{"t": "Str", "c": opening}, *inner, {"t": "Str", "c": closing}]
            else:
                done.append(self._set(item, tag, depth))
        spacing = self.spacing(tag)
        if spacing is None or not any(isinstance(item, dict) and item.get("t") == "Str" for item in done):
            return done
        return _spaced(_joined(done), spacing)


# A quote, hyphen or full stop the source escapes (\" \' \- \.) is meant as typed. Text read as typed
# loses the backslash (an escape), so before reading, the character is swapped for a private-use one, and
# back after.
SHIELDS = {'"': "\ue000", "'": "\ue001", "-": "\ue002", ".": "\ue003"}
UNSHIELD = {ord(shield): quote for quote, shield in SHIELDS.items()}


def can_shield(*texts: str) -> bool:
    """Whether ``texts`` are free of the shielding characters (a text using them is read unshielded)."""
    return not any(shield in text for text in texts for shield in SHIELDS.values())


def shield_escaped_quotes(markdown: str) -> str:
    """``markdown`` with each escaped quote shielded from the educating here."""
    return re.sub(r"\\([\"'.-])", lambda found: "\\" + SHIELDS[found.group(1)], markdown)


def unshield_escaped_quotes(value: Any) -> Any:  # noqa: ANN401 (pandoc's JSON)
    """The AST read from shielded text with each shielded quote back (in code, after its backslash,
    which code keeps as a character)."""
    return pandoc.translated(value, UNSHIELD)


def reads_as_typed(tag: str) -> bool:
    """Whether text in ``tag``'s language is read without pandoc's smart extension and educated here."""
    try:
        return writing(tag).script in UNSPACED_SCRIPTS
    except UnknownLanguage:
        return False


def _latin_word(character: str) -> bool:
    """A letter or digit of a script that spaces its words (an apostrophe stands between two)."""
    return character.isalnum() and not unicodedata.name(character, "").startswith(CJK_NAME_PREFIXES)


def _typed_runs(
    value: Any,  # noqa: ANN401 (pandoc's JSON)
    tag: str,
    runs: list[list[tuple[dict[str, Any], str]]],
    current: list[tuple[dict[str, Any], str]],
) -> None:
    """Each paragraph's words (Str elements, with their language) in order, one run per block or note;
    code, maths and addresses left out."""
    if isinstance(value, list):
        for item in value:
            _typed_runs(item, tag, runs, current)
        return
    if not isinstance(value, dict) or value.get("t") in VERBATIM:
        return
    attributes = element_attributes(value) if "t" in value else None
    if value.get("t") == "Link" and attributes is not None and ADDRESS_LINK_CLASSES & set(attributes[1]):
        return
    if attributes is not None:
        tag = dict(attributes[2]).get("lang", tag)
    if value.get("t") == "Str":
        current.append((value, tag))
        return
    if value.get("t") in BLOCK_KINDS:
        current = []
        runs.append(current)
    for item in value.values():
        _typed_runs(item, tag, runs, current)


def _joined(inlines: list[Any]) -> list[Any]:
    """Adjacent Str elements as one (a mark set in place of a Quoted stands beside the quoted words)."""
    joined: list[Any] = []
    for inline in inlines:
        if inline.get("t") == "Str" and joined and joined[-1].get("t") == "Str":
            joined[-1] = {"t": "Str", "c": joined[-1]["c"] + inline["c"]}
        else:
            joined.append(inline)
    return joined


@dataclass(frozen=True)
class SpacingPatterns:
    """Where ``Spacing`` puts its space inside a word: before a mark that ends a clause (not in ``16:30``
    or ``https://``, nor between ``?!``), after an opening and before a closing quotation mark; and
    whether a word starts with a mark that wants the space before it (after the inline before it)."""

    before_mark: re.Pattern[str]
    after_opening: re.Pattern[str]
    before_closing: re.Pattern[str]
    leading: re.Pattern[str]


@cache
def _spacing_patterns(spacing: Spacing) -> SpacingPatterns:
    marks, opening, closing = map(re.escape, (spacing.before_marks, spacing.after_opening, spacing.before_closing))
    clause_end = rf"[{marks}](?:$|[\s{marks}{closing}.,)\]’”…])"
    return SpacingPatterns(
        before_mark=re.compile(rf"(?<=[^\s{marks}{opening}])(?={clause_end})"),
        after_opening=re.compile(rf"(?<=[{opening}])(?=[^\s{closing}])"),
        before_closing=re.compile(rf"(?<=[^\s{opening}])(?=[{closing}])"),
        leading=re.compile(rf"{clause_end}|[{closing}]"),
    )


def _spaced(inlines: list[Any], spacing: Spacing) -> list[Any]:
    """The no-break spaces ``spacing`` asks for: inside each Str, and in place of a breaking space
    between two inlines where one belongs (``mot ;``, ``« mot »``)."""
    patterns = _spacing_patterns(spacing)
    space = spacing.space
    spaced: list[Any] = []
    dropped_space = False  # the Space after an opening mark, replaced by the no-break one
    for index, inline in enumerate(inlines):
        if dropped_space:
            dropped_space = False
            continue
        if inline.get("t") != "Str":
            spaced.append(inline)
            continue
        text = inline["c"]
        for pattern in (patterns.before_mark, patterns.after_opening, patterns.before_closing):
            text = pattern.sub(space, text)
        previous = spaced[-1] if spaced else None
        if previous is not None and patterns.leading.match(text):
            if previous.get("t") in SPACES:
                spaced[-1] = {"t": "Str", "c": space}
            elif not (previous.get("t") == "Str" and previous["c"][-1:].isspace()):
                text = space + text
        following = inlines[index + 1] if index + 1 < len(inlines) else None
        if text[-1:] in spacing.after_opening and following is not None and following.get("t") in SPACES:
            dropped_space = True
            text += space
        spaced.append({"t": "Str", "c": text})
    return _joined(spaced)


def restore_addresses(blocks: list[PandocBlock], body: str) -> None:
    """Web addresses, e-mail addresses and DOIs written bare in the text, as typed: the smart reader took
    their ``--``, ``...`` and quotes for prose. Each is found again in the source text it was read from."""
    for element in pandoc.elements(blocks):
        if element["t"] == "Str" and not EDUCATED_CHARACTERS.isdisjoint(element["c"]):
            element["c"] = ADDRESS_IN_TEXT.sub(lambda found: _as_typed(found.group(), body), element["c"])


def _as_typed(educated: str, body: str) -> str:
    if EDUCATED_CHARACTERS.isdisjoint(educated):
        return educated
    found = as_typed_pattern(educated).search(body)
    return found.group() if found else educated


def as_typed_pattern(educated: str) -> re.Pattern[str]:
    """What the source may have typed for ``educated`` text: each educated character, or what the
    smart reader makes it from (``--`` for –, ' for ’…)."""
    return re.compile("".join(_typed_alternatives(character) for character in educated))


def _typed_alternatives(character: str) -> str:
    if character in EDUCATED:
        return "(?:" + "|".join(map(re.escape, EDUCATED[character])) + ")"
    if unicodedata.category(character) in ("Pi", "Pf") or character in "„‚「」『』":  # a language's marks
        return f"(?:[\"']|{re.escape(character)})"
    if character == NARROW_NO_BREAK_SPACE:  # French spacing, set where the source may have none
        return f"[ {NARROW_NO_BREAK_SPACE}]?"
    return re.escape(character)


def _escaped(paragraph: str) -> str:
    """A paragraph of plain text as Markdown that reads back as the same words: Markdown's characters
    escaped, and in an address every punctuation character, so that only prose is educated."""
    escaped = "".join(
        (MARKDOWN_SYNTAX if run.kind == "text" else ASCII_PUNCTUATION).sub(r"\\\1", run.text)
        for run in textlinks.runs(paragraph)
    )
    return LIST_MARKER.sub(lambda marker: marker.group()[:-1] + "\\" + marker.group()[-1], escaped)


def _prose_places(data: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Where the front matter holds prose (the abstract, editorial notes, authors' biographies); the
    title is read with the body, and every other field is a name, a date or an identifier."""
    places: list[tuple[dict[str, Any], str]] = [(data, "abstract")] if "abstract" in data else []
    places += [(note, "text") for note in data.get("notes", ())]
    places += [(person, "bio") for person in data.get("author", ()) if "bio" in person]
    return places


def prose_metadata(data: dict[str, Any]) -> dict[str, Any]:
    """The front matter's prose as Markdown metadata, read with the body (pipeline.pandoc.read_markdown):
    every Markdown character but quotes, dashes and full stops escaped, so only punctuation changes,
    and addresses fully escaped, so they stay as written."""
    texts = [place[key] for place, key in _prose_places(data)]
    if not texts:
        return {}
    return {PROSE_FIELD: ["\n\n".join(_escaped(paragraph) for paragraph in text.split("\n\n")) for text in texts]}


def typeset_prose_fields(
    data: dict[str, Any], meta: dict[str, Any], tag: str, typesetter: Typesetter
) -> dict[str, Any]:
    """The front matter with its prose set as the body is, from its reading in ``meta`` (pandoc's
    metadata, read with ``prose_metadata``); a field read as anything but paragraphs stays as written."""
    places = _prose_places(data)
    read = meta.get(PROSE_FIELD, {}).get("c", [])
    if len(read) != len(places):  # read as something else than the list it was given: left as written
        return data
    for (place, key), value in zip(places, read, strict=True):
        blocks = value["c"] if value["t"] == "MetaBlocks" else [{"t": "Para", "c": value["c"]}]
        if value["t"] not in ("MetaBlocks", "MetaInlines") or any(b["t"] not in ("Para", "Plain") for b in blocks):
            continue
        typeset = typesetter.set_blocks(blocks, tag)
        restore_addresses(typeset, place[key])  # read as typed (Chinese…), escapes are gone once read
        place[key] = "\n\n".join(pandoc.stringify(block["c"]) for block in typeset)
    return data
