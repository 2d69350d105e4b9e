"""Persistence: every SQL statement of briefbot lives in this package."""

from bot.store.database import SCHEMA_VERSION, Database
from bot.store.digests import DigestStore
from bot.store.documents import DocumentStore
from bot.store.passages import Passage

__all__ = ["SCHEMA_VERSION", "Database", "DigestStore", "DocumentStore", "Passage"]
