"""The article's published files as a BagIt bag (RFC 8493), made by the Library of Congress ``bagit``
library and shipped as ``<slug>.bag.zip``: one folder ``<slug>/`` with ``bagit.txt``, ``bag-info.txt``,
the SHA-256 and SHA-512 manifests and ``data/`` (every file of ``dist/<slug>/`` but the packages and
``manifest.json``, which lists the bag and so cannot be in it).

Reproducible: ``Bagging-Date`` is the record date from the source (bagit would write today's), the
tag manifests' lines are sorted (bagit lists tag files in the file system's order), and the ZIP has
fixed member times, modes and order.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

import bagit

from pipeline.atomic import link_or_copy
from pipeline.writers.deposit.package import PackageFacts, write_zip

CHECKSUMS = ("sha256", "sha512")


def write(facts: PackageFacts, files: Mapping[str, Path], path: Path) -> None:
    """Bag ``files`` (each file of the staged ``dist/<slug>/`` by its name there: every one the formats
    wrote and the images, not the packages or the manifest) into the ZIP at ``path``, beside them."""
    # A hidden folder inside the staged one: never listed, and gone with it should the build be killed.
    with tempfile.TemporaryDirectory(prefix=f".{facts.slug}.", suffix=".bag", dir=path.parent) as scratch:
        bag_folder = Path(scratch) / facts.slug
        for name, file in files.items():
            target = bag_folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            link_or_copy(file, target)
        bag_folder.mkdir(exist_ok=True)
        bagit.make_bag(str(bag_folder), bag_info=_bag_info(facts), checksums=list(CHECKSUMS))
        for tag_manifest in bag_folder.glob("tagmanifest-*.txt"):
            lines = tag_manifest.read_text(encoding="utf-8").splitlines(keepends=True)
            tag_manifest.write_text("".join(sorted(lines)), encoding="utf-8")
        names = sorted(file.relative_to(scratch).as_posix() for file in bag_folder.rglob("*") if file.is_file())
        write_zip(path, [(name, (Path(scratch) / name).read_bytes()) for name in names], facts.date)


def _bag_info(facts: PackageFacts) -> dict[str, str]:
    info = {
        "Bagging-Date": facts.date.isoformat(),
        "External-Identifier": facts.identifier,
        "External-Description": facts.title,
    }
    if facts.publisher:
        info["Source-Organization"] = facts.publisher
    return info
