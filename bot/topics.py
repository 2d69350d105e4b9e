"""Topics defined in `briefs/<slug>.yaml`: title, aliases, keywords, facts, template overrides."""

from __future__ import annotations

import difflib
import logging
import re
from pathlib import Path
from typing import Any

from bot.corpus import BadYaml, load_yaml
from bot.errors import TopicFileError
from bot.models import Topic

log = logging.getLogger(__name__)

_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """A URL- and file-safe slug: "Arms race!" -> "arms-race"."""
    return _SLUG.sub("-", name.lower()).strip("-") or "query"


def _strings(data: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = data.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise TopicFileError(f"{path}: `{key}` must be a list of strings")
    return tuple(str(v) for v in value)


_FIELDS = frozenset({"title", "aliases", "keywords", "facts", "templates"})


def load_topic(path: Path) -> Topic:
    """Read one topic file; a malformed one raises TopicFileError naming the file and line."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except BadYaml as exc:
        where = f"{path}:{exc.line}" if exc.line is not None else str(path)
        raise TopicFileError(f"{where}: malformed YAML: {exc.problem}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TopicFileError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise TopicFileError(f"{path}:1: a topic file must be a mapping with at least `title`")
    for key in data:
        if str(key) not in _FIELDS:  # "alias:" for "aliases:" would match nothing, in silence
            close = difflib.get_close_matches(str(key), sorted(_FIELDS), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise TopicFileError(f"{path}: unknown field `{key}`{hint}")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise TopicFileError(f"{path}: missing `title`")
    templates = data.get("templates") or {}
    if not isinstance(templates, dict):
        raise TopicFileError(f"{path}: `templates` must map a kind (brief, card) to a file name")
    return Topic(
        slug=path.stem,
        title=title.strip(),
        aliases=_strings(data, "aliases", path),
        keywords=_strings(data, "keywords", path),
        facts=_strings(data, "facts", path),
        templates=tuple(sorted((str(k), str(v)) for k, v in templates.items())),
    )


class TopicBook:
    """The topics of a `briefs/` folder, read once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._topics: dict[str, Topic] = {}
        if folder.is_dir():
            for path in sorted(folder.glob("*.yaml")):
                topic = load_topic(path)
                self._topics[topic.slug] = topic
        else:
            log.warning("topics folder %s does not exist; every name is a free-text query", folder)

    def all(self) -> list[Topic]:
        """Every defined topic, by slug."""
        return list(self._topics.values())

    def get(self, name: str) -> Topic | None:
        """The topic with this slug or title, if defined."""
        slug = slugify(name)
        if slug in self._topics:
            return self._topics[slug]
        for topic in self._topics.values():
            if name.strip().lower() in (topic.title.lower(), *(a.lower() for a in topic.aliases)):
                return topic
        return None

    def closest(self, name: str, n: int = 3) -> list[str]:
        """The slugs nearest to a name, for "did you mean"."""
        slugs = list(self._topics)
        found = difflib.get_close_matches(slugify(name), slugs, n=n, cutoff=0.4)
        if not found:
            words = set(slugify(name).split("-"))
            found = [s for s in slugs if words & set(s.split("-"))][:n]
        return found or slugs[:n]
