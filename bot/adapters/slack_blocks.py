"""Slash command grammar, and Block Kit for briefs, cards, quotes, help and digests, always
within Slack's limits."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.errors import UnknownTopic
from bot.models import Brief, Card, Cited, Digest, QuoteHit, QuoteList, Source, TopicInfo

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
CONTEXT_ELEMENTS = 10
CONTEXT_CHARS = 2000  # per context element; kept well under the 3000 of a text object
# Slack rejects messages whose blocks total about 13.2k characters although every documented
# limit is met (bolt-js#2509), so a message keeps to a smaller budget.
MESSAGE_CHARS = 12_000  # counted as the blocks' JSON, which over-counts the text
FALLBACK_CHARS = 2_000  # the notification `text` shown where blocks cannot be
SENTENCE_CHARS = 700  # one cited sentence: long enough for any real sentence
SHARE_ACTION = "briefbot_share"
SORRY = (
    "Sorry, something went wrong on our side and this answer could not be made. "
    "It has been logged; please try again later."
)
TRIMMED = "_(trimmed: the full answer is longer than one Slack message)_"

Payload = dict[str, Any]
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")  # a Slack user id, safe to put in <@...>


def escape(text: str) -> str:
    """Make text inert for Slack mrkdwn: `<!channel>` and `<@U123>` become plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Text cut to `limit` characters with a visible ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clip_escaped(text: str, limit: int) -> str:
    """Escaped text within `limit` characters after escaping, with a visible ellipsis."""
    out = escape(clip(text, limit))
    while len(out) > limit:
        limit -= len(out) - limit
        out = escape(clip(text, limit))
    return out


def link(url: str | None, label: str) -> str:
    """`<url|label>` for an http(s) URL, else the escaped label; both parts escaped."""
    if not url or urlsplit(url).scheme.lower() not in ("http", "https"):
        return escape(label)
    safe_url = escape(quote(url, safe=":/?#[]@!$&'()*+,;=%~-._"))
    return f"<{safe_url}|{escape(label).replace('|', '¦')}>"


@dataclass(frozen=True)
class Request:
    """A parsed command: what to answer (brief, card, quotes or help) and about what."""

    kind: str
    topic: str = ""
    speaker: str = ""

    def to_value(self) -> str:
        """The Share button's value (Slack allows 2000 characters)."""
        data = {"k": self.kind, "t": self.topic[:800], "s": self.speaker[:200]}
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_value(cls, value: str) -> Request:
        data = json.loads(value)
        if not isinstance(data, dict) or data.get("k") not in ("brief", "card", "quotes"):
            raise ValueError(f"not a briefbot request: {value!r}")
        return cls(str(data["k"]), str(data.get("t", "")), str(data.get("s", "")))


_SPEAKER = re.compile(r"\b(?:speaker|by)\s*:\s*", re.IGNORECASE)


def parse(kind: str, text: str) -> Request:
    """A command's text as a request: `/brief card X` is `/card X`; empty or `help` is help."""
    text = " ".join(text.split())
    first, _, rest = text.partition(" ")
    if kind == "brief" and first.lower() in ("card", "quotes"):
        kind, text = first.lower(), rest
    if not text or text.lower() in ("help", "?"):
        return Request("help")
    if kind == "quotes":
        topic, _, speaker = _SPEAKER.sub("\0", text, count=1).partition("\0")
        return Request("quotes", topic.strip(), speaker.strip())
    return Request(kind, text)


class Message:
    """Blocks for one message, each within its limit; the whole kept within the budget."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.chars = 0
        self.fallback = ""

    def _add(self, block: Block) -> None:
        self.blocks.append(block)
        self.chars += _chars(block)

    def header(self, text: str) -> None:
        title = clip_escaped(text, HEADER_CHARS)
        self.fallback = self.fallback or title
        self._add(HeaderBlock(text=PlainTextObject(text=title, emoji=False)))

    def section(self, mrkdwn: str) -> None:
        """One or more sections: split on lines at 3000 characters, a longer line clipped."""
        chunk = ""
        for line in mrkdwn.splitlines():
            line = line if len(line) <= SECTION_CHARS else line[: SECTION_CHARS - 1] + "…"
            if chunk and len(chunk) + 1 + len(line) > SECTION_CHARS:
                self._section(chunk)
                chunk = ""
            chunk = f"{chunk}\n{line}" if chunk else line
        if chunk.strip():
            self._section(chunk)

    def _section(self, text: str) -> None:
        self._add(SectionBlock(text=MarkdownTextObject(text=text)))

    def context(self, items: Sequence[str]) -> None:
        """Context blocks of at most 10 elements each."""
        items = [clip(i, CONTEXT_CHARS) for i in items if i.strip()]
        for n in range(0, len(items), CONTEXT_ELEMENTS):
            part = items[n : n + CONTEXT_ELEMENTS]
            elements = [MarkdownTextObject(text=i) for i in part]
            self._add(ContextBlock(elements=elements))

    def divider(self) -> None:
        self._add(DividerBlock())

    def fits(self, other: Message) -> bool:
        """Whether another message's blocks can be appended to this one (one block kept free)."""
        return (
            len(self.blocks) + len(other.blocks) < MAX_BLOCKS
            and self.chars + other.chars <= MESSAGE_CHARS
        )

    def extend(self, other: Message) -> None:
        self.blocks.extend(other.blocks)
        self.chars += other.chars
        self.fallback = self.fallback or other.fallback

    def fit(self, max_blocks: int = MAX_BLOCKS, max_chars: int = MESSAGE_CHARS) -> Message:
        """This message cut to a block and character budget, ending with a trimmed marker."""
        if len(self.blocks) <= max_blocks and self.chars <= max_chars:
            return self
        marker = ContextBlock(elements=[MarkdownTextObject(text=TRIMMED)])
        out = Message()
        out.fallback = self.fallback
        budget = max_chars - _chars(marker)
        for b in self.blocks:
            size = _chars(b)
            if len(out.blocks) >= max_blocks - 1 or out.chars + size > budget:
                break
            out._add(b)
        out._add(marker)
        return out

    def payload(self, actions: Sequence[Block] = (), spare: int = 0) -> Payload:
        """The message as chat.postMessage/response_url JSON, trimmed to fit if need be
        (leaving `spare` blocks free for the caller to add)."""
        room = sum(_chars(a) for a in actions) + 300 * spare
        fitted = self.fit(MAX_BLOCKS - len(actions) - spare, MESSAGE_CHARS - room)
        blocks = [*fitted.blocks, *actions]
        return {
            "text": clip(self.fallback or "briefbot", FALLBACK_CHARS),
            "blocks": [b.to_dict() for b in blocks],  # to_dict() validates every limit
        }


def _chars(block: Block) -> int:
    return len(json.dumps(block.to_dict(), ensure_ascii=False))


class Citations:
    """Numbers a result's sources and renders `[n]` markers linked to the source URL."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self.sources = list(sources)
        self.number = {s.id: n for n, s in enumerate(self.sources, 1)}

    def mark(self, doc_id: str) -> str:
        n = self.number.get(doc_id)
        if n is None:
            return ""
        return " " + link(self.sources[n - 1].url, f"[{n}]")

    def cited(self, c: Cited) -> str:
        return escape(clip(c.text, SENTENCE_CHARS)) + self.mark(c.doc_id)

    def listing(self) -> list[str]:
        return [
            f"{n}. {link(s.url, clip(s.title or s.id, 200))}" + (f" · {s.date}" if s.date else "")
            for n, s in enumerate(self.sources, 1)
        ]


def share_button(request: Request) -> list[Block]:
    """The "Share in channel" button: posts the same answer for everyone."""
    button = ButtonElement(
        text="Share in channel",
        action_id=SHARE_ACTION,
        value=request.to_value(),
    )
    return [ActionsBlock(elements=[button])]


def _quote_line(text: str, speaker: str | None, cite: str) -> str:
    who = f" — {escape(speaker)}" if speaker else ""
    return f"> “{escape(clip(text, SENTENCE_CHARS))}”{who}{cite}"


def _bullets(title: str, lines: Sequence[str]) -> str:
    return f"*{title}*\n" + "\n".join(f"• {line}" for line in lines) if lines else ""


def brief_message(brief: Brief, *, digest: str | None = None) -> Message:
    """A brief: header, TL;DR, key points, quotes, people, figures, sources.

    In a digest (`digest` is the section's title) the sources go in a compact context line.
    """
    m = Message()
    c = Citations(brief.sources)
    if digest is None:
        m.header(f"Brief: {brief.topic.title}")
        n = len(brief.sources)
        m.context([f"as of {escape(brief.as_of or 'today')} · {n} source{'' if n == 1 else 's'}"])
    else:
        m.header(digest)
    if brief.tldr:
        m.section("*TL;DR*\n" + " ".join(c.cited(s) for s in brief.tldr))
    m.section(_bullets("Key points", [c.cited(s) for s in brief.points]))
    if brief.quotes:
        quotes = [_quote_line(q.text, q.speaker, c.mark(q.doc_id)) for q in brief.quotes]
        m.section("*Key quote*\n" + "\n".join(quotes))
    if brief.entities:
        people = ", ".join(escape(e.name) for e in brief.entities)
        m.section(f"*Who is involved*\n{people}")
    facts = [escape(f.text) + c.mark(f.doc_id) for f in brief.facts]
    m.section(_bullets("Figures and dates", facts))
    if brief.sources:
        if digest is not None:
            m.context(c.listing())
        else:
            m.divider()
            m.section("*Sources*\n" + "\n".join(c.listing()))
    return m


def card_message(card: Card) -> Message:
    """A fact card: definition, actors, timeline, figures, quotes, sources, related topics."""
    m = Message()
    c = Citations(card.sources)
    m.header(f"Fact card: {card.topic.title}")
    seen = " – ".join(d for d in (card.first_seen, card.last_seen) if d)
    m.context(
        [f"as of {escape(card.as_of or 'today')} · {card.source_count} sources"]
        + ([f"coverage {escape(seen)}"] if seen else [])
    )
    if card.definition:
        m.section("*What it is*\n" + c.cited(card.definition))
    if card.actors:
        actors = [f"{escape(e.name)} ({e.kind}, {len(e.mentions)} mentions)" for e in card.actors]
        m.section(_bullets("Actors", actors))
    timeline = [f"*{escape(e.date)}* {c.cited(e.sentence)}" for e in card.timeline]
    m.section(_bullets("Timeline", timeline))
    m.section(_bullets("Figures", [escape(f.text) + c.mark(f.doc_id) for f in card.figures]))
    if card.quotes:
        quotes = [_quote_line(q.text, q.speaker, c.mark(q.doc_id)) for q in card.quotes]
        m.section("*Quotes*\n" + "\n".join(quotes))
    if card.related:
        related = ", ".join(f"`{escape(r.slug)}`" for r in card.related)
        m.section(f"*Related topics*\n{related}")
    if card.sources:
        m.divider()
        m.section("*Sources*\n" + "\n".join(c.listing()))
    return m


def _hit_line(h: QuoteHit) -> str:
    src = link(h.source.url, clip(h.source.title or h.source.id, 200))
    when = f" · {h.source.date}" if h.source.date else ""
    return _quote_line(h.quote.text, h.quote.speaker, "") + f"\n{src}{when}"


def quotes_message(quotes: QuoteList) -> Message:
    """Attributed direct quotes, one section each with its source."""
    m = Message()
    on = f" on {quotes.topic.title}" if quotes.topic else ""
    by = f" by {quotes.speaker}" if quotes.speaker else ""
    m.header(f"Quotes{on}{by}")
    m.context([f"{len(quotes.hits)} quotes"])
    if not quotes.hits:
        m.section("No direct quotes found.")
    for h in quotes.hits:
        m.section(_hit_line(h))
    return m


def help_message(commands: Mapping[str, str], topics: Sequence[TopicInfo]) -> Message:
    """Usage of the configured commands and the list of defined topics."""
    b, cd, q = commands["brief"], commands["card"], commands["quotes"]
    m = Message()
    m.header("briefbot: cited briefings from your documents")
    m.section(
        "\n".join(
            [
                f"`{b} TOPIC` a short cited briefing (TL;DR, key points, people, sources)",
                f"`{cd} TOPIC` or `{b} card TOPIC` a fact card",
                f"`{q} TOPIC`, `{q} speaker: NAME` or `{b} quotes ...` attributed quotes",
                *(
                    [f"`{commands['digest']} help` this channel's scheduled digest"]
                    if "digest" in commands
                    else []
                ),
                f"`{b} help` this message",
                "A topic is a defined slug below, or a few words to search for. "
                "Answers are private to you until you press *Share in channel*.",
            ]
        )
    )
    lines = [f"`{escape(t.slug)}` {escape(t.title)} ({t.documents} documents)" for t in topics]
    m.section(_bullets("Topics", lines) or "_No topics defined yet._")
    return m


def notice(text: str) -> Payload:
    """A short ephemeral notice (errors, hints), escaped."""
    m = Message()
    m.fallback = clip_escaped(text, FALLBACK_CHARS)
    m.section(escape(text))
    return m.payload()


def unknown_topic(exc: UnknownTopic, brief_command: str) -> Payload:
    """The notice for an unknown topic: the closest known ones, and where the list is."""
    closest = ", ".join(f"`{c}`" for c in exc.closest)
    hint = f" Closest topics: {closest}." if closest else ""
    text = f"I don't know the topic {exc.name!r} and found nothing about it.{hint}"
    return notice(f"{text} Type `{brief_command} help` for the list.")


def digest_messages(digest: Digest) -> list[Payload]:
    """A digest split into messages, each within the limits; sections are never cut apart."""
    head = Message()
    head.header(digest.title)
    period = f"{escape(digest.since[:16])} – {escape(digest.until[:16])} UTC"
    if not digest.sections:
        head.section(f"Nothing new since {escape(digest.since[:16])} UTC.")
        return [head.payload()]
    head.context([f"What is new · {period} · {len(digest.sections)} topics"])
    messages = [head]
    for s in digest.sections:
        part = brief_message(s.brief, digest=s.topic.title)
        part.context([f"{s.new_documents} new documents"])
        part.divider()
        part = part.fit(MAX_BLOCKS - 3, MESSAGE_CHARS - 500)  # room for a continuation line
        if not messages[-1].fits(part):
            cont = Message()
            cont.fallback = clip_escaped(f"{digest.title} (continued)", HEADER_CHARS)
            cont.context([f"{escape(digest.title)} (continued)"])
            messages.append(cont)
        messages[-1].extend(part)
    return [msg.payload() for msg in messages]
