"""The pipeline's own words in the article's language, read back from every format.

Expected labels come from the shipped ``.po`` files read with Babel (tests/catalogues.py, not the
pipeline's loader), dates and name lists from CLDR through Babel; the outputs are read with lxml,
zipfile and pdftotext. Every test source is covered, each in its own language (``built``), plus temporary
copies in languages the fixtures do not use: a regional tag, an untranslated language, a new catalogue.
"""

from __future__ import annotations

import gettext
import io
import re
import shutil
import subprocess
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
import yaml
from babel.dates import get_month_names
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po
from catalogues import (
    ENGLISH,
    TEMPLATE,
    catalogue_language,
    label,
    long_date,
    name_list,
    plural_label,
    po_files,
    read,
)
from conftest import FIXTURE_SOURCES, REPO_ROOT, Built
from lxml import etree

from pipeline.build.run import build
from pipeline.model import House
from pipeline.prepare import i18n
from pipeline.prepare.article import load_article
from pipeline.prepare.citation import suggested_citation
from pipeline.render import html
from pipeline.writers import jats

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
NOTE_MESSAGES = {
    "editorial": "Editor’s note",
    "disclaimer": "Disclaimer",
    "correction": "Correction",
    "funding": "Funding",
    "conflict": "Competing interests",
}


def front_matter(source: Path) -> dict:
    return yaml.safe_load(source.read_text(encoding="utf-8").split("---\n")[1])


def copy_with(source: str, root: Path, slug: str, **changes: object) -> Path:
    """A copy of a fixture under a new slug, with front-matter fields changed (``citation_language`` ->
    ``citation-language``); returns its article.md."""
    folder = root / slug
    shutil.copytree(FIXTURE_SOURCES / source, folder)
    article = folder / "article.md"
    text = article.read_text(encoding="utf-8")
    for name, value in changes.items():
        field = name.replace("_", "-")
        line = f"{field}: {value}\n"
        pattern = re.compile(rf"^{re.escape(field)}: .*\n", re.MULTILINE)
        text = pattern.sub(line, text, count=1) if pattern.search(text) else text.replace("---\n", f"---\n{line}", 1)
    article.write_text(text, encoding="utf-8")
    return article


def squeezed(text: str) -> str:
    """Text compared across formats: case-folded (the stylesheets set some labels in capitals) and without
    whitespace (letter-spaced capitals and line breaks put spaces in pdftotext's text)."""
    return "".join(text.split()).casefold()


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def element_text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def web_page(built: Built) -> lxml.html.HtmlElement:
    return lxml.html.parse(str(built.pdf.parent / "index.html")).getroot()


def epub_document(built: Built, name: str) -> etree._Element:
    with zipfile.ZipFile(built.epub) as archive:
        return etree.fromstring(archive.read(f"EPUB/{name}"), XML_PARSER)


def expected_back_matter(built: Built) -> dict[str, str]:
    """Heading id -> heading text the back matter should show."""
    article, language = built.article, built.article.language
    headings = {"cite-this-title": label(language, "Cite this")}
    if article.bios:
        headings["about-the-author-title"] = plural_label(language, "About the author", len(article.bios))
    for index, note in enumerate(article.notes, start=1):
        if note.type in NOTE_MESSAGES:
            headings[f"note-{index}-title"] = label(language, NOTE_MESSAGES[note.type])
    if article.image_credit or article.license:
        headings["credits-title"] = label(language, "Credits")
    if article.references:
        headings["references-title"] = label(language, "References")
    return headings


def labelled(language: str, message: str) -> str:
    return label(language, "%(label)s:", label=label(language, message))


# --- The catalogues ------------------------------------------------------------------------------


def test_the_template_lists_every_message_of_the_code_and_templates() -> None:
    """Babel's own extraction (babel.cfg: Python and Jinja) finds exactly the template's messages."""
    method_map = [("pipeline/**.py", "python"), ("pipeline/templates/**.j2", "jinja2")]
    options = {"pipeline/templates/**.j2": {"extensions": "jinja2.ext.i18n", "trim_blocks": "True"}}
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(REPO_ROOT), method_map=method_map, options_map=options
        )
    }
    with TEMPLATE.open("rb") as stream:
        template = {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(stream)}
    assert found == template - {""}


@pytest.mark.parametrize("locale", sorted(po_files()))
def test_every_message_is_translated_with_its_placeholders_and_plural_forms(locale: str) -> None:
    catalog = read(po_files()[locale])
    plural = get_plural(locale)
    assert catalog.num_plurals == plural.num_plurals, f"{locale}: Plural-Forms is not CLDR's ({plural.plural_forms})"
    with TEMPLATE.open("rb") as stream:
        template = [message for message in read_po(stream) if message.id]
    for wanted in template:
        message = catalog.get(wanted.id)
        assert message is not None, f"{locale}: {wanted.id!r} is missing"
        assert not message.fuzzy, f"{locale}: {wanted.id!r} is fuzzy"
        ids = wanted.id if isinstance(wanted.id, tuple) else (wanted.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{locale}: {wanted.id!r} is not translated"
        if isinstance(wanted.id, tuple):
            assert len(strings) == plural.num_plurals, f"{locale}: {wanted.id!r} needs {plural.num_plurals} forms"
        placeholders = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == placeholders, f"{locale}: {string!r} lost a placeholder"


def test_the_languages_served_are_exactly_the_catalogues_found() -> None:
    """No list of languages in code: each .po folder serves its language, and nothing else is served."""
    assert set(i18n.catalogue_paths()) == set(po_files())
    assert {"en", "fr", "de", "es", "ru", "ar", "zh"} <= set(po_files())
    for locale in po_files():
        assert i18n.catalogue_for(locale.replace("_", "-")) == locale


@pytest.mark.parametrize("tag", ["fr-CA", "zh-Hans-CN", "de-AT", "es-419", "ru-RU", "ar-EG", "en-GB", "sw", "tlh"])
def test_a_language_tag_picks_the_catalogue_babel_negotiates(tag: str) -> None:
    assert i18n.catalogue_for(tag) == catalogue_language(tag)
    assert i18n.localisation(tag).gettext("Cite this") == label(tag, "Cite this")


# --- Every format, every test source in its own language -------------------------------------------


def test_web_page_labels_date_and_byline(built: Built) -> None:
    article, language = built.article, built.article.language
    page = web_page(built)
    for heading_id, text in expected_back_matter(built).items():
        assert element_text(page.get_element_by_id(heading_id)) == text, heading_id
    assert element_text(page.find_class("suggested-citation")[0].find_class("label")[0]) == labelled(
        language, "Suggested citation"
    )
    if article.image_credit:
        assert element_text(page.find_class("image-credit")[0].find_class("label")[0]) == labelled(
            language, "Image credit"
        )
    if article.abstract:
        assert element_text(page.get_element_by_id("abstract-title")) == label(language, "Abstract")
    if article.keywords:
        assert element_text(page.find_class("keywords")[0].find_class("label")[0]) == labelled(language, "Keywords")
    if page.find(".//section[@id='footnotes']") is not None:
        assert element_text(page.get_element_by_id("footnotes-title")) == label(language, "Notes")
        backlinks = page.find_class("footnote-back")
        assert [link.get("aria-label") for link in backlinks] == [
            label(language, "Back to reference %(number)s", number=index) for index in range(1, len(backlinks) + 1)
        ]
    issued = page.find(".//time[@class='issued']")
    assert issued.get("datetime") == article.issued.isoformat(), "the machine-readable date stays ISO"
    assert issued.text == long_date(language, article.issued)
    assert element_text(page.find_class("byline")[0]) == name_list(language, [p.name for p in article.author])
    assert page.find(".//nav[@class='downloads']").get("aria-label") == label(language, "Downloads")


def test_epub_labels_navigation_and_landmarks(built: Built) -> None:
    article, language = built.article, built.article.language
    navigation = epub_document(built, "nav.xhtml")
    contents = label(language, "Contents")
    back_matter = label(language, "Back matter")
    assert navigation.findtext("x:head/x:title", namespaces=NS) == contents
    assert navigation.findtext(".//x:nav[@epub:type='toc']/x:h2", namespaces=NS) == contents
    assert navigation.findall(".//x:nav[@epub:type='toc']//x:a", NS)[-1].text == back_matter
    landmarks = navigation.find(".//x:nav[@epub:type='landmarks']", NS)
    assert landmarks.findtext("x:h2", namespaces=NS) == label(language, "Landmarks")
    titles = {link.get(f"{{{NS['epub']}}}type"): link.text for link in landmarks.iterfind(".//x:a", NS)}
    assert titles == {"toc": contents, "bodymatter": article.title, "backmatter": back_matter}
    back = epub_document(built, "back.xhtml")
    assert back.findtext("x:head/x:title", namespaces=NS) == back_matter
    documents = [epub_document(built, "article.xhtml"), back]
    found = {element.get("id"): element_text(element) for document in documents for element in document.iter()}
    for heading_id, text in expected_back_matter(built).items():
        assert found.get(heading_id) == text, heading_id
    issued = documents[0].find(".//x:time[@class='issued']", NS)
    assert issued.text == long_date(language, article.issued)


def test_pdf_labels_date_and_byline(built: Built) -> None:
    article, language = built.article, built.article.language
    text = squeezed(pdf_text(built.pdf))
    expected = [*expected_back_matter(built).values(), labelled(language, "Suggested citation")]
    expected += [long_date(language, article.issued), name_list(language, [p.name for p in article.author])]
    for part in expected:
        if article.direction == "rtl":
            # pdftotext marks runs with bidi controls, and where right-to-left text meets numbers or
            # Latin text it may give the runs in another order ("( 21 · )Example Legal Pressأبريل 2024"):
            # each word of the label, date or byline is looked for.
            unmarked = "".join(c for c in text if unicodedata.category(c) != "Cf" and c != ":")
            for word in part.split():
                assert squeezed(word).replace(":", "") in unmarked, f"{part!r} is not in the PDF"
            continue
        assert squeezed(part) in text, f"{part!r} is not in the PDF"


def test_jats_labels_stay_localised_and_dates_iso(built: Built) -> None:
    article, language = built.article, built.article.language
    root = etree.parse(str(built.jats), XML_PARSER).getroot()
    assert [fig.findtext("label") for fig in root.iter("fig")] == [
        label(language, "Figure %(number)s", number=figure.number) for figure in article.figures
    ]
    if article.references:
        assert root.findtext("back/ref-list/title") == label(language, "References")
    date = root.find("front/article-meta/pub-date")
    assert date.get("iso-8601-date") == article.issued.isoformat()
    assert [date.findtext(part) for part in ("year", "month", "day")] == article.issued.isoformat().split("-")


# --- Languages the fixtures do not use --------------------------------------------------------------


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    return folder


def test_a_regional_tag_gets_its_languages_labels_and_its_regions_dates(sources: Path, tmp_path: Path) -> None:
    copy_with("two-authors-open-access", sources, "quebec", language="fr-CA")
    report = build(source_root=sources, dist=tmp_path / "dist", formats=("html",))
    assert report.ok, report.failures
    page = lxml.html.parse(str(tmp_path / "dist" / "quebec" / "index.html")).getroot()
    article = load_article(sources / "quebec" / "article.md")
    assert element_text(page.get_element_by_id("cite-this-title")) == label("fr", "Cite this")
    assert page.find(".//time[@class='issued']").text == long_date("fr-CA", article.issued)
    assert report.notices == []


def test_an_untranslated_language_gets_english_labels_and_one_notice(sources: Path, tmp_path: Path) -> None:
    for slug in ("kiswahili-one", "kiswahili-two"):
        copy_with("ru-commentary-arbitration", sources, slug, language="sw")
    dist = tmp_path / "dist"
    report = build(source_root=sources, dist=dist, formats=("pdf", "epub", "jats", "html"))
    assert report.ok, report.failures
    about_language = [notice for notice in report.notices if "'sw'" in notice]
    assert len(about_language) == 1, report.notices
    assert "pipeline.pot" in about_language[0]
    article = load_article(sources / "kiswahili-one" / "article.md")
    page = lxml.html.parse(str(dist / "kiswahili-one" / "index.html")).getroot()
    assert element_text(page.get_element_by_id("cite-this-title")) == label(ENGLISH, "Cite this")
    assert element_text(page.get_element_by_id("about-the-author-title")) == plural_label(
        ENGLISH, "About the author", 2
    )
    # Dates and name lists are CLDR's, which knows Swahili even where the pipeline has no labels.
    assert page.find(".//time[@class='issued']").text == long_date("sw", article.issued)
    assert element_text(page.find_class("byline")[0]) == name_list("sw", [p.name for p in article.author])
    assert squeezed(label(ENGLISH, "Cite this")) in squeezed(pdf_text(dist / "kiswahili-one" / "kiswahili-one.pdf"))


@pytest.fixture
def fresh_catalogues(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The shipped catalogues copied to a folder the pipeline reads instead, with every cache emptied."""
    folder = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, folder)
    monkeypatch.setattr(i18n, "LOCALE_DIR", folder)
    caches = (i18n.catalogue_paths, i18n.translations, i18n.localisation, html._environment)
    for cached in caches:
        cached.cache_clear()
    yield folder
    for cached in caches:
        cached.cache_clear()


def test_adding_a_language_is_adding_one_po_file(fresh_catalogues: Path, sources: Path) -> None:
    """The README's recipe: copy the template to <locale>/LC_MESSAGES/pipeline.po and translate it."""
    with TEMPLATE.open("rb") as stream:
        catalog = read_po(stream, locale="sw")
    translated = {"Cite this": "Jinsi ya kunukuu", "Suggested citation": "Unukuzi unaopendekezwa"}
    for message in catalog:
        if message.id in translated:
            message.string = translated[message.id]
        elif message.id == ("About the author", "About the authors"):
            message.string = ("Kuhusu mwandishi", "Kuhusu waandishi")
    target = fresh_catalogues / "sw" / "LC_MESSAGES" / "pipeline.po"
    target.parent.mkdir(parents=True)
    with target.open("wb") as stream:
        write_po(stream, catalog)
    article = load_article(copy_with("ru-commentary-arbitration", sources, "swahili", language="sw-KE"))
    assert i18n.catalogue_for("sw-KE") == "sw"
    page = lxml.html.fromstring(html.render(article, "epub/back.xhtml.j2", html.render_body(article)).encode())
    assert element_text(page.get_element_by_id("cite-this-title")) == "Jinsi ya kunukuu"
    assert element_text(page.get_element_by_id("about-the-author-title")) == "Kuhusu waandishi"
    assert element_text(page.find_class("suggested-citation")[0].find_class("label")[0]) == "Unukuzi unaopendekezwa:"
    # An untranslated message of the new catalogue keeps the English text.
    assert i18n.localisation("sw").gettext("Landmarks") == "Landmarks"


def test_catalogues_are_read_once_per_process(fresh_catalogues: Path) -> None:
    del fresh_catalogues
    article = load_article(FIXTURE_SOURCES / "ru-commentary-arbitration" / "article.md")
    body = html.render_body(article)
    for _ in range(3):
        html.render(article, "article.html.j2", body)
        html.render(article, "epub/back.xhtml.j2", body)
    assert i18n.translations.cache_info().misses == 1


def test_a_po_file_reads_like_a_compiled_catalogue() -> None:
    """The .po read at load gives what its compiled .mo would (Babel writes it, gettext reads it)."""
    for locale, path in po_files().items():
        compiled = io.BytesIO()
        write_mo(compiled, read(path))
        compiled.seek(0)
        reference = gettext.GNUTranslations(compiled)
        loaded = i18n.translations(locale)
        for message in read(path):
            if isinstance(message.id, tuple):
                for count in (1, 2, 5, 11, 21):
                    assert loaded.ngettext(*message.id, count) == reference.ngettext(*message.id, count)
            elif message.id:
                assert loaded.gettext(message.id) == reference.gettext(message.id)


# --- Country names and the house citation --------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "country", "code"),
    [("ar", "مصر", "EG"), ("ru", "Россия", "RU"), ("zh-Hans-CN", "中国", "CN"), ("fr", "Allemagne", "DE"),
     ("de", "Vereinigte Staaten", "US"), ("es", "Egypt", "EG"), ("en", "Atlantis", None)],
)  # fmt: skip
def test_country_names_in_the_articles_language_resolve_to_iso_codes(
    sources: Path, language: str, country: str, code: str | None
) -> None:
    source = copy_with("two-authors-open-access", sources, "countries", language=language)
    text = source.read_text(encoding="utf-8").replace("country: Denmark", f"country: {country}")
    source.write_text(text, encoding="utf-8")
    root = jats.build(load_article(source))
    first = root.find(".//contrib[@contrib-type='author']/aff/country")
    assert first.text == country
    assert first.get("country") == code


def _month_names(month: int, locale: str) -> set[str]:
    """The month's long names in a language, as a date says it and as it stands alone (CSL uses either)."""
    return {get_month_names("wide", context, locale=locale)[month] for context in ("format", "stand-alone")}


def test_the_house_citation_follows_the_article_unless_the_house_or_the_source_says(sources: Path) -> None:
    """The article's language by default; house.yaml's citation-language for every article; a source's
    own citation-language over both (README, "Languages")."""
    russian = load_article(copy_with("ru-commentary-arbitration", sources, "house", language="ru"))
    month = russian.issued.month
    citation = suggested_citation(russian)
    assert _month_names(month, "ru") & set(citation.replace(",", " ").split())
    assert " и " in citation and not _month_names(month, "en") & set(citation.replace(",", " ").split())
    english_house = House(citation_language="en-US")
    house_wide = load_article(copy_with("ru-commentary-arbitration", sources, "house-wide"), english_house)
    assert get_month_names("wide", locale="en")[month] in suggested_citation(house_wide)
    asked = copy_with("ru-commentary-arbitration", sources, "asked", citation_language="fr")
    french = suggested_citation(load_article(asked, english_house))
    assert get_month_names("wide", locale="fr")[month] in french
    assert get_month_names("wide", locale="en")[month] not in french


@pytest.mark.parametrize("language", ["ru", "zh-Hans-CN", "de", "sw"])
def test_without_a_genre_the_article_type_gives_it_in_the_articles_language(sources: Path, language: str) -> None:
    source = copy_with("ru-commentary-arbitration", sources, "no-genre", language=language)
    source.write_text(re.sub(r"^genre: .*\n", "", source.read_text(encoding="utf-8"), flags=re.MULTILINE), "utf-8")
    article = load_article(source)
    assert front_matter(source)["article-type"] == "article-commentary"
    assert article.genre == label(language, "Commentary")
    page = lxml.html.fromstring(html.render(article, "article.html.j2", html.render_body(article)).encode())
    assert element_text(page.find_class("genre")[0]) == label(language, "Commentary")
