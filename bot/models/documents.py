"""Documents, what analysis finds in them, and the briefs, cards and lists built from them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

EntityKind = Literal["person", "org", "place"]
FactKind = Literal["date", "figure"]


@dataclass(frozen=True)
class Document:
    """One stored source document."""

    doc_id: str
    title: str
    text: str
    date: str | None = None  # ISO 8601 date of publication, if known
    url: str | None = None
    source: str | None = None
    path: str | None = None
    ingested_at: str | None = None  # ISO 8601 UTC timestamp, set by the store


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document, as character offsets into its text."""

    doc_id: str
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Cited:
    """A source sentence with its citation; `document_text[start:end] == text`."""

    text: str
    doc_id: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Quote:
    """A direct quotation: the quoted words and the speaker mention, both as offsets."""

    text: str
    speaker: str | None
    speaker_start: int | None
    speaker_end: int | None
    cue: str | None
    doc_id: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Mention:
    """Where an entity is named in a document."""

    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Entity:
    """A named person, organisation or place, with every mention."""

    name: str
    kind: EntityKind
    mentions: tuple[Mention, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "mentions": [asdict(m) for m in self.mentions],
        }


@dataclass(frozen=True)
class Fact:
    """A date (value ISO 8601) or a figure (value: the number, with unit or noun in text)."""

    kind: FactKind
    text: str
    value: str
    doc_id: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Source:
    """A cited document, as listed under a result."""

    id: str
    title: str
    date: str | None
    url: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TopicRef:
    """A topic's slug and title; free-text queries get a slug of their own."""

    slug: str
    title: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Topic:
    """A topic defined by `briefs/<slug>.yaml`, or a free-text query."""

    slug: str
    title: str
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    templates: tuple[tuple[str, str], ...] = ()  # (kind, template file name) overrides
    defined: bool = True  # False for a free-text query

    @property
    def ref(self) -> TopicRef:
        return TopicRef(self.slug, self.title)

    def terms(self) -> tuple[str, ...]:
        """The phrases that find this topic's passages."""
        return (self.title, *self.aliases, *self.keywords)


@dataclass(frozen=True)
class Brief:
    """A short, cited briefing on one topic."""

    topic: TopicRef
    as_of: str | None
    tldr: tuple[Cited, ...]
    points: tuple[Cited, ...]
    quotes: tuple[Quote, ...] = ()
    entities: tuple[Entity, ...] = ()
    facts: tuple[Fact, ...] = ()
    sources: tuple[Source, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic.to_dict(),
            "as_of": self.as_of,
            "tldr": [c.to_dict() for c in self.tldr],
            "points": [c.to_dict() for c in self.points],
            "quotes": [q.to_dict() for q in self.quotes],
            "entities": [e.to_dict() for e in self.entities],
            "facts": [f.to_dict() for f in self.facts],
            "sources": [s.to_dict() for s in self.sources],
        }


@dataclass(frozen=True)
class TimelineEvent:
    """A dated event on a fact card: the date fact and the sentence it stands in."""

    date: str
    fact: Fact
    sentence: Cited

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date, "fact": self.fact.to_dict(), "sentence": self.sentence.to_dict()}


@dataclass(frozen=True)
class Card:
    """A fact card: what a topic is, who is involved, when, how much, from where."""

    topic: TopicRef
    as_of: str | None
    definition: Cited | None
    actors: tuple[Entity, ...]
    timeline: tuple[TimelineEvent, ...]
    figures: tuple[Fact, ...]
    quotes: tuple[Quote, ...]
    source_count: int
    first_seen: str | None
    last_seen: str | None
    related: tuple[TopicRef, ...]
    sources: tuple[Source, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic.to_dict(),
            "as_of": self.as_of,
            "definition": self.definition.to_dict() if self.definition else None,
            "actors": [e.to_dict() for e in self.actors],
            "timeline": [t.to_dict() for t in self.timeline],
            "figures": [f.to_dict() for f in self.figures],
            "quotes": [q.to_dict() for q in self.quotes],
            "source_count": self.source_count,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "related": [r.to_dict() for r in self.related],
            "sources": [s.to_dict() for s in self.sources],
        }


@dataclass(frozen=True)
class QuoteHit:
    """A quote found by `quotes`, with its context sentence and source."""

    quote: Quote
    sentence: Cited
    source: Source
    score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.quote.to_dict(),
            "sentence": self.sentence.to_dict(),
            "source": self.source.to_dict(),
        }


@dataclass(frozen=True)
class QuoteList:
    """The answer to `quotes`: for a topic, a speaker, or both."""

    topic: TopicRef | None
    speaker: str | None
    hits: tuple[QuoteHit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic.to_dict() if self.topic else None,
            "speaker": self.speaker,
            "quotes": [h.to_dict() for h in self.hits],
        }


@dataclass(frozen=True)
class SearchHit:
    """A ranked passage with a highlighted snippet."""

    doc_id: str
    title: str
    sentence: Cited
    snippet: str  # the passage with matches wrapped in [ and ]
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "passage": self.sentence.to_dict(),
            "snippet": self.snippet,
            "score": self.score,
        }


@dataclass(frozen=True)
class DocumentInfo:
    """A stored document's listing line."""

    doc_id: str
    title: str
    date: str | None
    url: str | None
    path: str | None
    ingested_at: str | None
    chars: int
    sentences: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TopicInfo:
    """A topic with the number of documents that match it."""

    slug: str
    title: str
    documents: int
    defined: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Skipped:
    """A file (or record) left out of an ingest, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did: counts, and one line per skipped file."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    duplicates: tuple[tuple[str, str], ...] = ()  # (doc_id not stored, doc_id it duplicates)
    skipped: tuple[Skipped, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "updated": list(self.updated),
            "unchanged": list(self.unchanged),
            "duplicates": [{"id": a, "duplicate_of": b} for a, b in self.duplicates],
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
        }
