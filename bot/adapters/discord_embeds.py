"""Discord rendering: Brief, Card, QuoteList and Digest as embeds within Discord's limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import discord
from discord.utils import escape_markdown

from bot.models import Brief, Card, Digest, QuoteList, Source

# Discord's documented limits (message resource: embed limits, create-message parameters).
CONTENT_MAX = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL_MAX = 6000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048

GENERIC_ERROR = (
    "Sorry, something went wrong on our side while answering. It has been logged; "
    "please try again in a moment."
)
ELLIPSIS = "…"
QUOTE_MAX = 700  # one quote never eats a whole message
URL_MAX = 512  # longer links are shown unlinked rather than crowd out the text
_SPACE = re.compile(r"\s+")

BRIEF_COLOUR = discord.Colour.blurple()
CARD_COLOUR = discord.Colour.teal()
QUOTES_COLOUR = discord.Colour.gold()
DIGEST_COLOUR = discord.Colour.green()

Messages = list[list[discord.Embed]]


def trim(text: str, limit: int) -> str:
    """Text cut to `limit` characters with a visible ellipsis; never a dangling escape."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ELLIPSIS))].rstrip()
    # An escaped character cut in half would escape the ellipsis instead.
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut + ELLIPSIS


def clean(text: str, limit: int | None = None) -> str:
    """Document text made inert for Discord markdown, whitespace collapsed, optionally trimmed."""
    flat = _SPACE.sub(" ", text).strip()
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + ELLIPSIS
    return escape_markdown(flat)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL safe inside a markdown link, or None."""
    if not url or len(url) > URL_MAX or not re.match(r"https?://[^\s<>]+$", url.strip()):
        return None
    return url.strip().replace("(", "%28").replace(")", "%29")


def link(label: str, url: str | None) -> str:
    """A markdown link when the URL is usable; else the escaped label."""
    text = clean(label.replace("[", "(").replace("]", ")"))
    target = safe_url(url)
    return f"[{text}]({target})" if target else text


class Citations:
    """Numbered references to a result's sources; a number links to its URL if it has one."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self.sources = list(sources)
        self.number = {s.id: n for n, s in enumerate(self.sources, 1)}

    def cite(self, doc_id: str) -> str:
        n = self.number.get(doc_id)
        if n is None:
            return ""
        url = safe_url(self.sources[n - 1].url)
        return f" [\\[{n}\\]]({url})" if url else f" \\[{n}\\]"

    def lines(self) -> list[str]:
        out = []
        for n, s in enumerate(self.sources, 1):
            date = f" ({s.date})" if s.date else ""
            out.append(f"{n}. {link(s.title or s.id, s.url)}{date}")
        return out


def fit(lines: Sequence[str], limit: int) -> str:
    """As many whole lines as fit in `limit`, then a visible '… N more' marker."""
    out: list[str] = []
    for i, line in enumerate(lines):
        rest = len(lines) - i - 1
        marker = f"\n{ELLIPSIS} {rest} more" if rest else ""
        if len("\n".join([*out, line])) + len(marker) <= limit:
            out.append(line)
            continue
        if not out:  # a long first line: keep its start
            return trim(line, max(1, limit - len(marker))) + marker
        # The previous step left room for exactly this marker.
        return "\n".join(out) + f"\n{ELLIPSIS} {len(lines) - i} more"
    return "\n".join(out)


def chunks(lines: Sequence[str], limit: int) -> list[str]:
    """Lines grouped into chunks of at most `limit` characters (long lines trimmed)."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for raw in lines:
        line = trim(raw, limit)
        if current and size + 1 + len(line) > limit:
            out.append("\n".join(current))
            current, size = [], 0
        size += len(line) + (1 if current else 0)
        current.append(line)
    if current:
        out.append("\n".join(current))
    return out


@dataclass
class Packer:
    """Lays out embeds into messages: 25 fields an embed, 10 embeds and 6000 characters a message.

    `reserve` keeps room in every message for text added later (a delivery marker)."""

    footer: str = ""
    reserve: int = 0
    messages: Messages = field(default_factory=lambda: [[]])
    _used: int = 0  # characters in the current message
    _title: str = ""

    def __post_init__(self) -> None:
        self.footer = trim(self.footer, FOOTER_MAX - self.reserve)
        self._cap = EMBED_TOTAL_MAX - self.reserve - len(self.footer)

    def embed(
        self,
        title: str,
        description: Sequence[str] = (),
        *,
        url: str | None = None,
        colour: discord.Colour | None = None,
    ) -> None:
        """Start an embed; a long description is cut with a visible marker."""
        title = trim(title, TITLE_MAX)
        if (
            len(self.messages[-1]) >= EMBEDS_PER_MESSAGE
            or self._used + len(title) + 200 > self._cap
        ):
            self._new_message()
        room = min(DESCRIPTION_MAX, self._cap - self._used - len(title))
        text = fit(description, room) if description else None
        e = discord.Embed(title=title, description=text, url=safe_url(url), colour=colour)
        self.messages[-1].append(e)
        self._used += len(title) + len(text or "")
        self._title = title

    def section(self, name: str, lines: Sequence[str], *, inline: bool = False) -> None:
        """Add fields holding these lines; overflow continues in more fields, embeds, messages."""
        if not lines:
            return
        name = trim(name, FIELD_NAME_MAX - 10)
        for n, value in enumerate(chunks(lines, FIELD_VALUE_MAX)):
            label = name if n == 0 else f"{name} (cont.)"
            need = len(label) + len(value)
            current = self.messages[-1][-1] if self.messages[-1] else None
            if (
                current is None
                or len(current.fields) >= FIELDS_MAX
                or self._used + need > self._cap
            ):
                cont = trim(f"{self._title} (cont.)", TITLE_MAX)
                if (
                    len(self.messages[-1]) >= EMBEDS_PER_MESSAGE
                    or self._used + len(cont) + need > self._cap
                ):
                    self._new_message()
                colour = current.colour if current is not None else None
                self.messages[-1].append(discord.Embed(title=cont, colour=colour))
                self._used += len(cont)
                current = self.messages[-1][-1]
            current.add_field(name=label, value=value, inline=inline)
            self._used += need

    def _new_message(self) -> None:
        if self.messages[-1]:
            self.messages.append([])
        self._used = 0

    def done(self) -> Messages:
        """The messages, each one's last embed carrying the footer."""
        out = [m for m in self.messages if m]
        if self.footer:
            for m in out:
                m[-1].set_footer(text=self.footer)
        return out


def _brief_into(p: Packer, brief: Brief, title: str, colour: discord.Colour) -> None:
    refs = Citations(brief.sources)
    lines = []
    if brief.tldr:
        tldr = " ".join(clean(c.text) + refs.cite(c.doc_id) for c in brief.tldr)
        lines.append(f"**TL;DR** {tldr}")
    if brief.points:
        lines.append("**Key points**")
        lines += [f"• {clean(c.text)}{refs.cite(c.doc_id)}" for c in brief.points]
    p.embed(title, lines or ["(nothing to say yet)"], colour=colour)
    people = [f"{clean(e.name)} ({e.kind})" for e in brief.entities]
    if people:
        p.section("Who is involved", [", ".join(people)])
    p.section(
        "Key quote" if len(brief.quotes) == 1 else "Key quotes",
        [
            f"> “{clean(q.text, QUOTE_MAX)}” — {clean(q.speaker or 'unattributed')}"
            f"{refs.cite(q.doc_id)}"
            for q in brief.quotes
        ],
    )
    p.section("Figures and dates", [f"• {clean(f.text)}{refs.cite(f.doc_id)}" for f in brief.facts])
    p.section("Sources", refs.lines())


def brief_embeds(brief: Brief) -> Messages:
    """A Brief as one message (or more, if it is very long)."""
    p = Packer(footer=f"Briefing as of {brief.as_of or 'today'} · extractive, every line cited")
    _brief_into(p, brief, brief.topic.title, BRIEF_COLOUR)
    return p.done()


def card_embeds(card: Card) -> Messages:
    """A fact card: definition, actors, timeline, figures, quotes, coverage, sources."""
    refs = Citations(card.sources)
    p = Packer(footer=f"Fact card as of {card.as_of or 'today'} · briefbot")
    definition = (
        [clean(card.definition.text) + refs.cite(card.definition.doc_id)]
        if (card.definition)
        else []
    )
    p.embed(f"Fact card: {card.topic.title}", definition, colour=CARD_COLOUR)
    if card.actors:
        p.section("Who", [", ".join(f"{clean(e.name)} ({e.kind})" for e in card.actors)])
    p.section(
        "Timeline",
        [f"**{t.date}** {clean(t.sentence.text)}{refs.cite(t.fact.doc_id)}" for t in card.timeline],
    )
    p.section("Figures", [f"• {clean(f.text)}{refs.cite(f.doc_id)}" for f in card.figures])
    p.section(
        "Quotes",
        [
            f"> “{clean(q.text, QUOTE_MAX)}” — {clean(q.speaker or 'unattributed')}"
            f"{refs.cite(q.doc_id)}"
            for q in card.quotes
        ],
    )
    seen = f", first seen {card.first_seen}" if card.first_seen else ""
    last = f", latest {card.last_seen}" if card.last_seen else ""
    docs = _plural(card.source_count, "source document")
    p.section("Coverage", [f"{docs}{seen}{last}"], inline=True)
    if card.related:
        p.section("Related topics", [", ".join(f"`{r.slug}`" for r in card.related)], inline=True)
    p.section("Sources", refs.lines())
    return p.done()


def quotes_embeds(result: QuoteList) -> Messages:
    """Attributed quotes, one field each, with the source linked."""
    about = f" on {result.topic.title}" if result.topic else ""
    by = f" by {result.speaker}" if result.speaker else ""
    p = Packer(
        footer=f"{_plural(len(result.hits), 'quote')} · verbatim from the sources · briefbot"
    )
    p.embed(f"Quotes{about}{by}", [] if result.hits else ["No quotes found."], colour=QUOTES_COLOUR)
    for h in result.hits:
        who = h.quote.speaker or "Unattributed"
        date = f" ({h.source.date})" if h.source.date else ""
        source = f"— {link(trim(h.source.title or h.source.id, 150), h.source.url)}{date}"
        room = FIELD_VALUE_MAX - len(source) - 3
        said = trim(clean(h.quote.text, min(QUOTE_MAX, room)), room)
        p.section(trim(clean(who), 200), [f"“{said}”\n{source}"])
    return p.done()


def digest_messages(digest: Digest, reserve: int) -> Messages:
    """A digest: one embed (or more) per topic, split into messages within the limits."""
    p = Packer(footer=trim(digest.title, 200), reserve=reserve)
    if not digest.sections:
        p.embed(digest.title, [f"Nothing new since {digest.since[:16].replace('T', ' ')} UTC."])
        return p.done()
    for s in digest.sections:
        new = _plural(s.new_documents, "new document")
        _brief_into(p, s.brief, f"{s.topic.title} · {new}", DIGEST_COLOUR)
    return p.done()


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def as_content(text: str) -> str:
    """Plain message content within the 2000-character limit."""
    return trim(text, CONTENT_MAX)
