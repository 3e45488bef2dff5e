"""One Crossref deposit per issue (schema 5.3.1): the issue's ``<journal_issue>`` and the
``<journal_article>`` of every article of it that has a DOI, taken from the article deposits the build
wrote (so an issue deposit says exactly what they say). Reproducible like them: the timestamp is the
largest of the articles' (a corrected article makes the issue's deposit newer), the batch id the issue
and a hash of the body."""

from __future__ import annotations

import copy
import hashlib

from lxml import etree

from pipeline.journal.records import IssueGroup
from pipeline.model import House
from pipeline.safexml import SAFE_XML_PARSER
from pipeline.writers.deposit.crossref import CROSSREF_NS, NAMESPACES, SCHEMA_LOCATION, SCHEMA_VERSION, XSI_NS
from pipeline.writers.deposit.crossref import journal_issue as issue_element
from pipeline.writers.deposit.record import BATCH_HASH_CHARACTERS


def _name(local: str) -> str:
    return f"{{{CROSSREF_NS}}}{local}"


def _text(parent: etree._Element, local: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, _name(local))
    element.text = text
    return element


def issue_deposit(group: IssueGroup, house: House) -> bytes | None:
    """The deposit of ``group``, or None when none of its articles has a deposit of its own (no DOI, or
    no depositor and registrant in house.yaml)."""
    deposits = [
        etree.parse(str(path), SAFE_XML_PARSER).getroot()
        for record in sorted(group.records, key=lambda record: (record.issued, record.slug))
        if (path := record.artifact("crossref")).is_file()
    ]
    if not deposits or not (house.depositor_name and house.depositor_email and house.registrant):
        return None
    articles = [
        copy.deepcopy(found) for deposit in deposits for found in deposit.iterfind(f".//{_name('journal_article')}")
    ]
    newest = max(deposits, key=lambda deposit: deposit.findtext(f"{_name('head')}/{_name('timestamp')}") or "")
    journal = etree.Element(_name("journal"))
    journal.append(copy.deepcopy(newest.find(f".//{_name('journal_metadata')}")))
    journal.append(issue_element(group.issue, group.date))
    journal.extend(articles)
    body = etree.Element(_name("body"))
    body.append(journal)
    root = etree.Element(_name("doi_batch"), nsmap=NAMESPACES)
    root.set("version", SCHEMA_VERSION)
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    head = etree.SubElement(root, _name("head"))
    digest = hashlib.sha256(etree.tostring(body, method="c14n")).hexdigest()[:BATCH_HASH_CHARACTERS]
    _text(head, "doi_batch_id", f"{group.set_spec.replace(':', '-')}-{digest}")
    _text(
        head, "timestamp", max(deposit.findtext(f"{_name('head')}/{_name('timestamp')}") or "" for deposit in deposits)
    )
    depositor = etree.SubElement(head, _name("depositor"))
    _text(depositor, "depositor_name", house.depositor_name)
    _text(depositor, "email_address", house.depositor_email)
    _text(head, "registrant", house.registrant)
    root.append(body)
    etree.cleanup_namespaces(root, top_nsmap=NAMESPACES)
    # Indented afresh as one document: the articles' elements keep their own deposits' indentation otherwise.
    for element in root.iter():
        if element.text is not None and not element.text.strip() and len(element):
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
