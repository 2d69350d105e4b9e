"""The learned speaker reranker: it loads, it keeps the rules' picks, it names missed speakers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.analysis.quotes as quotes_module
from bot.analysis import reranker
from bot.analysis.contexts import Doc, sentence_starts
from bot.analysis.marks import find_pieces
from bot.analysis.quotes import extract_quotes, speaker_candidates
from bot.analysis.reranker import Candidate, Gatherer, Model, choose, model
from bot.analysis.speakers import Mention
from tests.test_quotes import SEED_QUOTES, check_offsets, mention, seed_body

ROUTES = {"adj", "cue", "subject", "inherit", "none", "mute"}
# The rules find no cue for the quotation: its speaker is only in the sentence before.
MISSED = (
    "Councilwoman Rita Okafor was blunt about the budget at the meeting on Thursday night. "
    "In her view the plan was “a betrayal of every family that was promised a new school here.”"
)


@pytest.fixture
def rules_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Extraction with the model switched off, as when its weights file is absent."""
    monkeypatch.setattr(quotes_module, "model", lambda: Model({}, float("inf"), 1.0, frozenset()))
    yield


def test_the_fitted_model_loads() -> None:
    m = model()
    assert m.weights and all(isinstance(v, float) for v in m.weights.values())
    assert m.routes <= ROUTES
    assert 0.0 < m.threshold <= 1.0
    assert m.margin > 0.0


def test_the_model_keeps_the_rules_picks_on_the_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    text = seed_body()
    with_model = extract_quotes(text, "seed")
    monkeypatch.setattr(quotes_module, "model", lambda: Model({}, float("inf"), 1.0, frozenset()))
    assert extract_quotes(text, "seed") == with_model


def test_the_model_changes_no_seed_speaker() -> None:
    text = seed_body()
    quotes = extract_quotes(text, "seed")
    check_offsets(text, quotes)
    got = [(mention(text, q), q.speaker, q.cue) for q in quotes]
    assert got == [(m, name, cue) for _, m, name, cue in SEED_QUOTES]


def test_the_model_names_a_speaker_the_rules_missed(rules_only: None) -> None:
    # With the rules alone the quotation has nobody (route "none") ...
    assert [q.speaker for q in extract_quotes(MISSED)] == [None]


def test_the_model_fills_in_the_speaker_of_the_sentence_before() -> None:
    # ... and the model credits the councilwoman named just before it, with no cue.
    if "none" not in model().routes:
        pytest.skip("the fitted model does not act on the rules' empty picks")
    quotes = extract_quotes(MISSED)
    check_offsets(MISSED, quotes)
    assert [(mention(MISSED, q), q.speaker, q.cue) for q in quotes] == [
        ("Councilwoman Rita Okafor", "Councilwoman Rita Okafor", None)
    ]


def test_candidates_hold_the_rules_pick_and_the_previous_speaker() -> None:
    text = (
        "“The bridge will reopen in May,” said Tomas Rind, the county engineer. "
        "His deputy, Lena Moss, disagreed. “The steel has not even arrived,” she said."
    )
    found = speaker_candidates(text)
    assert [route for _, _, route, _ in found] == ["adj", "adj"]
    _, rule, _, cands = found[1]
    names = [c.mention.text for c in cands]
    assert rule is not None and rule.text == "she" and "she" in names
    assert "Tomas Rind" in names and "Lena Moss" in names
    assert all(c.feats for c in cands)  # fitting needs the features
    rule_feats = next(c.feats for c in cands if c.mention == rule)
    assert "rule" in rule_feats and "kind=pron_he" in rule_feats


def test_gatherer_scores_without_features_unless_asked() -> None:
    text = "“We are ready for the storm,” the mayor said on Friday."
    pieces = find_pieces(text)
    doc = Doc(text, sentence_starts(text), [(p.start - 1, p.end + 1) for p in pieces])
    cands = Gatherer(doc).gather(pieces[0], None, "none", None, True)
    assert [c.mention.text for c in cands] == ["the mayor"]
    assert cands[0].feats == ()


def test_choose_keeps_the_rule_unless_beaten_by_the_margin(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = Mention(0, 2, "he")
    other = Mention(10, 15, "Smith")
    cands = [Candidate(rule, 0.0, ()), Candidate(other, 1.5, ())]
    monkeypatch.setattr(reranker, "model", lambda: Model({"x": 1.0}, 2.0, 0.5, frozenset()))
    assert choose(cands, rule) == rule
    monkeypatch.setattr(reranker, "model", lambda: Model({"x": 1.0}, 1.0, 0.5, frozenset()))
    assert choose(cands, rule) == other
    # With no rule pick, only a candidate the model is sure enough of.
    assert choose(cands, None) == other  # p = 0.82
    monkeypatch.setattr(reranker, "model", lambda: Model({"x": 1.0}, 1.0, 0.9, frozenset()))
    assert choose(cands, None) is None


def test_no_weights_file_means_the_rules_decide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reranker, "_WEIGHTS", Path("/nonexistent/quotes_speakers.json"))
    model.cache_clear()
    try:
        m = model()
        assert (m.weights, m.routes) == ({}, frozenset())
        rule = Mention(0, 2, "he")
        assert choose([Candidate(Mention(5, 9, "Kate"), 9.0, ())], rule) == rule
    finally:
        model.cache_clear()
