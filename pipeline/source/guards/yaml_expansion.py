"""How large a YAML document becomes once its aliases are expanded, measured before anything walks it.

PyYAML composes an alias as the node it names, shared: composing a "billion laughs" document costs
almost nothing, but every walk of the data afterwards (the duplicate-key check, the schema check, the
writers, pandoc reading it again) visits each alias anew and runs for minutes and gigabytes. Here the
node graph is measured once per distinct node (each node's expanded size is remembered), so the check
costs what the document's text costs, and a document that expands past its limits, nests too deeply, holds
a value longer than a field may be or contains itself is refused at the line where that happens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.errors import SourceError
from pipeline.limits import limit
from pipeline.source.guards.nesting import bracket_depth


@dataclass(frozen=True)
class ExpansionLimits:
    nodes: int
    characters: int
    depth: int
    field_characters: int
    bracket_depth: int


def front_matter_limits() -> ExpansionLimits:
    return _limits_of("front-matter")


def bibliography_limits() -> ExpansionLimits:
    return _limits_of("bibliography")


def _limits_of(kind: str) -> ExpansionLimits:
    return ExpansionLimits(
        limit(f"{kind}-expanded-nodes"),
        limit(f"{kind}-expanded-characters"),
        limit("yaml-depth"),
        limit("field-characters"),
        limit("bracket-depth"),
    )


@dataclass(frozen=True)
class _Size:
    nodes: int
    characters: int
    depth: int


def check_expansion(
    path: Path, root: yaml.Node, first: int, field_at: Callable[[int], str], limits: ExpansionLimits
) -> None:
    """Raise SourceError when the YAML under ``root`` (its first line is file line ``first``), with its
    aliases expanded, exceeds ``limits``; ``field_at`` names the field of a file line."""
    sizes: dict[int, _Size] = {}
    on_path: set[int] = set()
    # Depth first, without recursion: (node, whether its children are measured already).
    pending: list[tuple[yaml.Node, bool]] = [(root, False)]
    while pending:
        node, children_done = pending.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not children_done:
            if id(node) in on_path:
                raise _error(path, node, first, field_at, "contains itself through an alias; a value cannot")
            on_path.add(id(node))
            pending.append((node, True))
            for child in reversed(children):
                if id(child) in on_path:
                    raise _error(path, child, first, field_at, "contains itself through an alias; a value cannot")
                if id(child) not in sizes:
                    pending.append((child, False))
            continue
        on_path.discard(id(node))
        if isinstance(node, yaml.ScalarNode):
            size = _Size(1, _check_scalar(path, node, first, field_at, limits), 1)
        else:
            measured = [sizes[id(child)] for child in children]
            size = _Size(
                1 + sum(child.nodes for child in measured),
                sum(child.characters for child in measured),
                1 + max((child.depth for child in measured), default=0),
            )
        if size.depth > limits.depth:
            raise _error(path, node, first, field_at, f"nests lists and mappings more than {limits.depth} deep")
        if size.nodes > limits.nodes or size.characters > limits.characters:
            message = (
                f"expands, through YAML aliases, to {size.nodes} values and {size.characters} characters; "
                f"at most {limits.nodes} values and {limits.characters} characters are allowed"
            )
            raise _error(path, node, first, field_at, message)
        sizes[id(node)] = size


def _check_scalar(
    path: Path, node: yaml.ScalarNode, first: int, field_at: Callable[[int], str], limits: ExpansionLimits
) -> int:
    """A value's length, once it is known to be no longer than a field may be and to nest brackets no
    deeper than the body may (pandoc reads titles and references as Markdown)."""
    value = str(node.value)
    if len(value) > limits.field_characters:
        message = f"a value of {len(value)} characters; a value may have at most {limits.field_characters}"
        raise _error(path, node, first, field_at, message)
    if bracket_depth(value, 0, limits.bracket_depth)[1] is not None:
        message = f"brackets (links, spans, citations) nest more than {limits.bracket_depth} deep"
        raise _error(path, node, first, field_at, message)
    return len(value)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _error(path: Path, node: yaml.Node, first: int, field_at: Callable[[int], str], message: str) -> SourceError:
    line = node.start_mark.line + first
    return SourceError(path, line, field_at(line), message)
