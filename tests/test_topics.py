"""Topic files: loading, lookup by slug, title or alias, closest names, malformed YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import TopicFileError
from bot.topics import TopicBook, load_topic, slugify
from tests.conftest import BRIEFS


def test_shipped_topics_load_with_facts() -> None:
    book = TopicBook(BRIEFS)
    slugs = [t.slug for t in book.all()]
    assert "golden-dome" in slugs and len(slugs) >= 4
    assert all(len(t.facts) >= 3 for t in book.all())


def test_lookup_by_slug_title_alias() -> None:
    book = TopicBook(BRIEFS)
    assert book.get("golden-dome") is book.get("Golden Dome for America")
    assert book.get("GOLDEN DOME") is not None
    assert book.get("nothing like it") is None
    assert book.closest("golden-doom")[0] == "golden-dome"


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    p = tmp_path / "broken.yaml"
    p.write_text("title: Broken\naliases: [one, two\nfacts: []\n")
    with pytest.raises(TopicFileError, match=r"broken\.yaml:\d+: malformed YAML"):
        load_topic(p)
    d = tmp_path / "baddate.yaml"
    d.write_text("title: Dated\nsince: 2025-13-45\n")  # well-formed, but no such date
    with pytest.raises(TopicFileError, match=r"baddate\.yaml: malformed YAML: month must be"):
        load_topic(d)
    typo = tmp_path / "typo.yaml"
    typo.write_text("title: Typo\nalias: [x]\n")  # would match nothing, in silence
    with pytest.raises(
        TopicFileError, match=r"typo\.yaml: unknown field `alias`; did you mean `aliases`"
    ):
        load_topic(typo)
    q = tmp_path / "notitle.yaml"
    q.write_text("aliases: [x]\n")
    with pytest.raises(TopicFileError, match="missing `title`"):
        load_topic(q)


def test_slugify() -> None:
    assert slugify("Arms race!") == "arms-race"
    assert slugify("  ") == "query"
