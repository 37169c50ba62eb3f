"""Markdown → sanitized HTML for lessons, guides and quiz text, and the resource cards.

Everything an author writes goes through `sanitize()`: a short allow-list of tags, attributes,
classes and URL schemes. Resource cards are built here from `resources.toml` and sanitized too,
so no text reaches a page without passing the same filter.
"""

from __future__ import annotations

import html
import re
import secrets
import xml.etree.ElementTree as etree
from collections.abc import Callable, Mapping
from html.parser import HTMLParser

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

from .chat import ChatExtension
from .model import Resource, Section

ALLOWED_TAGS = frozenset(
    {
        "p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote",
        "table", "thead", "tbody", "tr", "th", "td", "div", "span", "code", "pre",
        "br", "hr", "abbr", "figure", "figcaption",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": set(),  # no generic attributes (nh3 would otherwise keep `title` and `lang` everywhere)
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "a": {"href"},
    "abbr": {"title"},
    # lang: an English name inside another language's text (1-800-THE-LOST); aria-hidden: a
    # chat speaker's visible name, announced by the hidden "Jay said:" instead.
    "span": {"lang", "aria-hidden"},
}
# Callout types Python-Markdown's admonition extension turns into classes. Other words after
# `!!!` are dropped, so authors cannot reach arbitrary page CSS.
ADMONITION_TYPES = frozenset(
    {"note", "tip", "hint", "important", "info", "warning", "caution", "attention", "danger",
     "error"}
)  # fmt: skip
RESOURCE_CARD_CLASSES = frozenset(
    {"resource-card", "resource-name", "resource-purpose", "resource-contact", "resource-hours",
     "resource-languages", "resource-note"}
)  # fmt: skip
CHAT_CLASSES = {
    "figure": {"chat"},
    "figcaption": {"chat-title"},
    "ol": {"chat-messages"},
    "li": {"chat-message", "chat-me", "chat-them", "chat-other"},
    "p": {"chat-bubble", "chat-note"},
    "span": {"chat-speaker", "chat-text", "visually-hidden"},
    "strong": {"chat-note-label"},
}
ALLOWED_CLASSES = {
    "div": {"admonition", "resource-card", *ADMONITION_TYPES},
    "p": {"admonition-title", *RESOURCE_CARD_CLASSES, *CHAT_CLASSES["p"]},
    "span": {*RESOURCE_CARD_CLASSES, *CHAT_CLASSES["span"]},
    **{tag: names for tag, names in CHAT_CLASSES.items() if tag not in ("p", "span")},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel", "sms"})

# A line holding nothing but the shortcut (indentation allowed, e.g. inside a callout).
RESOURCE_SHORTCUT_LINE = re.compile(r"^(?P<indent>[ \t]*)\[\[resource:(?P<id>[^\]\n]*)\]\][ \t]*$")
RESOURCE_SHORTCUT_ANYWHERE = re.compile(r"\[\[resource:")


def sanitize(fragment: str) -> str:
    """Keep only the allow-listed tags, attributes, classes and URL schemes."""
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
        url_schemes=set(URL_SCHEMES),
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


class _ClampHeadings(Treeprocessor):
    """Make `#` an h2 and `#####`/`######` an h4: the page owns the h1, and h2–h4 are allowed."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag in ("h1", "h5", "h6"):
                element.tag = "h2" if element.tag == "h1" else "h4"


class _PortalMarkdown(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API name)
        # Priority above toc's (5) so heading ids are made after clamping.
        md.treeprocessors.register(_ClampHeadings(md), "clamp_headings", 6)


def _markdown(language: str = "en") -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "tables", "admonition", "toc", "sane_lists", _PortalMarkdown(), ChatExtension(language)
        ],
        # marker="" turns off `[TOC]`; no permalinks.
        extension_configs={"toc": {"marker": "", "permalink": False}},
        output_format="html",
    )


def markdown_to_html(text: str, language: str = "en") -> str:
    """Render Markdown (with chat blocks, their labels in `language`) and sanitize it."""
    return sanitize(_markdown(language).convert(text))


def render_block(text: str) -> str:
    """Quiz prompts and scenario step texts: Markdown, sanitized, paragraphs kept."""
    return markdown_to_html(text).strip()


_SINGLE_PARAGRAPH = re.compile(r"\A<p>(?P<inner>.*)</p>\Z", re.DOTALL)


def render_inline(text: str) -> str:
    """Choice texts and feedback: like `render_block`, minus a single wrapping `<p>`."""
    rendered = render_block(text)
    match = _SINGLE_PARAGRAPH.match(rendered)
    if match and "<p>" not in match.group("inner"):
        return match.group("inner")
    return rendered


def sms_href(resource: Resource) -> str:
    """sms: link; with a keyword, pre-fill it (`?&body=` works on both iOS and Android)."""
    href = f"sms:{phone_digits(resource.text)}"
    return f"{href}?&body={resource.text_keyword}" if resource.text_keyword else href


def phone_digits(number: str) -> str:
    """The digits of a phone number or SMS code, as used in `tel:` and `sms:` links."""
    return re.sub(r"\D", "", number)


def display_url(url: str) -> str:
    """A URL as people read it: without the scheme and a bare trailing slash."""
    shown = re.sub(r"^https?://", "", url)
    return shown[:-1] if shown.endswith("/") and shown.count("/") == 1 else shown


# The few words of a resource card, per language (cards are rendered when lessons load).
CARD_WORDS = {
    "en": {
        "call": "Call",
        "text": "Text",
        "text_to": "Text {keyword} to {number}",
        "languages": "Languages",
    },
    "es": {
        "call": "Llama al",
        "text": "Envía un mensaje de texto al",
        "text_to": "Envía {keyword} al {number}",
        "languages": "Idiomas",
    },
}


def _english_words(label: str, language: str) -> str:
    """A phone label like 1-800-THE-LOST, marked as English on a page in another language."""
    escaped = html.escape(label)
    if language != "en" and any(ch.isalpha() for ch in label):
        return f'<span lang="en">{escaped}</span>'
    return escaped


def resource_card(resource: Resource, language: str = "en") -> str:
    """The HTML card for a `[[resource:ID]]` shortcut, in `language`, sanitized."""
    escape = html.escape
    words = CARD_WORDS.get(language, CARD_WORDS["en"])
    resource = resource.localized(language)
    parts = [
        '<div class="resource-card">',
        f'<p class="resource-name"><strong>{escape(resource.name)}</strong></p>',
        f'<p class="resource-purpose">{escape(resource.purpose)}</p>',
    ]
    if resource.phone:
        label = resource.phone_label or resource.phone
        parts.append(
            f'<p class="resource-contact">{words["call"]} '
            f'<a href="tel:{phone_digits(resource.phone)}">'
            f"{_english_words(label, language)}</a></p>"
        )
    if resource.text:
        link_text = (
            words["text_to"].format(keyword=resource.text_keyword, number=resource.text)
            if resource.text_keyword
            else f"{words['text']} {resource.text}"
        )
        parts.append(
            f'<p class="resource-contact"><a href="{escape(sms_href(resource))}">'
            f"{escape(link_text)}</a></p>"
        )
    if resource.url:
        parts.append(
            f'<p class="resource-contact"><a href="{escape(resource.url)}">'
            f"{escape(display_url(resource.url))}</a></p>"
        )
    if resource.hours:
        parts.append(f'<p class="resource-hours">{escape(resource.hours)}</p>')
    if resource.languages:
        parts.append(
            f'<p class="resource-languages">{words["languages"]}: {escape(resource.languages)}</p>'
        )
    if resource.note:
        parts.append(f'<p class="resource-note">{escape(resource.note)}</p>')
    parts.append("</div>")
    return sanitize("\n".join(parts))


def render_document(
    text: str,
    resources: Mapping[str, Resource],
    on_unknown_resource: Callable[[int, str], None] | None = None,
    on_misplaced_shortcut: Callable[[int], None] | None = None,
    language: str = "en",
) -> str:
    """Render a lesson or guide body: Markdown, sanitized, with resource cards substituted.

    Line numbers passed to the callbacks are 1-based lines of `text`.
    """
    # A random token per render: author text cannot guess it to smuggle HTML past the sanitizer.
    token = "rescard" + secrets.token_hex(8)
    cards: list[str] = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        match = RESOURCE_SHORTCUT_LINE.match(line)
        if match is None:
            if RESOURCE_SHORTCUT_ANYWHERE.search(line) and on_misplaced_shortcut:
                on_misplaced_shortcut(index + 1)
            continue
        resource_id = match.group("id").strip()
        resource = resources.get(resource_id)
        if resource is None:
            if on_unknown_resource:
                on_unknown_resource(index + 1, resource_id)
            lines[index] = ""
            continue
        lines[index] = f"{match.group('indent')}{token}x{len(cards)}x"
        cards.append(resource_card(resource, language))
    rendered = markdown_to_html("\n".join(lines), language)
    if not cards:
        return rendered

    def card_for(match: re.Match[str]) -> str:
        return cards[int(match.group("number"))]

    # Replace the whole paragraph Markdown wrapped around a placeholder, then any left bare
    # (e.g. inside a list item).
    rendered = re.sub(rf"<p>{token}x(?P<number>\d+)x</p>", card_for, rendered)
    return re.sub(rf"{token}x(?P<number>\d+)x", card_for, rendered)


class _TopLevelHeadings(HTMLParser):
    """Finds where each top-level `<h2>` starts and ends in sanitized HTML."""

    VOID = frozenset({"br", "hr"})

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.line_starts = [0]
        for match in re.finditer("\n", source):
            self.line_starts.append(match.end())
        self.depth = 0
        self.open_h2: tuple[int, int, str | None] | None = None  # (start, inner start, id)
        self.headings: list[tuple[int, int, int, int, str | None]] = []
        self.source = source

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        if tag == "h2" and self.depth == 0:
            start = self._offset()
            inner = self.source.index(">", start) + 1
            self.open_h2 = (start, inner, dict(attrs).get("id"))
        self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        self.depth -= 1
        if tag == "h2" and self.depth == 0 and self.open_h2 is not None:
            start, inner, heading_id = self.open_h2
            end_tag = self._offset()
            end = self.source.index(">", end_tag) + 1
            self.headings.append((start, inner, end_tag, end, heading_id))
            self.open_h2 = None


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]*>", "", fragment)).strip()


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def split_sections(body_html: str, title: str) -> tuple[Section, ...]:
    """Split rendered HTML at its top-level `<h2>` headings.

    Content before the first heading (if any) becomes a section with id "introduction" titled
    with the lesson title. Section titles are plain text; section html excludes the heading.
    """
    parser = _TopLevelHeadings(body_html)
    parser.feed(body_html)
    parser.close()
    sections: list[Section] = []
    first_start = parser.headings[0][0] if parser.headings else len(body_html)
    intro = body_html[:first_start].strip()
    if intro:
        sections.append(Section(id="introduction", title=title, html=intro))
    for index, (_start, inner, end_tag, end, heading_id) in enumerate(parser.headings):
        following = (
            parser.headings[index + 1][0] if index + 1 < len(parser.headings) else len(body_html)
        )
        heading_title = html_to_text(body_html[inner:end_tag])
        sections.append(
            Section(
                id=heading_id or _slugify(heading_title),
                title=heading_title,
                html=body_html[end:following].strip(),
            )
        )
    return tuple(sections)
