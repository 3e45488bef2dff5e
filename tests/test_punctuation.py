"""Punctuation as a typesetter sets it, in the article's language (and each passage's).

The fixtures in tests/fixtures/punctuation/ are typed as authors type: straight quotes (nested),
apostrophes, ``--``, ``---`` and ``...``, in English, French, German, Russian and Chinese. Every format
is read back here with its own reader (lxml for the web page, the EPUB's XHTML and the JATS; pdftotext for
the PDF), and compared with what a typesetter would set: the expected sentences below, whose quotation
marks are CLDR's for the language, asked of ICU directly. One more fixture is typed typographically
already: it comes out byte for byte as with punctuation kept as typed (the reading of the main branch).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import icu
import pikepdf
import pytest
import yaml
from conftest import house_refusal
from lxml import etree, html
from pypdf import PdfReader

from pipeline import paths
from pipeline.build.run import build
from pipeline.errors import SourceError
from pipeline.source.house import load_house

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "punctuation"
LANGUAGES = {"en": "en", "fr": "fr", "de": "de", "ru": "ru", "zh": "zh-Hans"}
NNBSP = "\u202f"
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
TEXT_FORMATS = ("web", "epub", "jats", "pdf")

# What a typesetter sets for each fixture's straight typing: {o} {c} the outer marks of the language,
# {i} {j} the inner ones (CLDR's, through ICU), {s} the narrow no-break space French puts around « » and
# before ; : ! ?.
EXPECTED = {
    "en": [
        "The Court’s press release called it {o}a question of victim status{c} in the years 1990–2020 — and then… "
        "nothing.",
        "The applicant wrote: {o}the State’s {i}margin of appreciation{j} is not unlimited.{c} It’s the ’90s rule.",
        "The Court’s {o}press release{c} of 2 May 2024 — see the register… for {o}the Court’s{c} reasons.",
    ],
    "fr": [
        "La Cour a parlé d’une {o}{s}question de statut de victime{s}{c}{s}; elle a ajouté{s}: {o}{s}le {i}{s}délai "
        "raisonnable{s}{j} est dépassé{s}{c}{s}! Était-ce prévisible{s}? Peut-être{s}: les années 1990–2020 — et "
        "puis… rien.",
        "Le requérant répondait{s}: {o}{s}l’État n’a pas {i}{s}tout{s}{j} fait{s}{c}{s}; la Cour, elle, "
        "demandait{s}: {o}{s}pourquoi{s}?{s}{c} Et la réponse vint à 16:30{s}: {o}{s}parce que{s}{c}{s}! Voir "
        "https://example.org/fr/a?b=1 pour le texte.",
    ],
    "de": [
        "Das Gericht nannte es {o}eine Frage des {i}Opferstatus{j}{c} in den Jahren 1990–2020 — und dann… nichts.",
        "Der Beschwerdeführer schrieb: {o}Der {i}Ermessensspielraum{j} des Staates ist nicht unbegrenzt.{c} Das "
        "gilt’s zu prüfen.",
    ],
    "ru": [
        "Суд назвал это {o}вопросом {i}статуса жертвы{j}{c} в 1990–2020 годах — а затем… ничего.",
        "Заявитель писал: {o}Государство не исчерпало {i}все{j} средства.{c} Суд ответил: {o}Нет{c}.",
    ],
    "zh": [
        "法院称之为{o}受害者{i}身份{j}问题{c}，时间是1990–2020年—然后…什么也没有。",
        "申请人写道：{o}国家的{i}裁量余地{j}并非无限。{c}法院没有回答。见 https://example.org/zh/a--b。",
    ],
}
# The titles, as the source gives them (straight) and as they are set.
EXPECTED_TITLES = {
    "en": "The Court’s {o}victim status{c} – revisited",
    "fr": "L’arrêt {o}{s}Dupont{s}{c}{s}: une question de statut",
    "de": "Die Frage des {o}Opferstatus{c} – neu gestellt",
    "ru": "Вопрос {o}статуса жертвы{c} – снова",
    "zh": "{o}受害者身份{c}问题–再探",
}
# Passages in another language keep their own marks (the English fixture's French and German spans).
EXPECTED_PASSAGES = {
    ("en", "fr"): "Le juge a dit {o}{s}c’est fini{s}{c}{s}; puis{s}: {o}{s}vraiment{s}?{s}{c}",
    ("en", "de"): "Er sagte {o}es ist {i}vorbei{j}{c} – endlich.",
}
# What stays exactly as typed: code, addresses and DOIs in the text (the front matter's URL and DOI too).
VERBATIM = {
    "en": [
        'grep "a--b" court\'s.txt...',
        "https://example.org/a--b...",
        "https://example.org/c--d/e",
        "10.5555/ab--cd",
        "https://example.org/ada--oneill",
    ],
    "fr": ["https://example.org/fr/a?b=1"],
    "zh": ["https://example.org/zh/a--b"],
}


def cldr_marks(tag: str) -> dict[str, str]:
    data = icu.LocaleData(icu.Locale.forLanguageTag(tag).getName())
    kind = icu.ULocaleDataDelimiterType
    return {
        "o": data.getDelimiter(kind.QUOTATION_START),
        "c": data.getDelimiter(kind.QUOTATION_END),
        "i": data.getDelimiter(kind.ALT_QUOTATION_START),
        "j": data.getDelimiter(kind.ALT_QUOTATION_END),
    }


def expected(template: str, tag: str) -> str:
    spacing = NNBSP if tag.startswith("fr") else ""
    return template.format(s=spacing, **cldr_marks(tag))


def build_fixtures(dist: Path, house: Path, *slugs: str) -> None:
    sources = dist.parent / f"{dist.name}-sources"
    for slug in slugs:
        shutil.copytree(FIXTURES / slug, sources / slug)
    report = build(source_root=sources, dist=dist, house_config=house, jobs=1)
    assert not report.failures, report.failures


@pytest.fixture(scope="module")
def typeset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every fixture built with the project's house settings (punctuation set typographically)."""
    dist = tmp_path_factory.mktemp("punctuation") / "dist"
    build_fixtures(dist, paths.HOUSE_CONFIG, *(f"punctuation-{language}" for language in LANGUAGES))
    return dist


def squeezed(text: str) -> str:
    """Text without spaces and line-end hyphens: the PDF's lines are justified and hyphenated."""
    return re.sub(r"[\s\u00ad\u2010-]+", "", text)


def spaced(text: str) -> str:
    """Runs of breaking white space as one space; no-break spaces are characters of the text."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def web_text(folder: Path) -> str:
    page = html.parse(str(folder / "index.html")).getroot()
    return spaced(" ".join(page.body.itertext()))


def epub_text(folder: Path, slug: str) -> str:
    texts = []
    with zipfile.ZipFile(folder / f"{slug}.epub") as book:
        for name in sorted(book.namelist()):
            if name.endswith(".xhtml"):
                texts.append(" ".join(etree.fromstring(book.read(name), XML_PARSER).itertext()))
    return spaced(" ".join(texts))


def jats_text(folder: Path, slug: str) -> str:
    return spaced(" ".join(etree.parse(str(folder / f"{slug}.xml"), XML_PARSER).getroot().itertext()))


def pdf_lines(folder: Path, slug: str) -> list[str]:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(folder / f"{slug}.pdf"), "-"], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8").splitlines()


def pdf_text(folder: Path, slug: str) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(folder / f"{slug}.pdf").pages)


def format_text(dist: Path, slug: str, kind: str) -> str:
    folder = dist / slug
    if kind == "web":
        return web_text(folder)
    if kind == "epub":
        return epub_text(folder, slug)
    if kind == "jats":
        return jats_text(folder, slug)
    return "\n".join(pdf_lines(folder, slug))


def found(sentence: str, text: str, kind: str) -> bool:
    # pdftotext (like every PDF text reader at hand) gives U+202F as a space, and the PDF's lines are
    # hyphenated: there the characters are compared without spaces; the font's mapping is checked below.
    return squeezed(sentence) in squeezed(text) if kind == "pdf" else sentence in text


@pytest.mark.parametrize("kind", TEXT_FORMATS)
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_format_sets_the_languages_marks_dashes_and_ellipses(typeset: Path, language: str, kind: str) -> None:
    slug, tag = f"punctuation-{language}", LANGUAGES[language]
    text = format_text(typeset, slug, kind)
    for template in EXPECTED[language]:
        sentence = expected(template, tag)
        assert found(sentence, text, kind), f"{kind}: {sentence!r} not in {text[:3000]!r}"
    # Nothing is left as typed but code, addresses and identifiers (which the PDF may break over lines;
    # pypdf keeps a line's last hyphen, which pdftotext takes for a hyphenation and drops).
    prose = re.sub(r"[\s\u00ad]+", "", pdf_text(typeset / slug, slug)) if kind == "pdf" else text
    front = yaml.safe_load((FIXTURES / slug / "article.md").read_text(encoding="utf-8").split("---\n")[1])
    identifiers = [front["URL"], *([f"https://doi.org/{front['DOI']}", front["DOI"]] if "DOI" in front else [])]
    for verbatim in (*VERBATIM.get(language, ()), *identifiers):
        prose = prose.replace(re.sub(r"\s+", "", verbatim) if kind == "pdf" else verbatim, " ")
    assert not [typed for typed in ('"', "--", "...") if typed in prose], prose


@pytest.mark.parametrize("kind", TEXT_FORMATS)
def test_a_passage_in_another_language_gets_its_own_marks(typeset: Path, kind: str) -> None:
    text = format_text(typeset, "punctuation-en", kind)
    for (_article, passage), template in EXPECTED_PASSAGES.items():
        sentence = expected(template, passage)
        assert found(sentence, text, kind), f"{kind}: {sentence!r}"


@pytest.mark.parametrize("kind", ("web", "epub", "jats"))
def test_code_addresses_and_identifiers_stay_as_typed(typeset: Path, kind: str) -> None:
    text = format_text(typeset, "punctuation-en", kind)
    for verbatim in VERBATIM["en"]:
        assert verbatim in text, f"{kind}: {verbatim!r}"


def test_prose_metadata_is_set_and_identifiers_are_not(typeset: Path) -> None:
    for language, tag in LANGUAGES.items():
        slug = f"punctuation-{language}"
        title = expected(EXPECTED_TITLES[language], tag)
        jats = etree.parse(str(typeset / slug / f"{slug}.xml"), XML_PARSER)
        assert spaced("".join(jats.find(".//article-title").itertext())) == title
        csl = json.loads((typeset / slug / f"{slug}.csl.json").read_text(encoding="utf-8"))
        assert csl[0]["title"] == title
        page = html.parse(str(typeset / slug / "index.html")).getroot()
        assert page.find(".//head/meta[@name='citation_title']").get("content") == title
        with zipfile.ZipFile(typeset / slug / f"{slug}.epub") as book:
            opf_name = next(name for name in book.namelist() if name.endswith(".opf"))
            opf = etree.fromstring(book.read(opf_name), XML_PARSER)
        assert opf.find(".//{http://purl.org/dc/elements/1.1/}title").text == title
    jats = etree.parse(str(typeset / "punctuation-en" / "punctuation-en.xml"), XML_PARSER)
    marks = cldr_marks("en")
    abstract = spaced("".join(jats.find(".//abstract").itertext()))
    assert abstract == (
        f"The Court’s {marks['o']}narrow{marks['c']} reading of {marks['o']}victim status{marks['c']} – and what "
        "follows… for applicants."
    )
    bio = spaced("".join(jats.find(".//bio").itertext()))
    assert bio == f"Ada O’Neill writes on {marks['o']}standing{marks['c']} – see https://example.org/ada--oneill."
    # Identifiers and addresses are data: as typed, everywhere.
    assert jats.find(".//article-id[@pub-id-type='doi']").text == "10.5555/punct--en.1"
    csl = json.loads((typeset / "punctuation-en" / "punctuation-en.csl.json").read_text(encoding="utf-8"))
    assert (csl[0]["DOI"], csl[0]["URL"]) == ("10.5555/punct--en.1", "https://example.org/en/court--victim-status")
    french = json.loads((typeset / "punctuation-fr" / "punctuation-fr.csl.json").read_text(encoding="utf-8"))
    abstract = "La Cour a retenu une lecture {o}{s}étroite{s}{c}{s}; et ensuite… rien{s}!"
    assert french[0]["abstract"] == expected(abstract, "fr")


# Marks that never start a line: a clause's closing punctuation and closing quotation marks.
CLAUSE_END = ";:!?"


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_no_pdf_line_starts_with_closing_punctuation(typeset: Path, language: str) -> None:
    marks = cldr_marks(LANGUAGES[language])
    # English's closing single quote is also its apostrophe, which may start a line ("’90s").
    closing = {marks["c"], marks["j"]} - {"’"}
    lines = [line.strip() for line in pdf_lines(typeset / f"punctuation-{language}", f"punctuation-{language}")]
    starting = [line for line in lines if line and (line[0] in CLAUSE_END or line[0] in closing)]
    assert not starting
    if language == "fr":  # enough lines and marks that the test means something
        assert sum(line.count("?") + line.count(";") for line in lines) > 30 and len(lines) > 15


def test_the_pdf_maps_its_narrow_no_break_spaces_to_u202f(typeset: Path) -> None:
    """The PDF readers at hand print U+202F as a space; the font's ToUnicode map says what it is."""
    with pikepdf.open(typeset / "punctuation-fr" / "punctuation-fr.pdf") as pdf:
        maps = [
            font.ToUnicode.read_bytes().decode("latin-1").lower()
            for page in pdf.pages
            for _name, font in page.Resources.Font.items()
            if "/ToUnicode" in font
        ]
    assert any("<202f>" in cmap for cmap in maps)


def test_a_typographically_typed_source_comes_out_byte_for_byte_as_typed(tmp_path: Path) -> None:
    """Typed typographically already (’ “ ” – — …, French « » with U+202F, German „ “), the source is
    published exactly as when punctuation is kept as typed: every artifact, byte for byte."""
    as_typed = tmp_path / "as-typed.yaml"
    as_typed.write_text(paths.HOUSE_CONFIG.read_text(encoding="utf-8") + "punctuation: as-typed\n", encoding="utf-8")
    build_fixtures(tmp_path / "typeset", paths.HOUSE_CONFIG, "punctuation-typeset")
    build_fixtures(tmp_path / "as-typed", as_typed, "punctuation-typeset")
    # dist/.build-state records the house file's hash: it is beside the articles, not published.
    built = sorted(
        path.relative_to(tmp_path / "typeset")
        for path in (tmp_path / "typeset" / "punctuation-typeset").rglob("*")
        if path.is_file()
    )
    assert len(built) > 8
    for name in built:
        assert (tmp_path / "typeset" / name).read_bytes() == (tmp_path / "as-typed" / name).read_bytes(), name


def test_the_house_switch_keeps_punctuation_as_typed(tmp_path: Path) -> None:
    house = tmp_path / "house.yaml"
    house.write_text("punctuation: as-typed\n", encoding="utf-8")
    build_fixtures(tmp_path / "dist", house, "punctuation-en", "punctuation-fr")
    english = web_text(tmp_path / "dist" / "punctuation-en")
    assert (
        'The Court\'s press release called it "a question of victim status" in the years 1990--2020 --- and then... '
        "nothing." in english
    )
    jats = etree.parse(str(tmp_path / "dist" / "punctuation-en" / "punctuation-en.xml"), XML_PARSER)
    assert "".join(jats.find(".//article-title").itertext()) == 'The Court\'s "victim status" -- revisited'
    assert NNBSP not in web_text(tmp_path / "dist" / "punctuation-fr")


def test_the_house_may_choose_a_languages_marks(tmp_path: Path) -> None:
    house = tmp_path / "house.yaml"
    house.write_text("quotation-marks:\n  zh: [「, 」, 『, 』]\n", encoding="utf-8")
    build_fixtures(tmp_path / "dist", house, "punctuation-zh")
    text = web_text(tmp_path / "dist" / "punctuation-zh")
    assert "法院称之为「受害者『身份』问题」，时间是1990–2020年—然后…什么也没有。" in text


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ("registrant: X\npunctuation: smart\n", 2, "punctuation", "must be typographic or as-typed, got 'smart'"),
        ("quotation-marks:\n  zh: [「, 」]\n", 2, "quotation-marks.zh", "must be four marks"),
        ("quotation-marks:\n  zh: [「, 」, 『, 』 x]\n", 2, "quotation-marks.zh[3]", "must be a quotation mark"),
    ],
)
def test_a_bad_punctuation_setting_is_refused_with_its_line(
    tmp_path: Path, text: str, line: int, field: str, message: str
) -> None:
    _path, error = house_refusal(tmp_path, text)
    assert (error.line, error.field) == (line, field)
    assert message in error.message


MINIMAL = Path(__file__).resolve().parent / "fixtures" / "bad" / "minimal-valid" / "article.md"


def read_body(tmp_path: Path, body: str, language: str = "en", house: str = "") -> list[str]:
    """The paragraphs of a source with ``body``, as the pipeline reads them (the model's text)."""
    from pipeline.prepare.article import load_article

    source = MINIMAL.read_text(encoding="utf-8").replace("language: en", f"language: {language}")
    path = tmp_path / "case" / "article.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(source.split("---\n\n")[0] + "---\n\n" + body, encoding="utf-8")
    house_path = tmp_path / "house.yaml"
    house_path.write_text(house or "# none\n", encoding="utf-8")
    article = load_article(path, load_house(house_path))
    return [paragraph for section in article.all_sections for paragraph in section.paragraphs]


def test_french_spacing_leaves_times_addresses_and_typed_spaces_alone(tmp_path: Path) -> None:
    body = "À 16:30 ; voir https://example.org/a?b=1 . Vraiment ?! Déjà\u00a0: oui.\n"
    (paragraph,) = read_body(tmp_path, body, "fr")
    assert paragraph == f"À 16:30{NNBSP}; voir https://example.org/a?b=1 . Vraiment{NNBSP}?! Déjà\u00a0: oui."


def test_in_chinese_an_escaped_quote_stays_straight_and_code_as_typed(tmp_path: Path) -> None:
    body = '他说\\"直\\"和"弯"，代码 `a\\"b "c"` 与 \'单\'。\n'
    (paragraph,) = read_body(tmp_path, body, "zh-Hans")
    marks = cldr_marks("zh-Hans")
    assert paragraph == f'他说"直"和{marks["o"]}弯{marks["c"]}，代码 a\\"b "c" 与 {marks["o"]}单{marks["c"]}。'


def test_a_problem_in_educated_text_is_reported_at_its_line(tmp_path: Path) -> None:
    """The line of a note too long for a page is found from its first words, educated or not."""
    from pipeline.limits import limit
    from pipeline.prepare.article import load_article

    note = '"The Court\'s" words ' + "long " * (limit("note-characters") // 5 + 10)
    source = MINIMAL.read_text(encoding="utf-8") + f"\nA note.[^n]\n\n[^n]: {note}\n"
    path = tmp_path / "case" / "article.md"
    path.parent.mkdir()
    path.write_text(source, encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        load_article(path, load_house(paths.HOUSE_CONFIG))
    assert raised.value.line == source.splitlines().index(f"[^n]: {note}") + 1


def test_a_chinese_passage_in_an_english_article_gets_chinese_marks(tmp_path: Path) -> None:
    """pandoc's smart reader cannot pair quotes in text without spaces; the passage is set from its typing."""
    body = 'He quoted [法院称之为"受害者\'身份\'问题"。]{lang=zh-Hant} and "English" too.\n'
    (paragraph,) = read_body(tmp_path, body)
    hant, english = cldr_marks("zh-Hant"), cldr_marks("en")
    assert paragraph == (
        f"He quoted 法院称之为{hant['o']}受害者{hant['i']}身份{hant['j']}问题{hant['c']}。 and "
        f"{english['o']}English{english['c']} too."
    )
