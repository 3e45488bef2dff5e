"""Hostile sources (issue 18): nothing is read from outside the source folder, nothing a source holds
can keep the build busy or exhaust the machine, and every refusal is one located line.

Each case is a source made here (symbolic links, FIFOs and control characters cannot sit in a fixture
folder), built by one CLI run beside a good source that uses the same tricks the right way. Every case
must give exactly one line ``file:line[:column]: field: message`` (line and column found in the case's
own text), exit code 2, no traceback, and leave its previous ``dist/`` folder byte for byte as it was.
Files outside the source folder are FIFOs: a build that opened one would wait forever, and the run's
time limit would fail the test. In-process tests audit ``open`` itself, for outside files that are
ordinary files.
"""

from __future__ import annotations

import json
import os
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from audit import watching
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_bad_input import (
    CONTROL,
    CORPUS,
    Run,
    assert_no_traceback,
    error_lines,
    previous_build,
    run_build_all,
    snapshot,
)
from test_images import svg

from bench.hostile import alias_bomb, long_field_bibliography, measure_refusals
from pipeline import limits
from pipeline.build.fingerprint import source_fingerprint
from pipeline.errors import SourceError
from pipeline.prepare.article import load_article

MINIMAL = (CORPUS / CONTROL / "article.md").read_text(encoding="utf-8")
FRONT, _, BODY = MINIMAL.partition("\n---\n")
PARAGRAPH = BODY.strip()
SVG_11_DOCTYPE = '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
FIGURE = '![A chart of fines.]({target}){{fig-alt="Bars rising from left to right."}}'
BIB_ENTRY = "@book{{{key},\n  author = {{Smith, Jane}},\n  title = {{{title}}},\n  date = {{2020}}{extra}\n}}\n"
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
PLAIN_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
HTML = etree.HTMLParser(no_network=True)


def article(front_extra: str = "", body: str = PARAGRAPH, front: str = FRONT) -> str:
    """The minimal valid source with front-matter lines added and another body."""
    return f"{front}\n{front_extra}---\n\n{body}\n"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def outside_fifo(outside: Path, name: str) -> Path:
    """A FIFO outside every source folder: whoever opens it for reading waits for a writer forever."""
    path = outside / name
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def bib(key: str = "smith2020", title: str = "On Things", extra: str = "") -> str:
    return BIB_ENTRY.format(key=key, title=title, extra=extra)


def cited(folder: Path, bibliography: str, body: str = "A paragraph citing [@smith2020] as prose.") -> None:
    write(folder, "article.md", article(f"bibliography: {bibliography}\n", body))


@dataclass(frozen=True)
class Case:
    """A hostile source: how to make it in its folder (given a folder outside every source), and what
    the one line reporting it says. The line is the first one of the reported file holding ``needle``
    (line 1 without one); the column, when there is one, that of ``column_at`` in that line."""

    slug: str
    make: Callable[[Path, Path], None]
    field: str
    message: str
    needle: str | None = None
    column_at: str | None = None
    file: str = "article.md"
    column_shift: int = 0  # the column is this many characters after ``column_at``


def _link_bibliography_out(folder: Path, outside: Path) -> None:
    cited(folder, "references.bib")
    (folder / "references.bib").symlink_to(outside_fifo(outside, "bibliography.bib"))


def _link_image_out(folder: Path, outside: Path) -> None:
    write(folder, "article.md", article(body=f"{PARAGRAPH}\n\n{FIGURE.format(target='chart.png')}"))
    (folder / "chart.png").symlink_to(outside_fifo(outside, "chart.png"))


def _link_folder_out(folder: Path, outside: Path) -> None:
    write(folder, "article.md", article(body=f"{PARAGRAPH}\n\n{FIGURE.format(target='figures/chart.png')}"))
    outside_fifo(outside / "figures", "chart.png")
    (folder / "figures").symlink_to(outside / "figures", target_is_directory=True)


def _link_article_out(folder: Path, outside: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "article.md").symlink_to(outside_fifo(outside, "article.md"))


def _link_loop_bibliography(folder: Path, _outside: Path) -> None:
    cited(folder, "references.bib")
    (folder / "references.bib").symlink_to("loop.bib")
    (folder / "loop.bib").symlink_to("references.bib")


def _fifo_bibliography(folder: Path, _outside: Path) -> None:
    cited(folder, "references.bib")
    os.mkfifo(folder / "references.bib")


def _bibliography_5_mb_field(folder: Path, _outside: Path) -> None:
    cited(folder, "references.bib")
    write(folder, "references.bib", long_field_bibliography(megabytes=5))


def _bibliography_long_field(folder: Path, _outside: Path) -> None:
    cited(folder, "references.bib")
    write(folder, "references.bib", bib(extra=",\n  abstract = {" + "word " * 3_000 + "}"))


def _json_long_field(folder: Path, _outside: Path) -> None:
    cited(folder, "references.json")
    item = {"id": "smith2020", "type": "book", "title": "On Things", "abstract": "word " * 3_000}
    write(folder, "references.json", json.dumps([item], indent=2))


def _json_deep(folder: Path, _outside: Path) -> None:
    cited(folder, "references.json")
    write(folder, "references.json", "[" * 100_000 + "]" * 100_000)


def _yaml_bibliography_bomb(folder: Path, _outside: Path) -> None:
    cited(folder, "references.yaml")
    item = "- id: smith2020\n  type: book\n  title: On Things\n"
    write(folder, "references.yaml", f"references:\n{item}  note: {alias_bomb(8, 10, 10)}\n")


def _control_in_bibliography(folder: Path, _outside: Path) -> None:
    cited(folder, "references.bib")
    write(folder, "references.bib", bib(title="On\x07Things"))


def _override_in_bibliography(folder: Path, _outside: Path) -> None:
    cited(folder, "references.bib")
    write(folder, "references.bib", bib(title="On \u2067Things\u2069"))


def _svg_case(document: str) -> Callable[[Path, Path], None]:
    def make(folder: Path, _outside: Path) -> None:
        write(folder, "article.md", article(body=f"{PARAGRAPH}\n\n{FIGURE.format(target='chart.svg')}"))
        write(folder, "chart.svg", document)

    return make


def _source(front_extra: str = "", body: str = PARAGRAPH, front: str = FRONT) -> Callable[[Path, Path], None]:
    def make(folder: Path, _outside: Path) -> None:
        write(folder, "article.md", article(front_extra, body, front))

    return make


DEEP_LIST = "\n".join(f"{'  ' * level}- deep" for level in range(1_000))
DATA_URI = "data:image/png;base64," + "iVBORw0KGgo" * 60
TITLE_LINE = "title: A Minimal Commentary"
CASES = [
    # 1. One door: nothing outside the source folder is read.
    Case("link-bibliography-out", _link_bibliography_out, "bibliography",
         "bibliography file 'references.bib' leads outside the source's folder", "bibliography:"),
    Case("link-image-out", _link_image_out, "body", "image file 'chart.png' leads outside the source's folder",
         "](chart.png"),
    Case("link-folder-out", _link_folder_out, "body",
         "image file 'figures/chart.png' leads outside the source's folder", "](figures/chart.png"),
    Case("link-article-out", _link_article_out, "file", "leads outside the source's folder"),
    Case("link-loop-bibliography", _link_loop_bibliography, "bibliography",
         "bibliography file 'references.bib' is a loop of symbolic links", "bibliography:"),
    Case("fifo-bibliography", _fifo_bibliography, "bibliography",
         "bibliography file 'references.bib' is not a regular file", "bibliography:"),
    # 2. Limits.
    Case("yaml-alias-bomb", _source(f"keywords: {alias_bomb(8, 10, 100)}\n"), "keywords",
         "expands, through YAML aliases, to", "keywords:"),
    Case("yaml-alias-loop", _source("keywords: &k [law, *k]\n"), "keywords",
         "contains itself through an alias", "keywords:"),
    Case("front-matter-too-large", _source("# " + "padding " * 40_000 + "\n"), "front matter",
         "the front matter may be at most 256 KiB", TITLE_LINE),
    Case("front-matter-long-value", _source(f"abstract: \"{'word ' * 2_500}\"\n"), "abstract",
         "a value of 12500 characters; a value may have at most 10000", "abstract:"),
    Case("front-matter-deep", _source(f"keywords: {'[' * 2_000}{']' * 2_000}\n"), "keywords",
         "nests lists and mappings more than 20 deep", "keywords:"),
    # Deep enough for PyYAML's recursion, and wrong elsewhere: libyaml refuses it, PyYAML reads it for the message.
    Case("front-matter-deep-and-wrong", _source(f"keywords: {'[' * 900}{']' * 900}\n\tabstract: x\n"), "keywords",
         "nests lists and mappings more than 20 deep", "keywords:"),
    Case("front-matter-brackets", _source('abstract: "' + "[" * 16 + "x" + "]{}" * 16 + '"\n'), "abstract",
         "brackets (links, spans, citations) nest more than 5 deep", "abstract:"),
    Case("bibliography-5-mb-field", _bibliography_5_mb_field, "bibliography",
         "bibliography file 'references.bib' is 4.8 MiB; a bibliography file may be at most 1 MiB",
         "bibliography:"),
    Case("bibliography-long-field", _bibliography_long_field, "bibliography",
         "characters; a field may have at most 10000", "abstract =", file="references.bib"),
    Case("json-long-field", _json_long_field, "bibliography",
         "the field 'abstract' has 15000 characters", '"abstract"', file="references.json"),
    Case("json-deep", _json_deep, "bibliography", "nest more than 20 deep", file="references.json"),
    Case("yaml-bibliography-bomb", _yaml_bibliography_bomb, "bibliography", "expands, through YAML aliases, to",
         "note:", file="references.yaml"),
    Case("body-deep-quotes", _source(body=f"{PARAGRAPH}\n\n{'> ' * 1_000}deep"), "body",
         "1000 quote and list marks open this line", "> > >"),
    Case("body-deep-list-marks", _source(body=f"{PARAGRAPH}\n\n{'- ' * 1_000}deep"), "body",
         "1000 quote and list marks open this line", "- - -"),
    Case("body-deep-indented-list", _source(body=f"{PARAGRAPH}\n\n{DEEP_LIST}"), "body",
         "this line is indented 130 columns; at most 128", f"{' ' * 130}- deep"),
    Case("body-deep-brackets", _source(body=f"{PARAGRAPH} {'[' * 1_000}x{']{}' * 1_000}"), "body",
         "brackets (links, spans, citations) nest more than 5 deep here", "[[[", "[", column_shift=5),
    # 3. Characters.
    Case("nul-in-body", _source(body="A paragraph with a NUL\x00 in it."), "body",
         "holds the control character U+0000, which no output can carry", "NUL\x00", "\x00"),
    Case("nul-in-title", _source(front=FRONT.replace("Minimal", "Mini\x00mal")), "title",
         "holds the control character U+0000", "title:", "\x00"),
    Case("lone-carriage-return", _source(body="A paragraph\rthat ends a line the old way."), "body",
         "holds the control character U+000D", "paragraph\r", "\r"),
    Case("escape-in-author", _source(front=FRONT.replace("Lovelace", "Love\x1blace")), "family",
         "holds the control character U+001B", "family:", "\x1b"),
    Case("control-in-bibliography", _control_in_bibliography, "bibliography", "holds the control character U+0007",
         "title =", "\x07", file="references.bib"),
    Case("override-in-title", _source(front=FRONT.replace("Minimal", "Mini\u202emal")), "title",
         "holds U+202E RIGHT-TO-LEFT OVERRIDE; direction controls are not allowed in metadata", "title:", "\u202e"),
    Case("isolate-in-author", _source(front=FRONT.replace("Ada", "\u2067Ada\u2069")), "given",
         "holds U+2067 RIGHT-TO-LEFT ISOLATE", "given:", "\u2067"),
    Case("isolate-in-bibliography", _override_in_bibliography, "bibliography", "holds U+2067 RIGHT-TO-LEFT ISOLATE",
         "title =", "\u2067", file="references.bib"),
    Case("override-unclosed-in-body", _source(body="The file gnp.\u202eexe is not what it says."), "body",
         "U+202E RIGHT-TO-LEFT OVERRIDE is not closed on its line", "gnp.", "\u202e"),
    Case("pop-without-push-in-body", _source(body="A paragraph that closes\u202c nothing."), "body",
         "U+202C POP DIRECTIONAL FORMATTING closes nothing opened before it", "closes\u202c", "\u202c"),
    # 4. Notes.
    Case("note-defined-twice", _source(body="Text[^a] here.\n\n[^a]: The first.\n\n[^a]: The second."), "body",
         "footnote [^a] is defined twice (also at line 15); keep one", "[^a]: The second.", "["),
    Case("note-never-defined", _source(body="Text[^a] and[^gone] here.\n\n[^a]: The first."), "body",
         "footnote [^gone] is referenced but never defined", "[^gone]", "[^gone]"),
    Case("note-never-referenced", _source(body="Text here.\n\n[^lost]: A note nothing refers to."), "body",
         "footnote [^lost] is defined but never referenced", "[^lost]:", "["),
    # 6. SVG and data: images.
    Case("svg-internal-subset", _svg_case('<!DOCTYPE svg [<!ENTITY x "y">]>\n' + svg("<text>&x;</text>").decode()),
         "body", "its DOCTYPE has an internal subset", "](chart.svg"),
    Case("svg-external-entity",
         _svg_case('<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/hostname">]>\n' + svg("<text>&x;</text>").decode()),
         "body", "its DOCTYPE declares the external entity 'x' ('file:///etc/hostname')", "](chart.svg"),
    Case("svg-other-dtd", _svg_case('<!DOCTYPE svg SYSTEM "http://example.org/evil.dtd">\n' + svg("").decode()),
         "body", "its DOCTYPE names the external DTD 'http://example.org/evil.dtd'", "](chart.svg"),
    Case("data-uri-image", _source(body=f"{PARAGRAPH}\n\n{FIGURE.format(target=DATA_URI)}"), "body",
         "image is embedded as a data: URI ('image/png', 682 characters); save it as a file", "](data:"),
    # 2. A message quotes an excerpt, never a whole long value.
    Case("long-wrong-url", _source(front=FRONT.replace("https://example.org", "ftp://" + "x" * 5_000)), "URL",
         "must be an http:// or https:// address, got 'ftp://xxxx", "URL:"),
]  # fmt: skip
SLUGS = [case.slug for case in CASES]
GOOD = "hostile-but-fine"


def _make_good(folder: Path, outside: Path) -> None:
    """Symbolic links that stay inside the folder (a bibliography, a folder of images), links out of it
    and a FIFO that nothing names, an SVG with the SVG 1.1 DOCTYPE, balanced direction controls, joiners."""
    write(folder, "data/references.bib", bib())
    write(folder, "data/figures/chart.svg", SVG_11_DOCTYPE + svg('<rect width="5" height="5"/>').decode())
    (folder / "references.bib").symlink_to("data/references.bib")
    (folder / "figures").symlink_to("data/figures", target_is_directory=True)
    (folder / "style.csl").symlink_to(outside_fifo(outside, "style.csl"))
    (folder / "old-figures").symlink_to(outside / "figures", target_is_directory=True)
    os.mkfifo(folder / "notes.fifo")
    body = "\n\n".join(
        [
            "A paragraph citing [@smith2020] as prose.",
            "The name \u2067\u05e2\u05d1\u05e8\u05d9\u05ea\u2069 stays isolated, and \u202bthis\u202c is embedded.",
            "Persian keeps its non-joiner: \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645, and "
            "a family emoji its joiners: \U0001f468\u200d\U0001f469\u200d\U0001f467.",
            FIGURE.format(target="figures/chart.svg"),
        ]
    )
    write(folder, "article.md", article("bibliography: references.bib\n", body))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Every case and the good source in one sources folder, over a dist/ holding a previous build of
    each, built by one CLI run."""
    root = tmp_path_factory.mktemp("hostile")
    sources, dist, outside = root / "sources", root / "dist", root / "outside"
    for case in CASES:
        case.make(sources / case.slug, outside)
    _make_good(sources / GOOD, outside)
    for slug in (*SLUGS, GOOD):
        previous_build(dist, slug)
    before = snapshot(dist)
    # A build that opened one of the FIFOs would wait for ever: run_build_all's time limit fails it instead.
    result = run_build_all("--sources", sources, "--dist", dist)
    return Run(sources, dist, before, result)


def expected_location(case: Case, sources: Path) -> tuple[Path, int, int | None]:
    """The file, line and column a case's line must name, found in the case's own text."""
    file = sources / case.slug / case.file
    if case.needle is None:
        return file, 1, None
    text = file.read_bytes().decode("utf-8")
    # Lines as the pipeline counts them: line feeds only (a lone carriage return is the refused character).
    lines = text.split("\n")
    index = next(number for number, line in enumerate(lines) if case.needle in line)
    column = lines[index].index(case.column_at) + 1 + case.column_shift if case.column_at is not None else None
    return file, index + 1, column


def test_the_run_fails_with_code_2_and_no_traceback(hostile: Run) -> None:
    assert hostile.result.returncode == 2, hostile.result.stdout + hostile.result.stderr
    assert_no_traceback(hostile.result)


@pytest.mark.parametrize("case", CASES, ids=SLUGS)
def test_each_case_is_one_located_line(hostile: Run, case: Case) -> None:
    output = hostile.result.stdout + hostile.result.stderr
    reported = [match for match in error_lines(hostile.result) if Path(match["path"]).parts[-2] == case.slug]
    assert len(reported) == 1, output
    match = reported[0]
    file, line, column = expected_location(case, hostile.sources)
    named = Path(match["path"])  # the file itself, not what it may link to
    assert (named.parent.resolve(), named.name) == (file.parent.resolve(), file.name), match.group(0)
    assert int(match["line"]) == line, match.group(0)
    assert (int(match["column"]) if match["column"] else None) == column, match.group(0)
    assert match["field"] == case.field, match.group(0)
    assert case.message in match["message"], match.group(0)
    assert len(match.group(0)) < 400, "a message quotes excerpts, never whole values"


@pytest.mark.parametrize("case", CASES, ids=SLUGS)
def test_each_case_leaves_its_dist_folder_as_it_was(hostile: Run, case: Case) -> None:
    after = snapshot(hostile.dist)
    mine = {name: data for name, data in after.items() if name.split("/")[0] == case.slug}
    assert mine == {name: data for name, data in hostile.before.items() if name.split("/")[0] == case.slug}
    assert not [path for path in (hostile.dist / case.slug).iterdir() if path.name.startswith(".")]


def test_the_data_uri_is_not_quoted(hostile: Run) -> None:
    output = hostile.result.stdout + hostile.result.stderr
    assert "iVBORw0KGgo" not in output
    assert "x" * 200 not in output and "lorem ipsum lorem" not in output and "word word word" not in output


# The good source: the same tricks, used the right way.


def test_the_good_source_is_built(hostile: Run) -> None:
    folder = hostile.dist / GOOD
    assert (folder / f"{GOOD}.pdf").read_bytes().startswith(b"%PDF-")
    # The image came through a symbolic link to a folder inside the source folder, byte for byte.
    source_image = hostile.sources / GOOD / "data" / "figures" / "chart.svg"
    assert (folder / "figures" / "chart.svg").read_bytes() == source_image.read_bytes()
    jats = etree.parse(str(folder / f"{GOOD}.xml"), PLAIN_XML).getroot()
    # The bibliography came through a symbolic link to a file inside the source folder.
    assert ["On Things" in "".join(ref.itertext()) for ref in jats.iter("ref")] == [True]


def _paragraph_texts(folder: Path) -> dict[str, list[str]]:
    """The text of every paragraph of the JATS, the web page and the EPUB's documents, read back."""
    jats = etree.parse(str(folder / f"{GOOD}.xml"), PLAIN_XML).getroot()
    web = etree.parse(str(folder / "index.html"), HTML).getroot()
    with zipfile.ZipFile(folder / f"{GOOD}.epub") as book:
        documents = [etree.fromstring(book.read(name), PLAIN_XML) for name in book.namelist() if name.endswith("html")]
    epub = [p for document in documents for p in document.iter("{http://www.w3.org/1999/xhtml}p")]
    return {
        "jats": ["".join(p.itertext()) for p in jats.iter("p")],
        "web": ["".join(p.itertext()) for p in web.iter("p")],
        "epub": ["".join(p.itertext()) for p in epub],
    }


def balanced(text: str) -> bool:
    """Every embedding, override and isolate in ``text`` closed, in order (UAX #9's pairs)."""
    stack: list[str] = []
    for character in text:
        if character in "\u202a\u202b\u202d\u202e\u2066\u2067\u2068":
            stack.append(character)
        elif character == "\u202c":
            if not stack or stack.pop() not in "\u202a\u202b\u202d\u202e":
                return False
        elif character == "\u2069" and (not stack or stack.pop() not in "\u2066\u2067\u2068"):
            return False
    return not stack


def test_balanced_direction_controls_and_joiners_reach_every_format(hostile: Run) -> None:
    texts = _paragraph_texts(hostile.dist / GOOD)
    for name, paragraphs in texts.items():
        with_controls = [text for text in paragraphs if any(c in BIDI_CONTROLS for c in text)]
        assert len(with_controls) == 1, (name, with_controls)
        assert all(balanced(text) for text in paragraphs), name
        joined = " ".join(paragraphs)
        assert "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645" in joined, name
        assert "\U0001f468\u200d\U0001f469\u200d\U0001f467" in joined, name


# Nothing outside is opened: audited in-process, with outside files that are ordinary files.


def _outside_links(folder: Path, outside: Path) -> None:
    """A bibliography, an image and a folder of images linked from outside, and a stray link."""
    for name in ("secret.bib", "secret.png", "figures/chart.png", "style.csl"):
        write(outside, name, f"outside {name}")
    write(folder, "article.md", article("bibliography: references.bib\n", "Text citing [@smith2020]."))
    (folder / "references.bib").symlink_to(outside / "secret.bib")
    (folder / "chart.png").symlink_to(outside / "secret.png")
    (folder / "figures").symlink_to(outside / "figures", target_is_directory=True)
    (folder / "style.csl").symlink_to(outside / "style.csl")


def test_no_file_outside_the_folder_is_opened(tmp_path: Path) -> None:
    folder, outside = tmp_path / "sources" / "links-out", tmp_path / "outside"
    _outside_links(folder, outside)
    bodies = [f"Text.\n\n{FIGURE.format(target='chart.png')}", f"Text.\n\n{FIGURE.format(target='figures/chart.png')}"]
    with watching() as watch:
        source_fingerprint(folder, "house")
        with pytest.raises(SourceError, match=r"bibliography file 'references\.bib' leads outside"):
            load_article(folder / "article.md")
        for body in bodies:
            write(folder, "article.md", article(body=body))
            with pytest.raises(SourceError, match="leads outside the source's folder"):
                load_article(folder / "article.md")
    opened = [Path(path).resolve() for path in watch.opened]
    assert folder.resolve() / "article.md" in opened, "the audit sees the files the build opens"
    assert not [path for path in opened if path.is_relative_to(outside.resolve())]


def test_the_fingerprint_hashes_a_link_not_what_it_points_to(tmp_path: Path) -> None:
    folder, outside = tmp_path / "sources" / "links", tmp_path / "outside"
    _outside_links(folder, outside)
    write(folder, "data/inside.txt", "inside")
    (folder / "inside-link.txt").symlink_to("data/inside.txt")
    first = source_fingerprint(folder, "house")
    write(outside, "secret.bib", "changed outside")
    assert source_fingerprint(folder, "house") == first, "what a link out points to is not an input"
    write(folder, "data/inside.txt", "changed inside")
    second = source_fingerprint(folder, "house")
    assert second != first, "a file inside the folder is an input, whatever links to it"
    (folder / "style.csl").unlink()
    (folder / "style.csl").symlink_to(outside / "other.csl")
    assert source_fingerprint(folder, "house") != second, "where a link points is an input"


# pandoc's time and memory.


def test_pandoc_past_its_time_names_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write(tmp_path / "slow", "article.md", article())
    monkeypatch.setitem(limits._limits(), "pandoc-seconds", 0.001)
    with pytest.raises(SourceError) as caught:
        load_article(source)
    assert (caught.value.path, caught.value.field) == (source, "body")
    assert caught.value.line == article().split("\n").index(PARAGRAPH) + 1
    assert "pandoc did not finish within 0.001 s reading the title and body" in caught.value.message


def test_pandoc_past_its_memory_names_the_bibliography(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "greedy"
    cited(folder, "references.bib")
    write(folder, "references.bib", "".join(bib(key=f"k{number}", title="Title " * 20) for number in range(3_000)))
    monkeypatch.setitem(limits._limits(), "pandoc-heap-mib", 4)
    with pytest.raises(SourceError) as caught:
        load_article(folder / "article.md")
    assert (caught.value.path, caught.value.line, caught.value.field) == (folder / "references.bib", 1, "bibliography")
    assert "pandoc needed more than 4 MiB of memory reading it" in caught.value.message


def test_a_list_nested_just_past_the_limit_is_refused_after_pandoc(tmp_path: Path) -> None:
    """Within the indentation limit (two columns a level) but deeper than the AST may nest."""
    most = limits.limit("nesting-depth")
    lines = [f"{'  ' * level}- level {level}" for level in range(most + 5)]
    text = article(body=f"{PARAGRAPH}\n\n" + "\n".join(lines))
    source = write(tmp_path / "deep", "article.md", text)
    with pytest.raises(SourceError) as caught:
        load_article(source)
    assert caught.value.field == "body"
    assert f"nest more than {most} levels deep here" in caught.value.message
    # The document, a list item's paragraph and its text are levels too: levels up to most - 4 are within.
    within = text.split("\n").index(lines[most - 4]) + 1
    assert within < caught.value.line <= within + 8, "the line named is one nested past the limit"


def test_a_list_nested_to_the_limit_builds_every_format(tmp_path: Path) -> None:
    """The limit is not lower than the writers need: a list as deep as the AST may nest is published."""
    from pipeline.build.run import build

    levels = limits.limit("nesting-depth") - 4  # the document, the list's paragraph and its text are levels too
    lines = [f"{'  ' * level}- level {level}" for level in range(levels)]
    write(tmp_path / "sources" / "deep-list", "article.md", article(body=f"{PARAGRAPH}\n\n" + "\n".join(lines)))
    report = build(source_root=tmp_path / "sources", dist=tmp_path / "dist")
    assert report.ok, report.failures
    web = etree.parse(str(tmp_path / "dist" / "deep-list" / "index.html"), HTML).getroot()
    assert max(len(list(item.iterancestors("ul"))) for item in web.iter("li")) == levels


# The alias bomb and the 5 MB field are refused quickly and in little memory (also timed by `invoke bench`).


def test_refusing_takes_little_time_and_memory(tmp_path: Path) -> None:
    for name, result in measure_refusals(tmp_path).items():
        message = (
            "expands, through YAML aliases" if "alias" in name else "is 4.8 MiB; a bibliography file may be at most"
        )
        assert message in str(result["error"]), name
        assert result["seconds"] < 1.0, f"{name}: refused in {result['seconds']:.2f} s"
        assert result["peak_kb"] < 300 * 1024, f"{name}: the largest process took {result['peak_kb'] // 1024} MB"


# Properties: a refused character anywhere in a field is reported at its line and column.

FIELDS = {"title": "A Minimal Commentary", "container-title": "JURIST – Academic Commentary", "family": "Lovelace"}
CONTROLS = [chr(code) for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(sorted(FIELDS)),
    character=st.sampled_from([*CONTROLS, *BIDI_CONTROLS]),
    position=st.floats(min_value=0, max_value=1),
)
def test_a_control_in_any_field_is_reported_where_it_is(
    tmp_path_factory: pytest.TempPathFactory, field: str, character: str, position: float
) -> None:
    value = FIELDS[field]
    cut = round(position * len(value))
    front = FRONT.replace(value, value[:cut] + character + value[cut:])
    source = write(tmp_path_factory.mktemp("field"), "article.md", article(front=front))
    with pytest.raises(SourceError) as caught:
        load_article(source)
    lines = source.read_text(encoding="utf-8").split("\n")
    line = next(number for number, text in enumerate(lines, start=1) if character in text)
    assert (caught.value.line, caught.value.column, caught.value.field) == (
        line,
        lines[line - 1].index(character) + 1,
        field,
    )
    assert f"U+{ord(character):04X}" in caught.value.message
    assert "\n" not in str(caught.value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from([*BIDI_CONTROLS, "a", "\u05d0", " "]), min_size=1, max_size=12))
def test_direction_controls_in_the_body_are_refused_or_balanced(
    tmp_path_factory: pytest.TempPathFactory, characters: list[str]
) -> None:
    text = "".join(characters)
    source = write(tmp_path_factory.mktemp("body"), "article.md", article(body=f"Start {text} end."))
    try:
        loaded = load_article(source)
    except SourceError as error:
        assert not balanced(text)
        assert (error.field, error.line) == ("body", article().split("\n").index(PARAGRAPH) + 1)
        assert error.column is not None and text[error.column - len("Start ") - 1] in BIDI_CONTROLS
        return
    assert balanced(text)
    assert all(balanced(paragraph) for paragraph in loaded.introduction.paragraphs)
    assert any(unicodedata.category(c) == "Cf" for c in "".join(loaded.introduction.paragraphs)) == any(
        c in BIDI_CONTROLS for c in text
    )
