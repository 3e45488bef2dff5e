"""Maths in the PDF: WeasyPrint lays out no MathML, so each formula of the print document is drawn.

ziamath (pure Python, with the STIX Two Math face it ships) draws the MathML pandoc wrote as SVG; the
formula becomes an image of it, sized in ems of the text around it and set on its baseline, whose text
alternative is the formula's TeX. The structure tree tags it ``Formula`` with that TeX as ``/Alt``
(pipeline/pdf/structure.py).
"""

from __future__ import annotations

import base64
import re

from lxml import etree

from pipeline.safexml import SAFE_XML_PARSER

XHTML = "http://www.w3.org/1999/xhtml"
MATHML = "http://www.w3.org/1998/Math/MathML"
# The class of a drawn formula (the structure tree's ``Formula``), and of one set on a line of its own.
FORMULA_CLASS = "formula"
DISPLAY_CLASS = "formula-display"
# The size ziamath draws at, in px; the image is then scaled to the text around it by its size in ems.
DRAWN_SIZE = 20.0
VIEW_BOX = re.compile(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"')


def drawn(document: str) -> str:
    """The print document with each MathML formula replaced by its drawing."""
    if MATHML not in document:
        return document
    root = etree.fromstring(document.encode("utf-8"), SAFE_XML_PARSER)
    for formula in list(root.iter(f"{{{MATHML}}}math")):
        image = _image(formula)
        image.tail = formula.tail
        formula.getparent().replace(formula, image)
    return etree.tostring(root, encoding="unicode")


def _image(formula: etree._Element) -> etree._Element:
    import ziamath  # only a document with maths pays for loading it

    tex = "".join(formula.xpath(".//m:annotation[@encoding='application/x-tex']/text()", namespaces={"m": MATHML}))
    presentation = etree.Element(f"{{{MATHML}}}math", nsmap={None: MATHML})
    presentation.set("display", formula.get("display", "inline"))
    semantics = formula.find(f"{{{MATHML}}}semantics")
    content = list(semantics)[:1] if semantics is not None else list(formula)
    for child in content:
        presentation.append(_copied(child))
    svg = ziamath.Math(etree.tostring(presentation, encoding="unicode"), size=DRAWN_SIZE).svg()
    _left, top, _width, height = (float(number) for number in VIEW_BOX.search(svg).groups())
    display = formula.get("display") == "block"
    image = etree.Element(f"{{{XHTML}}}img")
    image.set("class", f"{FORMULA_CLASS} {DISPLAY_CLASS}" if display else FORMULA_CLASS)
    image.set("alt", tex.strip())
    image.set("src", "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii"))
    # Its size and baseline are the formula's own measures, not presentation: in ems, so that the
    # stylesheet's type size decides how large it prints.
    depth = top + height
    image.set("style", f"height: {height / DRAWN_SIZE:.3f}em; vertical-align: {-depth / DRAWN_SIZE:.3f}em")
    return image


def _copied(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element))
