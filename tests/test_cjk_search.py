"""Chinese and Japanese documents: found by words inside runs the full-text index cannot split."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.briefing import Briefing
from bot.errors import UnknownTopic
from bot.topics import TopicBook
from tests.conftest import BRIEFS

# Invented for these tests: a short Chinese report on the seed's subject, and the weather.
ZH = """---
id: zh-golden-dome
title: 中俄联合声明批评“金穹”导弹防御系统
date: 2025-05-09
---
中国和俄罗斯周四发表联合声明，指责美国加剧核战争风险。声明特别批评了美国新宣布的“金穹”全球导弹防御系统，\
该系统包括天基拦截武器。根据声明，“金穹”系统将使太空变成战场。当天莫斯科天气晴朗，气温二十度。
"""


@pytest.fixture
def zh_app(app: Briefing, tmp_path: Path) -> Briefing:
    path = tmp_path / "zh.md"
    path.write_text(ZH, encoding="utf-8")
    assert not app.ingest([path]).skipped
    return app


def test_free_text_finds_a_word_inside_a_run_of_characters(zh_app: Briefing) -> None:
    """ "导弹防御" stands inside "全球导弹防御系统": found, and marked in the snippet."""
    (hit,) = zh_app.search("导弹防御")
    assert hit.doc_id == "zh-golden-dome" and "[导弹防御]" in hit.snippet
    both = zh_app.search("太空 战场")  # every word first
    assert [h.sentence.text for h in both] == ["根据声明，“金穹”系统将使太空变成战场。"]
    either = zh_app.search("太空 潜艇")  # no sentence has both: any of them
    assert [h.sentence.text for h in either] == ["根据声明，“金穹”系统将使太空变成战场。"]
    assert zh_app.search("潜艇") == []


def test_a_chinese_free_text_topic_gets_a_brief_from_its_passages(zh_app: Briefing) -> None:
    brief = zh_app.brief("导弹防御")
    lines = [c.text for c in brief.tldr + brief.points]
    assert lines and all("导弹防御" in t for t in lines)
    assert "天气" not in " ".join(lines)
    with pytest.raises(UnknownTopic):
        zh_app.brief("潜艇")  # nothing matches: unknown, as for any free text


def test_a_topic_file_may_name_its_subject_in_chinese(zh_app: Briefing, tmp_path: Path) -> None:
    """Chinese aliases find Chinese passages; the English keywords still find English ones."""
    briefs = tmp_path / "briefs"
    briefs.mkdir()
    (briefs / "templates").symlink_to(BRIEFS / "templates")
    (briefs / "golden-dome.yaml").write_text(
        (BRIEFS / "golden-dome.yaml")
        .read_text(encoding="utf-8")
        .replace("aliases:\n", "aliases:\n  - 金穹\n"),
        encoding="utf-8",
    )
    zh_app.topic_book = TopicBook(briefs)
    (info,) = [t for t in zh_app.topics() if t.slug == "golden-dome"]
    assert info.documents == 2
    card = zh_app.card("golden-dome")
    assert card.source_count == 2


def test_percent_and_underscore_in_a_term_are_taken_literally(zh_app: Briefing) -> None:
    assert zh_app.search("金穹 100%") != []  # any word: 金穹 matches, "100%" matches nothing
    assert zh_app.store.search_substrings(["%"], 10) == []
    assert zh_app.store.search_substrings(["_"], 10) == []
