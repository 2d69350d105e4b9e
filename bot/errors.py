"""Error types: a user error's message is safe to show; anything else is a bug."""

from __future__ import annotations


class BriefbotError(Exception):
    """An error caused by the user's input; its message is safe to show to that user."""


class UnknownTopic(BriefbotError):
    """A topic name with no YAML file and no matching passages."""

    def __init__(self, name: str, closest: list[str]) -> None:
        self.name = name
        self.closest = closest
        hint = f" Closest topics: {', '.join(closest)}." if closest else ""
        super().__init__(f"Unknown topic {name!r}: no topic file and no matching passages.{hint}")


class UnknownDocument(BriefbotError):
    """A document id that is not stored."""

    def __init__(self, doc_id: str) -> None:
        self.doc_id = doc_id
        super().__init__(f"No document with id {doc_id!r}. Run `briefbot documents` to list them.")


class TopicFileError(BriefbotError):
    """A topic YAML file that cannot be read; names the file and line."""


class ConfigError(BriefbotError):
    """A bad setting in briefbot.yaml or the environment."""


class SchemaError(BriefbotError):
    """The database was written by another version of briefbot."""


class DatabaseUnusable(BriefbotError):
    """The database path cannot be opened, or holds something that is not an SQLite database."""


class DeliveryError(Exception):
    """A platform refused or failed a post; says whether and when to try again."""

    def __init__(
        self, reason: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        self.reason = reason
        self.permanent = permanent  # channel gone, bot removed, missing permission
        self.retry_after = retry_after  # seconds, from a 429's Retry-After
        super().__init__(reason)
