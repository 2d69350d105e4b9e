"""Dates (normalised to ISO 8601) and figures (numbers with their unit or noun)."""

from __future__ import annotations

from bot.models import Fact


def extract_facts(text: str, doc_id: str = "", reference_date: str | None = None) -> list[Fact]:
    """Return the dates and figures in `text`, with offsets."""
    return []
