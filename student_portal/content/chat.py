"""Chat mock-ups in lesson Markdown: `!!! chat "Title"` blocks rendered as message bubbles.

```
!!! chat "Sam and Jay, a new friend from a game"
    Jay: gg! you're really good at this
    me: thanks lol
    note: Flattery that makes you feel older than you are is a common first step.
```

Each indented line is `speaker: text`: `me` is the reader's side, any other short name the other
side (at most two of them), and `note:` annotates the message before it. The keywords stay in
English in every language; the labels a reader sees ("You", "Warning sign") come from the
interface catalog in the lesson's language.

Two parts share one parser: `find_chats` reads a whole file line by line, so the loader can
report each problem with its line, and `ChatExtension` renders the blocks inside Markdown. The
markup is an ordered list inside a `<figure>`, each message announcing its speaker to screen
readers; it passes the same sanitizer as the rest of the lesson.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from functools import lru_cache

from markdown import Extension
from markdown.blockprocessors import BlockProcessor

ME = "me"
NOTE = "note"
MAX_OTHER_SPEAKERS = 2
# `!!! chat "Title"`: the title is required; `!!! chat` alone is reported, not rendered as a note.
HEADER = re.compile(r'^!!![ \t]*chat\b[ \t]*(?:"(?P<title>[^"\n]*)")?[ \t]*(?P<rest>.*?)[ \t]*$')
LINE = re.compile(r"^(?P<speaker>[^:\n]{1,24}?)[ \t]*:[ \t]*(?P<text>\S.*)$")
SPEAKER = re.compile(r"^[^\W\d_][\w.' -]{0,23}$")  # a single word or a short name
_MARKUP = re.compile(r"<[^>]*>|!?\[[^\]]*\]\([^)]*\)")  # HTML, links and images are not chat text


def N_(message: str) -> str:  # noqa: N802 (gettext's marker name, found by `make messages`)
    """Marks an interface string for the catalog; it is translated when a lesson loads."""
    return message


def pgettext(context: str, message: str) -> tuple[str, str]:
    """Marks an interface string with a context (the chat's "You" is tú, not usted)."""
    return context, message


LABELS = {
    "you": pgettext("chat", "You"),
    "said": N_("%(name)s said:"),
    "you_said": N_("You said:"),
    "note": N_("Warning sign:"),
}


@lru_cache(maxsize=8)
def _translations(language: str):
    from babel.support import NullTranslations, Translations

    from ..config import data_folder

    if language == "en":
        return NullTranslations()
    return Translations.load(str(data_folder("translations")), [language])


def label(key: str, language: str, **values: str) -> str:
    """A chat label in `language` (English where the catalog lacks it)."""
    message = LABELS[key]
    translations = _translations(language)
    text = (
        translations.pgettext(*message)
        if isinstance(message, tuple)
        else translations.gettext(message)
    )
    return text % values if values else text


@dataclass(frozen=True)
class Message:
    speaker: str  # "me" or the other person's name as written
    text: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chat:
    title: str
    messages: tuple[Message, ...]
    line: int  # 1-based line of the `!!! chat` header in the text it was found in
    shape: tuple[str, ...]  # "me", "them" or "note" per line: a translation keeps the same shape


def _is_chat_header(line: str) -> bool:
    return HEADER.match(line) is not None


def parse_chat(
    header: str, body: list[str], first_line: int = 1
) -> tuple[Chat | None, list[tuple[int, str]]]:
    """A chat from its header line and its (indented) body lines; problems as (line, message).

    `first_line` is the line number of the header; body lines follow it one by one.
    """
    problems: list[tuple[int, str]] = []
    match = HEADER.match(header)
    if match is None:
        return None, [(first_line, "not a chat header")]
    title = (match.group("title") or "").strip()
    if not title:
        problems.append(
            (
                first_line,
                "a chat needs a title in quotes saying who is talking, like "
                '!!! chat "Sam and Jay, a new friend from a game"',
            )
        )
    elif match.group("rest"):
        problems.append((first_line, "nothing may follow the chat's quoted title on its line"))
    messages: list[Message] = []
    shape: list[str] = []
    others: list[str] = []
    markup: list[tuple[int, str]] = []
    for offset, raw in enumerate(body, start=1):
        number = first_line + offset
        stripped = raw.strip()
        if not stripped:
            continue
        found = LINE.match(stripped)
        if found is None:
            problems.append(
                (
                    number,
                    'each chat line must be "speaker: text" (like "Jay: hi" or "me: hey"), '
                    f'not "{stripped[:40]}"',
                )
            )
            continue
        speaker, text = found.group("speaker").strip(), found.group("text").strip()
        if _MARKUP.search(text):  # reported, and shown as typed (escaped) if rendered anyway
            markup.append(
                (number, "chat text is plain words: no links, images or HTML (use *emphasis*)")
            )
        if speaker.lower() == NOTE:
            if not messages:
                problems.append(
                    (number, "a note: line explains the message before it, so it can't come first")
                )
                continue
            last = messages[-1]
            messages[-1] = Message(last.speaker, last.text, (*last.notes, text))
            shape.append(NOTE)
            continue
        if speaker.lower() == ME:
            messages.append(Message(ME, text))
            shape.append(ME)
            continue
        if not SPEAKER.match(speaker):
            problems.append(
                (number, f'"{speaker}" is not a speaker: use "me" or a short name like "Jay"')
            )
            continue
        if speaker not in others:
            others.append(speaker)
            if len(others) > MAX_OTHER_SPEAKERS:
                problems.append(
                    (
                        number,
                        f"a chat has at most {MAX_OTHER_SPEAKERS} speakers besides me; "
                        f'"{speaker}" is a third ({", ".join(others[:2])} came first)',
                    )
                )
                continue
        messages.append(Message(speaker, text))
        shape.append("them")
    if not messages and not problems:
        problems.append((first_line, "this chat has no messages: indent its lines under it"))
    if problems:
        return None, problems + markup
    return Chat(title, tuple(messages), first_line, tuple(shape)), markup


def _chat_body(lines: list[str], start: int) -> list[str]:
    """The lines after a header at `start` that belong to it: indented or blank, up to the
    first line that is neither (trailing blank lines are not part of it)."""
    body: list[str] = []
    for line in lines[start + 1 :]:
        if line.strip() and not line[:1].isspace():
            break
        body.append(line)
    while body and not body[-1].strip():
        body.pop()
    return body


def find_chats(text: str) -> tuple[list[Chat], list[tuple[int, str]]]:
    """Every chat in a Markdown text, in order, and the problems found (line, message)."""
    lines = text.split("\n")
    chats: list[Chat] = []
    problems: list[tuple[int, str]] = []
    index = 0
    while index < len(lines):
        if not _is_chat_header(lines[index]):
            index += 1
            continue
        body = _chat_body(lines, index)
        chat, found = parse_chat(lines[index], body, index + 1)
        if index > 0 and lines[index - 1].strip():  # Markdown would read it as the paragraph's
            found.insert(0, (index + 1, "leave a blank line before a chat"))
            chat = None
        problems += found
        if chat is not None:
            chats.append(chat)
        index += len(body) + 1
    return chats, problems


# --- HTML -----------------------------------------------------------------------------------


def _side_classes(chat: Chat) -> dict[str, str]:
    others = list(dict.fromkeys(m.speaker for m in chat.messages if m.speaker != ME))
    classes = {ME: "chat-me"}
    for position, name in enumerate(others):
        classes[name] = "chat-them" if position == 0 else "chat-them chat-other"
    return classes


def chat_element(chat: Chat, language: str, inline) -> etree.Element:
    """The chat as an element tree; `inline(text)` renders a line's text (emphasis only)."""
    figure = etree.Element("figure", {"class": "chat"})
    caption = etree.SubElement(figure, "figcaption", {"class": "chat-title"})
    caption.text = chat.title
    listing = etree.SubElement(figure, "ol", {"class": "chat-messages"})
    sides = _side_classes(chat)
    previous = None
    for message in chat.messages:
        item = etree.SubElement(listing, "li", {"class": f"chat-message {sides[message.speaker]}"})
        me = message.speaker == ME
        if message.speaker != previous:  # name a speaker where their run of messages starts
            name = etree.SubElement(item, "span", {"class": "chat-speaker", "aria-hidden": "true"})
            name.text = label("you", language) if me else message.speaker
        previous = message.speaker
        bubble = etree.SubElement(item, "p", {"class": "chat-bubble"})
        announced = etree.SubElement(bubble, "span", {"class": "visually-hidden"})
        announced.text = (
            label("you_said", language) if me else label("said", language, name=message.speaker)
        )
        announced.tail = " "
        bubble.append(_placeholder(inline(message.text)))
        for note in message.notes:
            callout = etree.SubElement(item, "p", {"class": "chat-note"})
            strong = etree.SubElement(callout, "strong", {"class": "chat-note-label"})
            strong.text = label("note", language)
            strong.tail = " "
            callout.append(_placeholder(inline(note)))
    return figure


def _placeholder(rendered: str) -> etree.Element:
    """A span holding already-rendered inline HTML (the sanitizer checks it with the rest)."""
    span = etree.Element("span", {"class": "chat-text"})
    span.text = rendered
    return span


def inline_text(md) -> callable:
    """Renders a chat line's text with the page's own inline patterns (emphasis) and escaping."""

    def render(text: str) -> str:
        # Stashed so Markdown's inline pass (which runs later on the tree) renders it once.
        return md.htmlStash.store(_inline_html(text))

    return render


# Asterisks only: an underscore inside a game name or a username ("gg_ez") stays as typed.
_EMPHASIS = re.compile(r"\*\*(?P<strong>[^*]+)\*\*|\*(?P<em>[^*]+)\*")


def _inline_html(text: str) -> str:
    """Escaped text with `**strong**` and `*emphasis*`: all a chat line may format."""
    escaped = html.escape(text, quote=False)

    def replace(match: re.Match[str]) -> str:
        if match.group("strong") is not None:
            return f"<strong>{match.group('strong')}</strong>"
        return f"<em>{match.group('em')}</em>"

    return _EMPHASIS.sub(replace, escaped)


class ChatProcessor(BlockProcessor):
    """Turns a `!!! chat "Title"` block and its indented lines into the chat's markup."""

    def __init__(self, parser, language: str):
        super().__init__(parser)
        self.language = language

    def test(self, parent: etree.Element, block: str) -> bool:
        return _is_chat_header(block.split("\n", 1)[0])

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        first = blocks.pop(0).split("\n")
        header, body = first[0], first[1:]
        # Blank lines between messages split the chat into several blocks: gather the indented
        # ones that follow.
        while blocks and blocks[0][:1].isspace() and not _is_chat_header(blocks[0].lstrip()):
            body += [""] + blocks.pop(0).split("\n")
        chat, _problems = parse_chat(header, body)
        if chat is None:  # the loader reports the problems; show the lines as plain text
            paragraph = etree.SubElement(parent, "p")
            paragraph.text = "\n".join(line.strip() for line in [header, *body])
            return True
        parent.append(chat_element(chat, self.language, inline_text(self.parser.md)))
        return True


class ChatExtension(Extension):
    def __init__(self, language: str = "en", **kwargs):
        self.language = language
        super().__init__(**kwargs)

    def extendMarkdown(self, md) -> None:  # noqa: N802 (Markdown's API name)
        # Above the admonition processor (105), which would take `!!! chat` for a callout.
        md.parser.blockprocessors.register(ChatProcessor(md.parser, self.language), "chat", 110)
