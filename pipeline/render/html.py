"""Article -> XHTML: the one renderer behind the PDF, the EPUB chapters and the web page.

The document ``<head>`` carries the metadata (WeasyPrint reads title, authors, description,
keywords and dates from it into the PDF's document info and XMP). Every word the templates print
around the author's comes from the prepared article's labels, dates and citation.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache

import jinja2
from lxml import etree
from markupsafe import Markup

from pipeline import markup, pandoc, textlinks
from pipeline.errors import PipelineError
from pipeline.model import BIBLIOGRAPHY_ID, Article, Figure, Labels, PandocBlock
from pipeline.render import notes
from pipeline.safexml import SAFE_XML_PARSER

XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
# The article title is the one <h1>; source level-1 headings become <h2> sections.
HEADING_SHIFT = 1
# Maths as MathML: the web page and the EPUB show it as such, and the PDF draws it (pipeline/pdf/formulas.py).
PANDOC_HTML_ARGS = ("--section-divs", "--wrap=none", f"--shift-heading-level-by={HEADING_SHIFT}", "--mathml")
FOOTNOTES_ID = "footnotes"
# The title's inlines travel through the same pandoc call as the body, in a div of their own.
TITLE_MARKUP_ID = "title-markup"


@dataclass(frozen=True)
class BodyHtml:
    """The body rendered once: the title's markup, the introduction, each section as a ``<section>``
    element and the footnotes (EPUB and web: a list of notes after the body, linked both ways).
    ``print_introduction`` and ``print_sections`` are the same with each note's text in place of its
    reference, for the PDF, where the stylesheet floats it to the foot of the page."""

    title: Markup
    introduction: Markup
    sections: tuple[Markup, ...]
    footnotes: Markup
    print_introduction: Markup
    print_sections: tuple[Markup, ...]
    bibliography: Markup  # citeproc's entries, one <div class="csl-entry"> each; empty without references


@cache
def _environment() -> jinja2.Environment:
    """The templates (one environment per process); their labels are the rendered article's own."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.filters["described"] = textlinks.described
    return environment


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return _labels(context).gettext(message)


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, count: int) -> str:
    return _labels(context).ngettext(singular, plural, count)


def _labels(context: jinja2.runtime.Context) -> Labels:
    """The labels of the page: its own (a journal page), else its article's."""
    labels: Labels | None = context.get("labels")
    if labels is not None:
        return labels
    article: Article = context["article"]
    return article.labels


# The last body rendered: the PDF, EPUB and web writers of one article share it (one pandoc call).
_last_rendered: tuple[Article, BodyHtml] | None = None


def render_body(article: Article) -> BodyHtml:
    """The article's body as HTML, rendered once per article and process."""
    global _last_rendered
    if _last_rendered is None or _last_rendered[0] is not article:
        _last_rendered = (article, _render_body(article))
    return _last_rendered[1]


def remember_body(article: Article, body: BodyHtml) -> None:
    """Take ``body`` as the article's, rendered in another process (the build's, once for its workers)."""
    global _last_rendered
    _last_rendered = (article, body)


def _render_body(article: Article) -> BodyHtml:
    """Render the title, introduction and sections through pandoc in a single call, then split them."""
    title_div = {"t": "Div", "c": [[TITLE_MARKUP_ID, [], []], [{"t": "Plain", "c": list(article.title_inlines)}]]}
    blocks = _with_caption_labels(pandoc.body_blocks(article), article.figures, article.labels)
    fragment = pandoc.ast_to(markup.as_html([title_div, *blocks]), "html5", PANDOC_HTML_ARGS)
    wrapper = etree.fromstring(f'<div xmlns="{XHTML_NAMESPACE}">{fragment}</div>'.encode(), SAFE_XML_PARSER)
    notes.scope_table_headers(wrapper)
    title = wrapper.find(f"{{{XHTML_NAMESPACE}}}div[@id='{TITLE_MARKUP_ID}']")
    if title is None:
        raise PipelineError(f"{article.slug}: pandoc rendered no title")
    title_markup = Markup(_inner_markup(title))  # before removing it: a detached element loses the default namespace
    wrapper.remove(title)
    note_list = wrapper.find(f"{{{XHTML_NAMESPACE}}}section[@id='{FOOTNOTES_ID}']")
    footnotes = notes.footnotes(note_list) if note_list is not None else []
    if note_list is not None:
        wrapper.remove(note_list)
    section_ids = {section.id for section in article.sections}
    introduction: list[etree._Element] = []
    sections: list[etree._Element] = []
    # pandoc's section divs close at the next heading, so the bibliography lands inside the last section.
    bibliography = [_detach(found) for found in wrapper.iterfind(f".//*[@id='{BIBLIOGRAPHY_ID}']")]
    for child in wrapper:
        if etree.QName(child).localname == "section" and child.get("id") in section_ids:
            sections.append(child)
        else:
            introduction.append(child)
    if len(sections) != len(article.sections):
        raise PipelineError(f"{article.slug}: pandoc rendered {len(sections)} sections of {len(article.sections)}")
    printed = copy.deepcopy(wrapper)
    notes.place_footnotes(printed, footnotes)
    print_sections = [child for child in printed if child.get("id") in section_ids]
    print_introduction = [child for child in printed if child.get("id") not in section_ids]
    return BodyHtml(
        title=title_markup,
        introduction=_joined(introduction),
        sections=tuple(_joined([section]) for section in sections),
        footnotes=_joined([_note_list(footnotes, article.labels)]) if footnotes else Markup(""),
        print_introduction=_joined(print_introduction),
        print_sections=tuple(_joined([section]) for section in print_sections),
        bibliography=Markup("\n".join(bibliography)),
    )


def _with_caption_labels(blocks: list[PandocBlock], figures: tuple[Figure, ...], labels: Labels) -> list[PandocBlock]:
    """A copy of ``blocks`` in which each figure's caption starts with its label ("Figure 1.") in a
    ``<span class="figure-label">``."""
    if not figures:
        return blocks  # nothing to change, and copying a whole body is not free
    remaining = iter(figures)

    def labelled(block: dict[str, object]) -> dict[str, object]:
        figure = next(remaining)
        attributes, (short, caption), content = block["c"]  # type: ignore[misc]
        if caption and caption[0]["t"] in ("Plain", "Para"):
            text = labels.gettext("Figure %(number)s.") % {"number": figure.number}
            label = {"t": "Span", "c": [["", ["figure-label"], []], [{"t": "Str", "c": text}]]}
            caption = [{"t": caption[0]["t"], "c": [label, {"t": "Space"}, *caption[0]["c"]]}, *caption[1:]]
        return {"t": "Figure", "c": [attributes, [short, caption], content]}

    return pandoc.replaced(blocks, "Figure", labelled)


def _note_list(footnotes: list[notes.Footnote], labels: Labels) -> etree._Element:
    """The notes after the body, titled and with each back link named in the article's language."""
    return notes.note_section(
        footnotes,
        labels.gettext("Notes"),
        lambda number: labels.gettext("Back to reference %(number)s") % {"number": number},
    )


def _joined(elements: list[etree._Element]) -> Markup:
    return Markup(
        "\n".join(
            _strip_namespace_declaration(etree.tostring(element, encoding="unicode", with_tail=False))
            for element in elements
        )
    )


def _inner_markup(element: etree._Element) -> str:
    """The content of an element (its text and children), without the element itself."""
    markup = etree.tostring(element, encoding="unicode", with_tail=False)
    markup = _strip_namespace_declaration(markup)
    return markup[markup.index(">") + 1 : markup.rindex("</")] if not markup.endswith("/>") else ""


def _detach(element: etree._Element) -> str:
    """Take ``element`` out of its tree (its tail stays), as markup."""
    markup = _strip_namespace_declaration(etree.tostring(element, encoding="unicode", with_tail=False))
    notes.remove_keeping_tail(element)
    return markup


def _strip_namespace_declaration(markup: str) -> str:
    # The template declares the XHTML namespace once on <html>.
    return markup.replace(f' xmlns="{XHTML_NAMESPACE}"', "", 1)


def compile_templates() -> None:
    """Compile the article's templates (those at the top of pipeline/templates, which every format's
    document includes) before the first article needs them."""
    environment = _environment()
    for name in environment.list_templates(filter_func=lambda name: "/" not in name):
        environment.get_template(name)


def render(article: Article, template: str, body: BodyHtml | None = None, **context: object) -> str:
    """Render one XHTML document of the article from a template in ``pipeline/templates``."""
    return _environment().get_template(template).render(article=article, body=body, **context)


def render_page(template: str, labels: Labels, **context: object) -> str:
    """Render a page that is no one article's (the journal's home and issue pages) in ``labels``' language."""
    return _environment().get_template(template).render(labels=labels, **context)
