"""Key phrases across a corpus, for topic suggestions."""

from __future__ import annotations

from collections.abc import Iterable


def key_phrases(texts: Iterable[str], limit: int = 10) -> list[tuple[str, int]]:
    """Candidate topic phrases with their document counts, best first."""
    return []
