"""The one door to pandoc: a pinned version, Markdown in, JSON AST out, and AST to other formats.

Every pandoc call runs here, sandboxed (pandoc reads no file but those named on its command line),
with a wall-clock limit and a heap limit (pipeline/limits.json): a source that would keep pandoc busy
for minutes or take gigabytes stops with a message instead.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pypandoc

from pipeline.errors import PipelineError
from pipeline.limits import die_with_parent, limit
from pipeline.model import Article, PandocBlock

# pypandoc-binary 1.17 ships pandoc 3.9; outputs (and golden facts) are only vouched for with it.
PANDOC_VERSION = "3.9"
# The `smart` extension educates straight quotes, apostrophes, -- , --- and ... (typographic ones stay as
# typed; pipeline/source/punctuation.py sets the quotation marks by language); a house that keeps
# punctuation as typed reads without it (``read_markdown(..., as_typed=True)``).
# Raw TeX and ```{=format} blocks are read as plain text. Raw HTML is read as raw tags, every one of
# them (`<span>` and `<div>` too, not pandoc's native spans and divs), so that pipeline/source/rawhtml.py
# turns the safe inline subset of pipeline/markup.json into elements and refuses the rest at its line:
# no markup of the source's own reaches an output (pipeline/source/guards/sanitize.py checks the rest).
# The front matter is the source's only
# metadata: a YAML block further down the body is text, not metadata pandoc would take in (and expand).
# Heading ids are pandoc's own, in ASCII (accents stripped, other scripts left out), so every format
# and every URL fragment can carry them unchanged.
MARKDOWN_READER = "markdown+smart-raw_attribute-raw_tex-yaml_metadata_block-native_spans-native_divs+ascii_identifiers"
# The title is read as Markdown in the same call as the body, as pandoc metadata.
TITLE_FIELD = "title"
# Where pandoc's warnings go that no check turns into an error (pypandoc's logger, as before).
WARNINGS_LOGGER = "pypandoc"
LEVEL_PREFIX = re.compile(r"^\[[A-Z]+\]\s*")
# pandoc's exit code when its heap limit (+RTS -M) is reached.
HEAP_EXHAUSTED = 251
# pandoc's runtime allocates into a nursery it empties by collecting. The binary is built with -H64m: on a
# commentary the nursery then grows to 64 MiB of fresh memory, whose page faults cost more than the
# collections they spare. 32 MiB, reused, costs less; a run that allocates far more (a Markdown body past
# about 20 KB, pandoc's JSON past a megabyte) costs least with 8 MiB, reused many times over.
# Measured as pandoc's CPU time on the first title, generated commentaries and long articles: about 30% less
# for reading a 27 KB body, 13-26% less for the HTML and JATS writers. -H4k undoes the built-in -H64m. A
# heap limit under four nurseries (as a test sets) keeps pandoc's own sizing, so that the limit
# still measures what pandoc keeps rather than where it allocates.
NURSERY_MIB_SMALL_INPUT = 32
NURSERY_MIB_LARGE_INPUT = 8
NURSERIES_PER_HEAP = 4
LARGE_MARKDOWN_BYTES = 20 * 1024
LARGE_INPUT_BYTES = 1024 * 1024
# A string of pandoc's JSON, and the braces of its objects (every element of the AST is one).
JSON_STRING_OR_BRACE = re.compile(r'"(?:[^"\\]|\\.)*"|[{}]')
# What is left of pandoc's JSON when only its quotes and braces are kept: every byte but those.
NOT_A_QUOTE_OR_BRACE = bytes(byte for byte in range(256) if byte not in b'"{}')
FIRST_TEXT = re.compile(r'"t":"Str","c":("(?:[^"\\]|\\.)*")')


class PandocLimitExceeded(PipelineError):
    """pandoc ran past its time or memory limit; the caller says which source file it was reading."""


class TooDeep(PipelineError):
    """The AST nests elements deeper than the limit; ``text`` is the first text at the deepest point."""

    def __init__(self, depth: int, text: str) -> None:
        self.depth = depth
        self.text = text
        super().__init__(f"elements nest {depth} deep, more than {limit('nesting-depth')}")


@dataclass(frozen=True)
class Converted:
    output: str
    warnings: tuple[str, ...]


@cache
def pandoc_version() -> str:
    return pypandoc.get_pandoc_version()


def check_pandoc() -> None:
    """Stop before building anything when the pandoc on this machine is not the pinned one."""
    found = pandoc_version()
    if found != PANDOC_VERSION:
        raise PipelineError(
            f"pandoc {PANDOC_VERSION} is required, found {found} at {pypandoc.get_pandoc_path()}; "
            "install the pinned pypandoc-binary (pip install -e .)"
        )


@dataclass(frozen=True)
class Launch:
    """How pandoc is started tied to the process that starts it (killed when that one ends)."""

    prefix: tuple[str, ...]  # a command that ties it, then runs pandoc; or none
    preexec: Callable[[], None] | None  # what the forked child runs first to tie itself; or nothing


@cache
def _launch() -> Launch:
    """util-linux's ``setpriv --pdeathsig`` where it works (Debian, Ubuntu): without a function to run in
    the child, Python starts pandoc with vfork rather than fork, which copies the page tables of the
    whole build process (5 ms of CPU, ours and the child's, per pandoc call from a 170 MB process,
    against 2 ms through setpriv); else prctl in the forked child, as the build's workers do."""
    setpriv = shutil.which("setpriv")
    prefix = (setpriv, "--pdeathsig", "KILL", "--") if setpriv else ()
    if prefix and subprocess.run([*prefix, "true"], capture_output=True, check=False).returncode == 0:
        return Launch(prefix, None)
    return Launch((), die_with_parent)


def convert(text: str, reader: str, writer: str, arguments: Iterable[str] = ()) -> Converted:
    """Run pandoc on ``text`` within the limits. A failure raises RuntimeError with pandoc's message
    (as pypandoc does); a limit reached raises PandocLimitExceeded."""
    seconds, heap = limit("pandoc-seconds"), limit("pandoc-heap-mib")
    data = text.encode("utf-8")
    launch = _launch()
    command = [*launch.prefix, pypandoc.get_pandoc_path(), "+RTS", f"-M{heap}m", *_nursery(reader, len(data), heap)]
    command += ["-RTS", "--sandbox", f"--from={reader}", f"--to={writer}", *arguments]
    try:
        done = subprocess.run(
            command,
            input=data,
            capture_output=True,
            timeout=seconds,
            check=False,
            preexec_fn=launch.preexec,  # a killed worker's pandoc ends with it, not only at its time limit
        )
    except subprocess.TimeoutExpired:
        raise PandocLimitExceeded(f"pandoc did not finish within {seconds} s") from None
    errors = done.stderr.decode("utf-8", errors="replace")
    if done.returncode == HEAP_EXHAUSTED:
        raise PandocLimitExceeded(f"pandoc needed more than {heap} MiB of memory")
    if done.returncode != 0:
        raise RuntimeError(f"pandoc exited with {done.returncode}: {errors}")
    warnings = tuple(line for line in errors.splitlines() if line.strip())
    return Converted(done.stdout.decode("utf-8", errors="replace"), warnings)


def _nursery(reader: str, size: int, heap_mib: int) -> list[str]:
    """The runtime options sizing pandoc's nursery for an input of ``size`` bytes read by ``reader``."""
    large = size > (LARGE_MARKDOWN_BYTES if reader.startswith("markdown") else LARGE_INPUT_BYTES)
    mib = NURSERY_MIB_LARGE_INPUT if large else NURSERY_MIB_SMALL_INPUT
    return [f"-A{mib}m", "-H4k"] if mib * NURSERIES_PER_HEAP <= heap_mib else []


def convert_text(text: str, reader: str, writer: str, arguments: Iterable[str] = ()) -> str:
    """pandoc's output for ``text``; what it warned about is passed on to the log, as pypandoc does."""
    converted = convert(text, reader, writer, arguments)
    log_warnings(converted.warnings)
    return converted.output


def log_warnings(warnings: Iterable[str]) -> None:
    for warning in warnings:
        logging.getLogger(WARNINGS_LOGGER).warning(LEVEL_PREFIX.sub("", warning))


@dataclass(frozen=True)
class ReadMarkdown:
    """The JSON AST of a Markdown text, and what pandoc warned about while reading it (with the
    text's own line numbers: the title is read from a metadata file, not put in front of the text)."""

    document: dict[str, Any]
    warnings: tuple[str, ...]


def read_markdown(
    markdown: str, title: str | None = None, *, as_typed: bool = False, metadata: dict[str, Any] | None = None
) -> ReadMarkdown:
    """Parse pandoc Markdown once into pandoc's JSON AST; a ``title`` (and any other Markdown
    ``metadata``) is parsed in the same call into the document's metadata. ``as_typed`` leaves quotes,
    dashes and ellipses as typed. Raises TooDeep before decoding an AST nested past the limit."""
    reader = MARKDOWN_READER.replace("+smart", "-smart") if as_typed else MARKDOWN_READER
    fields = {**({TITLE_FIELD: title} if title is not None else {}), **(metadata or {})}
    with tempfile.TemporaryDirectory() as folder:
        arguments: list[str] = []
        if fields:
            metadata_file = Path(folder) / "metadata.json"
            metadata_file.write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")
            arguments.append(f"--metadata-file={metadata_file}")
        converted = convert(markdown, reader, "json", arguments)
    document = json_document(converted.output)
    global _api_version
    _api_version = _api_version or document["pandoc-api-version"]
    return ReadMarkdown(document, converted.warnings)


def markdown_to_ast(markdown: str, title: str | None = None) -> dict[str, Any]:
    return read_markdown(markdown, title).document


def json_document(text: str) -> dict[str, Any]:
    """pandoc's JSON, decoded once its elements are known to nest no deeper than the limit (Python's
    JSON decoder and every recursive walk of the AST stop at a depth of about a thousand)."""
    most = limit("nesting-depth")
    # The braces outside strings, by bytes operations (regular expressions over the strings take four
    # times as long): escaped backslashes and quotes out, so that every quote left opens or closes a
    # string; then all but quotes and braces; then each string: those without a brace are two quotes side
    # by side (dropping two adjacent quotes never moves a brace in or out of a string), the rest split out.
    quotes_and_braces = (
        text.encode("utf-8")
        .replace(b"\\\\", b"")
        .replace(b'\\"', b"")
        .translate(None, NOT_A_QUOTE_OR_BRACE)
        .replace(b'""', b"")
    )
    braces = b"".join(quotes_and_braces.split(b'"')[::2])
    # Each pass takes out the innermost objects ({} side by side): as many passes as the deepest nesting.
    # One level for the document's own object, one for each element (and attribute object) inside it.
    for _level in range(most + 1):
        braces = braces.replace(b"{}", b"")
    if braces:
        raise _too_deep(text, most)
    return json.loads(text)


def _too_deep(text: str, most: int) -> TooDeep:
    """The depth at the first point past the limit and the first text from there on."""
    depth = 0
    for match in JSON_STRING_OR_BRACE.finditer(text):
        token = match.group()
        depth += 1 if token == "{" else -1 if token == "}" else 0
        if depth - 1 > most:
            found = FIRST_TEXT.search(text, match.end())
            return TooDeep(depth - 1, json.loads(found.group(1)) if found else "")
    return TooDeep(most + 1, "")


def title_inlines(meta: dict[str, Any], title: str) -> list[dict[str, Any]]:
    """The title's inlines from parsed metadata. A title Markdown would read as a block (``1. …``,
    ``# …``) is taken as the text it is."""
    value = meta.get(TITLE_FIELD, {})
    if value.get("t") == "MetaInlines":
        return value["c"]
    blocks = value.get("c") if value.get("t") == "MetaBlocks" else None
    if blocks and len(blocks) == 1 and blocks[0]["t"] in ("Para", "Plain"):
        return blocks[0]["c"]
    words = title.split(" ")
    inlines: list[dict[str, Any]] = []
    for word in words:
        inlines += [{"t": "Space"}, {"t": "Str", "c": word}] if inlines else [{"t": "Str", "c": word}]
    return inlines


# The JSON AST version this pandoc reads and writes, as the first Markdown read in this process said.
_api_version: list[int] | None = None


def api_version() -> list[int]:
    """The JSON AST version this pandoc reads and writes (pandoc is asked only when nothing was read yet)."""
    return _api_version or markdown_to_ast("")["pandoc-api-version"]


def ast_to(
    blocks: Iterable[PandocBlock], to: str, extra_args: Iterable[str] = (), meta: dict[str, Any] | None = None
) -> str:
    """Render AST blocks as a fragment of another format (``html5``, ``jats_archiving``...)."""
    document = {"pandoc-api-version": api_version(), "meta": meta or {}, "blocks": list(blocks)}
    return convert_text(json_input(document), "json", to, extra_args)


def json_input(document: dict[str, Any]) -> str:
    """``document`` as the JSON pandoc reads: compact, and not searched for cycles (an AST is a tree), a
    third less time than ``json.dumps``'s defaults for a whole body; pandoc reads the same document."""
    return json.dumps(document, separators=(",", ":"), check_circular=False)


# pandoc writes some attribute values as {"t": ...} too (list numbering, quote and maths types, table
# alignment, citation mode): they are not content.
PANDOC_ATTRIBUTE_VALUES = frozenset(
    {
        *("DefaultStyle", "Example", "Decimal", "LowerRoman", "UpperRoman", "LowerAlpha", "UpperAlpha"),
        *("DefaultDelim", "Period", "OneParen", "TwoParens", "SingleQuote", "DoubleQuote", "InlineMath"),
        *("DisplayMath", "AlignLeft", "AlignRight", "AlignCenter", "AlignDefault", "ColWidth", "ColWidthDefault"),
        *("AuthorInText", "SuppressAuthor", "NormalCitation"),
    }
)


def translated(value: Any, table: dict[int, str]) -> Any:  # noqa: ANN401 (a JSON value: pandoc's, CSL's)
    """``value`` with every string in it translated by ``table`` (a ``str.maketrans`` table); keys stay."""
    if isinstance(value, str):
        return value.translate(table)
    if isinstance(value, list):
        return [translated(item, table) for item in value]
    if isinstance(value, dict):
        return {key: translated(item, table) for key, item in value.items()}
    return value


def elements(value: object) -> Iterator[dict[str, Any]]:
    """Every block and inline of pandoc's JSON AST under ``value``, depth first, in document order."""
    # An explicit stack: nested generators cost time per element for every level of depth, and the
    # loader and writers walk whole bodies several times.
    # Exact types and no text pushed only to be popped again: a third less time on a long article's body.
    pending = [value]
    while pending:
        item = pending.pop()
        if type(item) is list:
            pending.extend(reversed(item))
        elif type(item) is dict:
            kind = item.get("t")
            if kind is not None and kind not in PANDOC_ATTRIBUTE_VALUES:
                yield item
                content = item.get("c")
                if type(content) is list or type(content) is dict:
                    pending.append(content)


def anywhere(value: object) -> Iterator[dict[str, Any]]:
    """Every element under ``value`` in no particular order, those in a citation's prefix and suffix too
    (every dict and list is entered, as ``spliced`` and ``replaced`` do; ``elements`` skips citations)."""
    pending = [value]
    pop, append, extend = pending.pop, pending.append, pending.extend
    while pending:
        item = pop()
        if type(item) is list:
            extend(item)
        elif type(item) is dict:
            if item.get("t") is None:  # not an element (a citation): every value
                extend(item.values())
                continue
            yield item
            content = item.get("c")  # an element is {"t", "c"}: its content, text left on the side
            if type(content) is list or type(content) is dict:
                append(content)


def holds(value: object, kind: str, test: Callable[[dict[str, Any]], object] | None = None) -> bool:
    """Whether an element of ``kind`` (for which ``test``, when given, is true) is anywhere under ``value``."""
    return any(item["t"] == kind and (test is None or test(item)) for item in anywhere(value))


def replaced(value: Any, kind: str, replace: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:  # noqa: ANN401
    """A copy of ``value`` (pandoc's JSON AST) in which every element of ``kind`` is ``replace(element)``."""
    if isinstance(value, list):
        return [replaced(item, kind, replace) for item in value]
    if isinstance(value, dict):
        if value.get("t") == kind:
            return replace(value)
        return {key: replaced(item, kind, replace) for key, item in value.items()}
    return value


def spliced(
    value: Any,  # noqa: ANN401 (pandoc's JSON AST)
    kind: str,
    expand: Callable[[dict[str, Any]], list[Any] | None],
    where: Callable[[dict[str, Any]], object] | None = None,
) -> Any:  # noqa: ANN401
    """``value`` (pandoc's JSON AST) in which every element of ``kind`` in a list is replaced by the elements
    ``expand(element)`` returns, in its place (none, one or several; None keeps it), and those are walked
    in turn (an expansion holding the element's content splices inside it too). What holds no element of
    ``kind`` is not copied: the result shares it with ``value``, so neither may be changed in place.
    ``where`` says which elements of ``kind`` ``expand`` may change (it keeps the others): a value holding
    none is returned as it is after a search, which costs a fifth of the splicing walk it spares."""
    return _spliced(value, kind, expand) if holds(value, kind, where) else value


def _spliced(value: Any, kind: str, expand: Callable[[dict[str, Any]], list[Any] | None]) -> Any:  # noqa: ANN401
    if isinstance(value, list):
        out: list[Any] | None = None  # made at the first change; until then the list is value's own
        for position, item in enumerate(value):
            expanded = expand(item) if isinstance(item, dict) and item.get("t") == kind else None
            if expanded is None:
                new = _spliced(item, kind, expand) if isinstance(item, list | dict) else item
                if new is item:
                    if out is not None:
                        out.append(item)
                    continue
                replacement = [new]
            else:
                replacement = _spliced(expanded, kind, expand)
            if out is None:
                out = value[:position]
            out.extend(replacement)
        return value if out is None else out
    if isinstance(value, dict):
        changed: dict[str, Any] | None = None
        for key, item in value.items():
            if isinstance(item, list | dict):
                new = _spliced(item, kind, expand)
                if new is not item:
                    changed = changed if changed is not None else dict(value)
                    changed[key] = new
        return value if changed is None else changed
    return value


def stringify(inlines: Iterable[dict[str, Any]]) -> str:
    """The plain text of pandoc inlines, as a reader sees it (footnotes and markup left out)."""
    parts: list[str] = []
    for inline in inlines:
        kind, content = inline["t"], inline.get("c")
        if kind == "Str":
            parts.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind in ("Emph", "Underline", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            parts.append(stringify(content))
        elif kind == "Quoted":
            quotes = "“”" if content[0]["t"] == "DoubleQuote" else "‘’"
            parts.append(quotes[0] + stringify(content[1]) + quotes[1])
        elif kind in ("Cite", "Span", "Link", "Image"):
            parts.append(stringify(content[1]))
        elif kind in ("Code", "Math"):
            parts.append(content[1])
    return "".join(parts)


def paragraphs(blocks: Iterable[PandocBlock]) -> list[str]:
    """The text of every paragraph in ``blocks``, including those nested in lists and quotes."""
    found: list[str] = []
    for block in blocks:
        kind, content = block["t"], block.get("c")
        if kind in ("Para", "Plain"):
            found.append(stringify(content))
        elif kind in ("BlockQuote", "Div"):
            found.extend(paragraphs(content if kind == "BlockQuote" else content[1]))
        elif kind == "BulletList":
            for item in content:
                found.extend(paragraphs(item))
        elif kind == "OrderedList":
            for item in content[1]:
                found.extend(paragraphs(item))
    return found


def body_blocks(article: Article) -> list[PandocBlock]:
    """The whole body as one block list: the introduction, then a level-1 header carrying each
    section's id and title before its blocks, then the bibliography, so one pandoc call renders it all."""
    blocks = list(article.introduction.blocks)
    for section in article.sections:
        blocks.append({"t": "Header", "c": [1, [section.id, [], []], list(section.title_inlines)]})
        blocks.extend(section.blocks)
    blocks.extend(article.bibliography)
    return blocks
