"""house.yaml -> House: the publishing house's settings, read and validated once per build.

The file is checked like a source's front matter (one JSON Schema, a located one-line error); a
missing file means no settings, since every setting is optional."""

from __future__ import annotations

import datetime
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.errors import SourceError
from pipeline.model import House, Issue
from pipeline.source.guards.characters import check_characters
from pipeline.source.load import key_at, normalise_whitespace, parse_mapping, validate_mapping

__all__ = ["House", "house_schema", "load_house"]

# The YAML is the whole file: its first line is line 1.
FIRST_LINE = 1


@cache
def house_schema() -> dict[str, Any]:
    text = resources.files("pipeline").joinpath("schemas/house.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def load_house(path: Path) -> House:
    """The settings in ``path``; an empty House when there is no such file."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return House()
    except OSError as error:
        raise SourceError(path, 1, "file", f"cannot be read ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise SourceError(path, 1, "file", f"not valid UTF-8 (at byte {error.start}); save the file as UTF-8") from None
    text = text.removeprefix("\ufeff")
    # The house's values are metadata of every article: the same characters are refused as in a source's.
    check_characters(path, text, lambda line: key_at(text, line), body_from=None)
    data, root = parse_mapping(path, text, None, FIRST_LINE, "house settings")
    if root is None:
        return House()
    validate_mapping(path, data, root, house_schema(), FIRST_LINE)
    data = normalise_whitespace(data)
    depositor = data.get("depositor", {})
    return House(
        abbreviated_title=data.get("abbreviated-title"),
        print_ISSN=data.get("ISSN"),
        electronic_ISSN=data.get("e-ISSN"),
        DOI_prefix=data.get("DOI-prefix"),
        journal_DOI=data.get("journal-DOI"),
        depositor_name=depositor.get("name"),
        depositor_email=depositor.get("email"),
        registrant=data.get("registrant"),
        title=data.get("title"),
        site=data.get("site"),
        language=data.get("language", "en"),
        issues=tuple(
            Issue(
                volume=str(entry["volume"]),
                issue=str(entry["issue"]) if "issue" in entry else None,
                title=entry.get("title"),
                date=datetime.date.fromisoformat(entry["date"]) if "date" in entry else None,
            )
            for entry in data.get("issues", ())
        ),
        punctuation=data.get("punctuation", "typographic"),
        quotation_marks=tuple((tag, tuple(marks)) for tag, marks in data.get("quotation-marks", {}).items()),
        citation_language=data.get("citation-language"),
    )
