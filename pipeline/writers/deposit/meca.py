"""The article as a MECA package (NISO RP-30-2020, Manuscript Exchange Common Approach 1.0):
``<slug>.meca.zip`` holding ``manifest.xml``, the JATS as ``article.xml`` (MECA's name for the article's
metadata file), the PDF and the figures' image files.

``manifest.xml`` lists every other file of the package with its MECA item type (``article-metadata``,
``manuscript``, ``figure``) and media type; it is valid against the MECA 1.0 manifest DTD. There is no
``transfer.xml``: MECA makes it optional, and it names a destination (a receiving service and
publication), which a published article's package has none of until someone sends it somewhere.
The images keep their paths, so the JATS's ``<graphic xlink:href>`` resolves inside the package.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from lxml import etree

from pipeline.formats import artifact_name, media_type
from pipeline.writers.deposit.package import PackageFacts, write_zip

MANIFEST_NAME = "manifest.xml"
ARTICLE_NAME = "article.xml"
MANIFEST_NS = "https://manuscriptexchange.org/schema/manifest"
XLINK_NS = "http://www.w3.org/1999/xlink"
MANIFEST_VERSION = "1"
DOCTYPE = (
    '<!DOCTYPE manifest PUBLIC "-//MECA//DTD Manifest v1.0//en" '
    '"https://www.manuscriptexchange.org/schema/manifest-1.0.dtd">'
)


def write(facts: PackageFacts, files: Mapping[str, Path], path: Path) -> None:
    """Pack the JATS, the PDF and the images among ``files`` (the staged ``dist/<slug>/``'s, by name)."""
    members: list[tuple[str, Path, str, str | None, str | None]] = []  # name, file, item type, title, description
    jats = files.get(artifact_name("jats", facts.slug))
    if jats is not None:
        members.append((ARTICLE_NAME, jats, "article-metadata", facts.title, "The article in JATS XML"))
    pdf = files.get(artifact_name("pdf", facts.slug))
    if pdf is not None:
        members.append((pdf.name, pdf, "manuscript", facts.title, "The article as published, in PDF"))
    for figure in facts.figures:
        if figure.path in files and figure.path not in {member[0] for member in members}:
            members.append((figure.path, files[figure.path], "figure", f"Figure {figure.number}", figure.caption))
    manifest = _manifest([(name, kind, title, description) for name, _file, kind, title, description in members])
    write_zip(
        path,
        [(MANIFEST_NAME, manifest), *((name, file.read_bytes()) for name, file, *_rest in members)],
        facts.date,
    )


def _manifest(items: list[tuple[str, str, str | None, str | None]]) -> bytes:
    root = etree.Element(f"{{{MANIFEST_NS}}}manifest", nsmap={None: MANIFEST_NS, "xlink": XLINK_NS})
    root.set("manifest-version", MANIFEST_VERSION)
    for order, (name, kind, title, description) in enumerate(items, start=1):
        item = etree.SubElement(root, f"{{{MANIFEST_NS}}}item", {"item-type": kind})
        if title:
            etree.SubElement(item, f"{{{MANIFEST_NS}}}item-title").text = title
        if description:
            etree.SubElement(item, f"{{{MANIFEST_NS}}}item-description").text = description
        etree.SubElement(item, f"{{{MANIFEST_NS}}}file-order").text = str(order)
        etree.SubElement(
            item,
            f"{{{MANIFEST_NS}}}instance",
            {"media-type": media_type(name), f"{{{XLINK_NS}}}href": name},
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", doctype=DOCTYPE, pretty_print=True)
