"""The PDF's claims, checked with pikepdf for both variants: PDF/UA-1 (default) and PDF/A-3a.

Each claim in the file (tagged structure, language, title display, embedded fonts, XMP that agrees with
the document info, PDF/A output intent, no transparency) has a check here that a broken file fails.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from conftest import Built

from pipeline.check.validate import validate_pdf

VARIANT_FILES = {"pdf/ua-1": "pdfuaid", "pdf/a-3a": "pdfaid"}


@pytest.fixture(params=list(VARIANT_FILES))
def variant_pdf(request: pytest.FixtureRequest, built: Built, archival_all: dict[str, Path]) -> tuple[str, Path]:
    path = built.pdf if request.param == "pdf/ua-1" else archival_all[built.article.slug]
    return request.param, path


def structure_types(pdf: pikepdf.Pdf) -> list[str]:
    """Structure element types in document order."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                found.append(str(node.S).lstrip("/"))
            if "/K" in node:
                walk(node.K)
        elif isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)

    walk(pdf.Root.StructTreeRoot)
    return found


def test_validator_accepts_both_variants(variant_pdf: tuple[str, Path]) -> None:
    assert validate_pdf(variant_pdf[1]) == []


def test_identification_matches_the_variant(variant_pdf: tuple[str, Path]) -> None:
    variant, path = variant_pdf
    with pikepdf.open(path) as pdf:
        xmp = pdf.open_metadata()
        if variant == "pdf/ua-1":
            assert xmp.get("pdfuaid:part") == "1"
            assert not xmp.get("pdfaid:part")
        else:
            assert (xmp.get("pdfaid:part"), xmp.get("pdfaid:conformance")) == ("3", "A")
            assert xmp.get("pdfuaid:part") == "1"  # an archive copy that stays an accessible one
            intents = pdf.Root.OutputIntents
            assert intents[0].S == "/GTS_PDFA1" and "/DestOutputProfile" in intents[0]


def test_structure_follows_the_document(built: Built, variant_pdf: tuple[str, Path]) -> None:
    article = built.article
    with pikepdf.open(variant_pdf[1]) as pdf:
        types = structure_types(pdf)
        assert pdf.Root.MarkInfo.Marked
        assert str(pdf.Root.Lang) == article.language
        assert pdf.Root.ViewerPreferences.DisplayDocTitle
    assert types.count("H1") == 1
    # The title comes before every section heading and paragraph.
    assert types.index("H1") < types.index("H2") and types.index("H1") < len(types) - types[::-1].index("P")
    # Section headings, plus the back matter's headings (and the abstract's) are H2.
    back_headings = 1 + bool(article.bios) + len(article.notes) + bool(article.image_credit or article.license)
    back_headings += bool(article.references)  # "References", before the back matter
    assert types.count("H2") == len(article.sections) + back_headings + bool(article.abstract)
    paragraphs = sum(len(section.paragraphs) for section in article.all_sections)
    assert types.count("P") >= paragraphs - sum(types.count(kind) for kind in ("LI",))
    assert "Link" in types
    if any(block["t"] == "BulletList" for section in article.sections for block in section.blocks):
        assert "L" in types and "LI" in types


def test_xmp_carries_the_metadata(built: Built, variant_pdf: tuple[str, Path]) -> None:
    article = built.article
    with pikepdf.open(variant_pdf[1]) as pdf:
        xmp = pdf.open_metadata()
        assert xmp["dc:title"] == article.title
        assert xmp["dc:creator"] == [person.name for person in article.author]
        assert xmp["dc:description"] == str(pdf.docinfo["/Subject"])
        assert xmp["dc:date"] == [article.issued.isoformat()]
        assert xmp["xmp:CreateDate"].startswith(article.issued.isoformat())
        assert xmp["dc:language"] == {article.language}
        stated = [
            article.copyright.statement if article.copyright else None,
            (article.license.text or article.license.url) if article.license else None,
        ]
        if any(stated):
            assert xmp["dc:rights"] == " ".join(part for part in stated if part)
        else:
            assert "dc:rights" not in xmp


def _tamper(path: Path, target: Path, change: callable) -> Path:
    with pikepdf.open(path) as pdf:
        change(pdf)
        pdf.save(target)
    return target


def test_validator_catches_what_each_claim_requires(archival_all: dict[str, Path], tmp_path: Path) -> None:
    original = next(iter(archival_all.values()))

    def untag(pdf: pikepdf.Pdf) -> None:
        del pdf.Root["/StructTreeRoot"]
        pdf.Root.MarkInfo.Marked = False

    def drop_intent(pdf: pikepdf.Pdf) -> None:
        del pdf.Root["/OutputIntents"]

    def make_transparent(pdf: pikepdf.Pdf) -> None:
        pdf.pages[0].Resources.ExtGState["/faded"] = pikepdf.Dictionary(ca=0.5)

    def mismatch_title(pdf: pikepdf.Pdf) -> None:
        pdf.docinfo["/Title"] = "Another title"

    def unembed_font(pdf: pikepdf.Pdf) -> None:
        pdf.pages[0].Resources.Font["/plain"] = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )

    expected = {
        untag: "not marked as tagged",
        drop_intent: "output intent",
        make_transparent: "opacity below 1",
        mismatch_title: "differs from document info /Title",
        unembed_font: "is not embedded",
    }
    for change, message in expected.items():
        broken = _tamper(original, tmp_path / f"{change.__name__}.pdf", change)
        problems = validate_pdf(broken)
        assert any(message in problem for problem in problems), (change.__name__, problems)
