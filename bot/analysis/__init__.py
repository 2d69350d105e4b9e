"""Text analysis run once at ingest: sentences, entities, facts and quotes, all with offsets."""

from __future__ import annotations

from dataclasses import dataclass

from bot.analysis.entities import extract_entities
from bot.analysis.facts import extract_facts
from bot.analysis.quotes import extract_quotes
from bot.analysis.sentences import split_sentences
from bot.models import Entity, Fact, Quote, Sentence

# Bump when any extractor changes what it finds; `briefbot reindex` re-runs stale documents.
ANALYSIS_VERSION = 9


@dataclass(frozen=True)
class Analysis:
    """Everything found in one document."""

    sentences: tuple[Sentence, ...]
    entities: tuple[Entity, ...]
    facts: tuple[Fact, ...]
    quotes: tuple[Quote, ...]


def analyse(text: str, doc_id: str, date: str | None = None) -> Analysis:
    """Run every extractor over one document's text."""
    sentences = split_sentences(text, doc_id)
    entities = extract_entities(text, doc_id)
    facts = extract_facts(text, doc_id, reference_date=date)
    quotes = extract_quotes(text, doc_id, people=entities)
    return Analysis(tuple(sentences), tuple(entities), tuple(facts), tuple(quotes))
