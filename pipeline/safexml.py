"""The one way the pipeline parses XML it did not write itself: no entity expansion, no DTD loading,
no network (billion-laughs, external-entity and SSRF tricks all stop here)."""

from __future__ import annotations

from lxml import etree

SAFE_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
# For the official schema files: their includes are local files next to them, never fetched.
SCHEMA_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
