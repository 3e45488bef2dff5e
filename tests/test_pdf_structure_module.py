"""pipeline/pdf/structure.py on its own: small hand-made documents through WeasyPrint, read back with pikepdf."""

from __future__ import annotations

import io

import pikepdf
import pytest

from pipeline.pdf import structure
from pipeline.pdf.weasy import weasyprint

PAGE = (
    "@page { size: 120mm 80mm; margin: 15mm;"
    " @top-center { content: 'Running head' } @bottom-center { content: counter(page) } }"
)
WORDS = " ".join(f"word{number}" for number in range(400))


def tagged(body: str, css: str = "", variant: str = "pdf/ua-1") -> pikepdf.Pdf:
    html = f'<html lang="en"><head><title>T</title></head><body>{body}</body></html>'
    document = weasyprint.HTML(string=html).render(stylesheets=[weasyprint.CSS(string=PAGE + css)], pdf_tags=True)
    with structure.logical_tags():
        data = document.write_pdf(pdf_variant=variant, pdf_tags=True)
    return pikepdf.open(io.BytesIO(data))


def kids_of(element: pikepdf.Dictionary) -> list[object]:
    kids = element.get("/K", pikepdf.Array())
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def elements(element: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    found = []
    for kid in kids_of(element):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found += [kid, *elements(kid)]
    return found


def document_of(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    (document,) = kids_of(pdf.Root.StructTreeRoot)
    assert document.S == "/Document"
    return document


def marked_contents(pdf: pikepdf.Pdf) -> list[tuple[int, str, pikepdf.Dictionary | None]]:
    """(page, tag, properties) of each marked-content sequence of each page's stream."""
    found = []
    for number, page in enumerate(pdf.pages):
        for operands, operator in pikepdf.parse_content_stream(page):
            if str(operator) in ("BDC", "BMC"):
                found.append((number, str(operands[0]), operands[1] if str(operator) == "BDC" else None))
    return found


def test_a_paragraph_over_two_pages_is_one_p_with_content_on_both() -> None:
    pdf = tagged(f"<p>{WORDS}</p><p>after</p>")
    assert len(pdf.pages) >= 2
    paragraphs = [element for element in elements(document_of(pdf)) if element.S == "/P"]
    assert len(paragraphs) == 2
    first = paragraphs[0]
    pages = {first.Pg.objgen} | {kid.Pg.objgen for kid in kids_of(first) if isinstance(kid, pikepdf.Dictionary)}
    assert len(pages) >= 2
    assert not [kid for kid in kids_of(first) if isinstance(kid, pikepdf.Dictionary) and "/S" in kid]  # no Span


def test_margins_are_pagination_artifacts_and_mcids_count_from_zero() -> None:
    pdf = tagged(f"<p>{WORDS}</p>")
    contents = marked_contents(pdf)
    artifacts = [props for _page, tag, props in contents if tag == "/Artifact" and props is not None]
    assert {str(props.get("/Subtype")) for props in artifacts} == {"/Header", "/Footer"}
    assert all(props.Type == "/Pagination" for props in artifacts)
    parents = pdf.Root.StructTreeRoot.ParentTree.Nums
    for number in range(len(pdf.pages)):
        mcids = [int(props.MCID) for page, _tag, props in contents if page == number and props and "/MCID" in props]
        assert mcids == list(range(len(mcids)))
        assert len(parents[2 * number + 1]) == len(mcids)


def test_a_repeated_table_head_is_an_artifact_and_the_table_one_element() -> None:
    rows = "".join(f"<tr><td>{number}</td><td>cell</td></tr>" for number in range(40))
    pdf = tagged(f'<table><thead><tr><th scope="col">A</th><th>B</th></tr></thead><tbody>{rows}</tbody></table>')
    assert len(pdf.pages) >= 2
    tables = [element for element in elements(document_of(pdf)) if element.S == "/Table"]
    assert len(tables) == 1
    inside = elements(tables[0])
    headers = [element for element in inside if element.S == "/TH"]
    assert len(headers) == 2 and all(header.A.Scope == "/Column" for header in headers)
    assert len([element for element in inside if element.S == "/TR"]) == 41
    repeated = [props for page, tag, props in marked_contents(pdf) if page > 0 and tag == "/Artifact" and props]
    assert any("/Subtype" not in props and props.Type == "/Pagination" for props in repeated)


def test_lists_definitions_links_and_languages() -> None:
    pdf = tagged(
        "<ol><li>one</li><li>two</li></ol><dl><dt>term</dt><dd>definition</dd></dl>"
        '<p><a href="https://example.org/a/b">https://example.org/a/b</a> and <a href="https://example.org">a site</a>'
        ' and <span lang="de">Wort</span></p>'
    )
    found = elements(document_of(pdf))
    lists = [element for element in found if element.S == "/L"]
    assert len(lists) == 2
    for element in lists:
        for item in kids_of(element):
            assert item.S == "/LI" and [kid.S for kid in kids_of(item)] == ["/Lbl", "/LBody"]
    links = [element for element in found if element.S == "/Link"]
    contents = [str(kid.Obj.Contents) for link in links for kid in kids_of(link) if isinstance(kid, pikepdf.Dictionary)]
    assert contents == ["URL of a page on example.org", "a site"]
    spans = [element for element in found if element.S == "/Span"]
    assert [str(span.Lang) for span in spans] == ["de"]


def test_an_image_is_a_figure_with_alt_and_bbox_on_its_page() -> None:
    pixel = (
        "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' width='40' height='20'>"
        "<rect width='40' height='20'/></svg>"
    )
    pdf = tagged(f'<p>text</p><img src="{pixel}" alt="A black box" style="display:block"/>')
    (figure,) = [element for element in elements(document_of(pdf)) if element.S == "/Figure"]
    assert str(figure.Alt) == "A black box"
    x1, y1, x2, y2 = (float(value) for value in figure.A.BBox)
    assert x2 - x1 == pytest.approx(30) and y2 - y1 == pytest.approx(15)  # 40×20 px in points
    assert 0 < y1 < y2 < float(pdf.pages[0].mediabox[3])


def test_text_in_a_transparency_group_is_tagged_too() -> None:
    pdf = tagged('<p style="opacity: 0.5">faint</p><p>plain</p>')
    paragraphs = [element for element in elements(document_of(pdf)) if element.S == "/P"]
    assert len(paragraphs) == 2 and all(kids_of(paragraph) for paragraph in paragraphs)


def test_both_variants_get_the_same_tree() -> None:
    def roles(pdf: pikepdf.Pdf) -> list[str]:
        return [str(element.S) for element in elements(document_of(pdf))]

    body = f"<h1>Title</h1><section><h2>One</h2><p>{WORDS}</p></section>"
    assert roles(tagged(body)) == roles(tagged(body, variant="pdf/a-3a"))


def test_weasyprints_own_tagging_is_back_after_the_block() -> None:
    original = weasyprint.pdf.add_tags
    with structure.logical_tags():
        assert weasyprint.pdf.add_tags is structure.add_tags
    assert weasyprint.pdf.add_tags is original
