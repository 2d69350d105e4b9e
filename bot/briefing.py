"""The facade: every command of the CLI, Slack and Discord goes through `Briefing`."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import corpus, search
from bot.analysis.facts import worth_listing
from bot.analysis.phrases import key_phrases
from bot.errors import BriefbotError, UnknownDocument, UnknownTopic
from bot.ingestion import Ingestion, Progress
from bot.models import (
    Brief,
    Card,
    Cited,
    Digest,
    DigestSection,
    Document,
    DocumentInfo,
    Entity,
    IngestReport,
    Quote,
    QuoteHit,
    QuoteList,
    SearchHit,
    Sentence,
    Source,
    Subscription,
    Topic,
    TopicInfo,
    TopicRef,
)
from bot.readability import is_fragment, needs_context
from bot.render import Renderer
from bot.store import Database, DigestStore, DocumentStore, Passage
from bot.subscriptions import Subscriptions
from bot.summarise import Candidate, select
from bot.topics import TopicBook, slugify

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]

_WORD = re.compile(r"\w+")
# Passages a brief or card is built from: the ranker re-scores these, so more costs latency
# and rarely changes the picks.
_PASSAGES = 120
_ACTOR_PASSAGES = 40  # who is involved: entities of the documents behind the best passages
_KEY_QUOTE_WORDS = 5  # a brief's key quotes are statements of this many words, where there are any


def utc_now() -> dt.datetime:
    """The real clock, in UTC."""
    return dt.datetime.now(dt.UTC)


def _stamp(when: dt.datetime) -> str:
    """An instant in the form ingest times are stored in (UTC ISO 8601, microseconds)."""
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds")


class Briefing:
    """Ingest documents; answer briefs, cards, quotes and searches from them."""

    def __init__(
        self,
        db: Database,
        topics: TopicBook,
        renderer: Renderer,
        *,
        clock: Clock = utc_now,
        max_file_bytes: int = corpus.DEFAULT_MAX_BYTES,
        first_window_hours: float = 24.0,
    ) -> None:
        self.db = db
        self.store = DocumentStore(db)
        self.topic_book = topics
        self.renderer = renderer
        self.clock = clock
        self.max_file_bytes = max_file_bytes
        self.first_window_hours = first_window_hours
        self.subscriptions = Subscriptions(DigestStore(db), topics, clock)
        self.ingestion = Ingestion(db, self.store, clock, max_file_bytes)

    # -- corpus --------------------------------------------------------------------------

    def ingest(self, paths: Sequence[Path], progress: Progress | None = None) -> IngestReport:
        """Read files and folders into the store; bad files are skipped with a reason."""
        return self.ingestion.ingest(paths, progress)

    def documents(self) -> list[DocumentInfo]:
        """What is stored, newest first."""
        return self.store.listing()

    def document(self, doc_id: str) -> Document:
        """One stored document."""
        doc = self.store.document(doc_id)
        if doc is None:
            raise UnknownDocument(doc_id)
        return doc

    def forget(self, doc_id: str) -> None:
        """Remove a stored document."""
        if not self.store.forget(doc_id):
            raise UnknownDocument(doc_id)

    def reindex(self, progress: Progress | None = None, *, everything: bool = False) -> int:
        """Re-run the analysis on stored text (stale documents, or all); return how many."""
        return self.ingestion.reindex(progress, everything=everything)

    # -- topics ---------------------------------------------------------------------------

    def topics(self) -> list[TopicInfo]:
        """Defined topics with how many documents match each."""
        return [
            TopicInfo(t.slug, t.title, search.matching_docs(self.store, t))
            for t in self.topic_book.all()
        ]

    def suggest_topics(self, limit: int = 10) -> list[TopicInfo]:
        """Candidate topics from the corpus' key phrases, not yet defined."""
        defined = {t.slug for t in self.topic_book.all()}
        out: list[TopicInfo] = []
        for phrase, count in key_phrases(self.store.texts(), limit=limit * 2):
            slug = slugify(phrase)
            if slug not in defined:
                out.append(TopicInfo(slug, phrase, count, defined=False))
            if len(out) >= limit:
                break
        return out

    def complete_topic(self, prefix: str, limit: int = 25) -> list[TopicRef]:
        """Topics whose slug or title starts with (or contains) a prefix, for autocomplete."""
        p = prefix.strip().lower()
        scored = []
        for t in self.topic_book.all():
            hay = (t.slug, t.title.lower(), *(a.lower() for a in t.aliases))
            if not p or any(h.startswith(p) for h in hay):
                scored.append((0, t.slug, t))
            elif any(p in h for h in hay):
                scored.append((1, t.slug, t))
        return [t.ref for _, _, t in sorted(scored)[:limit]]

    def complete_speaker(self, prefix: str, limit: int = 25) -> list[str]:
        """Quoted speakers matching a prefix of any of their names, most quoted first."""
        p = prefix.strip().lower()
        names = [s for s, _ in self.store.speakers()]
        hits = [s for s in names if not p or any(w.startswith(p) for w in s.lower().split())]
        hits += [s for s in names if p and p in s.lower() and s not in hits]
        return hits[:limit]

    def defined_topic(self, name: str) -> Topic | None:
        """The topic defined in `briefs/` under this slug, title or alias; memory only, no I/O."""
        return self.topic_book.get(name) if name.strip() else None

    def resolve(self, name: str) -> Topic:
        """A defined topic, or a free-text query that finds something; else UnknownTopic."""
        name = name.strip()
        if not name:
            raise BriefbotError("Name a topic, e.g. `golden-dome`, or type a few words to search.")
        topic = self.topic_book.get(name)
        if topic is not None:
            return topic
        query = Topic(slug=slugify(name), title=name, defined=False)
        if search.matching_docs(self.store, query) == 0:
            raise UnknownTopic(name, self.topic_book.closest(name))
        return query

    # -- answers --------------------------------------------------------------------------

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        """Passages ranked for a free-text query, with highlighted snippets."""
        if not _WORD.search(query):
            raise BriefbotError("Give a few words to search for.")
        return search.search(self.store, query, limit)

    def _passages(self, topic: Topic, since: dt.date | None = None) -> list[Passage]:
        found = search.passages(
            self.store, topic, limit=_PASSAGES, since=since.isoformat() if since else None
        )
        if not found:
            when = f" since {since.isoformat()}" if since else ""
            raise BriefbotError(
                f"Nothing about {topic.title!r}{when} in the documents yet; "
                "add some with `briefbot ingest PATH`."
            )
        return found

    def _pick(self, topic: Topic, found: list[Passage], k: int) -> list[Sentence]:
        cands = [Candidate(p.sentence, p.title, p.doc_sentences, relevance=p.score) for p in found]
        return [c.sentence for c in select(cands, topic.terms(), k)]

    def _sources(self, doc_ids: Sequence[str]) -> tuple[Source, ...]:
        known = self.store.sources(doc_ids)
        return tuple(known[d] for d in dict.fromkeys(doc_ids) if d in known)

    def _as_of(self, sources: Sequence[Source]) -> str:
        dates = [s.date for s in sources if s.date]
        return max(dates) if dates else self.clock().date().isoformat()

    def _quotes(self, topic: Topic, found: list[Passage], limit: int) -> list[QuoteHit]:
        """Quotes standing in a topic's passages, ranked by their passage's relevance."""
        index = search.PassageIndex(found)
        hits: list[QuoteHit] = []
        docs = list(dict.fromkeys(p.sentence.doc_id for p in found))
        sources = self.store.sources(docs)
        for q in self.store.quotes(docs):
            p = index.at(q.doc_id, q.start, q.start)
            if p is not None:
                hits.append(QuoteHit(q, search.cite(p.sentence), sources[q.doc_id], p.score))
        hits.sort(key=lambda h: (-h.score, h.quote.doc_id, h.quote.start))
        return hits[:limit]

    def brief(self, name: str, since: dt.date | None = None) -> Brief:
        """A short cited briefing: TL;DR, key points, people, quote, figures, sources."""
        topic = self.resolve(name)
        return self._brief_from(topic, self._passages(topic, since))

    def _brief_from(self, topic: Topic, found: list[Passage]) -> Brief:
        """A brief composed from a topic's passages (all of them, or only the new ones)."""
        picked = self._pick(topic, found, 7)
        tldr_n = 2 if len(picked) >= 6 and len(picked[0].text) < 140 else 1
        tldr, points = picked[:tldr_n], picked[tldr_n : tldr_n + 5]
        chosen = tldr + points
        quotes = _key(self._quotes(topic, found, 50), 2)
        cited_docs = [s.doc_id for s in chosen] + [q.doc_id for q in quotes]
        sources = self._sources(cited_docs)
        docs = list(dict.fromkeys(p.sentence.doc_id for p in found[:_ACTOR_PASSAGES]))
        facts = [
            f
            for f in filter(worth_listing, self.store.facts(list(dict.fromkeys(cited_docs))))
            if any(search.within(f.start, f.end, s) for s in chosen if s.doc_id == f.doc_id)
        ]
        return Brief(
            topic=topic.ref,
            as_of=self._as_of(sources),
            tldr=tuple(search.cite(s) for s in tldr),
            points=tuple(self._in_context(s, chosen) for s in points),
            quotes=tuple(quotes),
            entities=tuple(self._actors(docs, found)[:8]),
            facts=tuple(facts[:8]),
            sources=sources,
        )

    def _in_context(self, s: Sentence, chosen: Sequence[Sentence]) -> Cited:
        """A point cited with the sentence it points back to ("… a joint statement. In it, …"),
        when that sentence is not in the brief already."""
        # Extractive summaries may not reword "In it, they ..."; without its antecedent the
        # point reads wrongly, so the antecedent is quoted with it (both from the source).
        if s.index == 0 or not needs_context(s.text):
            return search.cite(s)
        if any(c.doc_id == s.doc_id and c.index == s.index - 1 for c in chosen):
            return search.cite(s)
        before = self.store.sentence_at(s.doc_id, s.start - 1)
        if before is None or needs_context(before.text) or is_fragment(before.text):
            return search.cite(s)  # it would need its own antecedent, or says nothing itself
        text = self.store.text_slice(s.doc_id, before.start, s.end)
        return search.cite(s) if text is None else Cited(text, s.doc_id, before.start, s.end)

    def digest(
        self, topics: Sequence[str], since: dt.datetime, until: dt.datetime, title: str = ""
    ) -> Digest:
        """What is new on some topics among documents ingested in (since, until], brief-style.

        Topics with nothing new are left out; with no sections at all the digest is "nothing new".
        """
        new = self.store.ingested_between(_stamp(since), _stamp(until))
        sections: list[DigestSection] = []
        titles: list[str] = []
        for name in topics:
            topic = self.topic_book.get(name) or Topic(slugify(name), name, defined=False)
            titles.append(topic.title)
            found = search.passages(self.store, topic, 300, doc_ids=new) if new else []
            if not found:
                continue
            docs = {p.sentence.doc_id for p in found}
            sections.append(DigestSection(topic.ref, self._brief_from(topic, found), len(docs)))
        return Digest(
            title=title or f"Digest: {', '.join(titles)}",
            since=_stamp(since),
            until=_stamp(until),
            sections=tuple(sections),
        )

    # -- digest subscriptions (the rules live in bot/subscriptions.py) --------------------

    def subscribe(
        self, platform: str, channel: str, words: Sequence[str], user: str | None = None
    ) -> Subscription:
        """`/digest subscribe TOPIC... [at HH:MM] [tz ZONE] [daily|weekdays|weekly DAY]`."""
        return self.subscriptions.subscribe(platform, channel, words, user)

    def unsubscribe(self, platform: str, channel: str, what: str) -> Subscription | None:
        """`/digest unsubscribe TOPIC|all`; None when the channel's digest is gone."""
        return self.subscriptions.unsubscribe(platform, channel, what)

    def digests(
        self, platform: str | None = None, channel: str | None = None
    ) -> list[Subscription]:
        """`/digest list`: subscriptions of a channel (or platform, or all), paused ones too."""
        return self.subscriptions.listing(platform, channel)

    def preview(self, platform: str, channel: str) -> Digest:
        """`/digest now`: what the channel's next digest would hold if it were due now."""
        sub = self.subscriptions.store.for_channel(platform, channel)
        if sub is None:
            raise BriefbotError(
                "This channel has no digest yet: `/digest subscribe golden-dome at 08:00`."
            )
        since, until = self.subscriptions.window(sub, self.first_window_hours)
        return self.digest(sub.topics, since, until, title="Preview of the next digest")

    def _actors(self, docs: Sequence[str], found: list[Passage]) -> list[Entity]:
        """Entities of a topic's documents, those named in its passages first."""
        return search.rank_entities(self.store.entities(list(docs)), found)

    def card(self, name: str) -> Card:
        """A fact card: definition, actors, timeline, figures, sources, related topics."""
        topic = self.resolve(name)
        found = self._passages(topic)
        docs = list(dict.fromkeys(p.sentence.doc_id for p in found))
        in_found = {(p.sentence.doc_id, p.sentence.index) for p in found}
        index = search.PassageIndex(found)
        definition = self._pick(topic, found, 1)
        timeline, figures = search.facts_in(self.store.facts(docs), index)
        all_sources = self._sources(docs)
        dates = sorted(s.date for s in all_sources if s.date)
        seen = sorted(self.store.ingest_times(docs).values())
        first = dates[0] if dates else (seen[0][:10] if seen else None)
        last = dates[-1] if dates else (seen[-1][:10] if seen else None)
        return Card(
            topic=topic.ref,
            as_of=self._as_of(all_sources),
            definition=search.cite(definition[0]) if definition else None,
            actors=tuple(self._actors(docs[:_ACTOR_PASSAGES], found)[:10]),
            timeline=tuple(timeline[:10]),
            figures=tuple(figures[:10]),
            quotes=tuple(_key(self._quotes(topic, found, 50), 3)),
            source_count=len(docs),
            first_seen=first,
            last_seen=last,
            related=tuple(self._related(topic, in_found)),
            sources=all_sources[:10],
        )

    def _related(self, topic: Topic, in_found: set[tuple[str, int]]) -> list[TopicRef]:
        """Other topics sharing passages with this one, most shared first."""
        scored = []
        for other in self.topic_book.all():
            if other.slug == topic.slug:
                continue
            theirs = {
                (p.sentence.doc_id, p.sentence.index)
                for p in search.passages(self.store, other, limit=_PASSAGES)
            }
            shared = len(theirs & in_found)
            if shared:
                scored.append((-shared, other.slug, other.ref))
        return [ref for _, _, ref in sorted(scored)[:5]]

    def quotes(
        self, topic: str | None = None, speaker: str | None = None, limit: int = 10
    ) -> QuoteList:
        """Direct quotations on a topic, by a speaker, or both; most relevant first."""
        if not (topic and topic.strip()) and not (speaker and speaker.strip()):
            raise BriefbotError("Name a topic or a speaker, e.g. `quotes golden-dome`.")
        resolved = self.resolve(topic) if topic and topic.strip() else None
        hits: list[QuoteHit]
        if resolved is not None:
            hits = self._quotes(resolved, self._passages(resolved), 1000)
        else:
            hits = self._all_quotes()
        if speaker and speaker.strip():
            hits = [h for h in hits if search.speaker_matches(speaker, h.quote)]
            if not hits:
                known = self.complete_speaker(speaker.split()[-1], 5) or [
                    s for s, _ in self.store.speakers()[:5]
                ]
                hint = f" Quoted speakers include: {', '.join(known)}." if known else ""
                raise BriefbotError(f"No quotes by {speaker!r}.{hint}")
        return QuoteList(resolved.ref if resolved else None, speaker, tuple(hits[:limit]))

    def _all_quotes(self) -> list[QuoteHit]:
        quotes = self.store.quotes()
        sources = self.store.sources(q.doc_id for q in quotes)
        hits = []
        for q in quotes:
            s = self.store.sentence_at(q.doc_id, q.start)
            if s is not None:
                # Longer quotes say more; ranking without a topic favours them.
                hits.append(QuoteHit(q, search.cite(s), sources[q.doc_id], float(len(q.text))))
        hits.sort(key=lambda h: (-h.score, h.quote.doc_id, h.quote.start))
        return hits

    def render(self, result: Brief | Card | QuoteList, fmt: str = "text") -> str:
        """Render a result as text, markdown or json, with the topic's template overrides."""
        overrides: tuple[tuple[str, str], ...] = ()
        ref = result.topic
        if ref is not None:
            topic = self.topic_book.get(ref.slug)
            overrides = topic.templates if topic else ()
        return self.renderer.render(result, fmt, overrides)


def _key(hits: Sequence[QuoteHit], n: int) -> list[Quote]:
    """The n quotes a brief or card shows: whole statements before a word or two."""
    # "“criminal”" is a fine search result but a thin key quote; the sort is stable, so rank
    # order holds within each group.
    ranked = sorted(hits, key=lambda h: len(h.quote.text.split()) < _KEY_QUOTE_WORDS)
    return [h.quote for h in ranked[:n]]
