"""The word lists behind entity rules: places, organisations, titles, names and stop words."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from bot import DATA_DIR


@dataclass(frozen=True)
class Lexicons:
    """The word lists the rules consult, loaded once from `bot/data/entities_*.txt`."""

    places: dict[str, str]
    orgs: dict[str, str]
    demonyms: frozenset[str]
    titles: frozenset[str]
    title_mods: frozenset[str]
    given: frozenset[str]
    stop: frozenset[str]
    starts: frozenset[str]  # first words of titles and of multi-word lexicon names
    starts2: frozenset[str]  # first two words of multi-word lexicon names ("New York")
    heads: dict[str, frozenset[str]]  # org_suffix, org_head, misc, place_head


def _lines(name: str) -> list[str]:
    """Return the non-comment lines of a lexicon file shipped in `bot/data`."""
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def _aliases(name: str) -> dict[str, str]:
    """Map each name and alias in a lexicon file to its canonical name."""
    pairs = (line.partition("|") for line in _lines(name))
    return {alias: canonical or alias for alias, _, canonical in pairs}


@cache
def lexicons() -> Lexicons:
    """Load every entity lexicon (once per process)."""
    titles = _lines("entities_titles.txt")
    words = " ".join(_lines("entities_stopwords.txt")).split()
    places, orgs = _aliases("entities_places.txt"), _aliases("entities_orgs.txt")
    starts = {t.lstrip("@").split()[0] for t in titles}
    starts.update(n.split()[0] for n in (*places, *orgs))
    heads: dict[str, set[str]] = {}
    for line in _lines("entities_heads.txt"):
        section, _, members = line.partition(":")
        heads.setdefault(section.strip(), set()).update(members.split())
    return Lexicons(
        heads={k: frozenset(v) for k, v in heads.items()},
        places=places,
        orgs=orgs,
        starts=frozenset(starts),
        starts2=frozenset(" ".join(n.split()[:2]) for n in (*places, *orgs) if " " in n),
        demonyms=frozenset(_lines("entities_demonyms.txt")),
        titles=frozenset(t for t in titles if not t.startswith("@")),
        title_mods=frozenset(t[1:] for t in titles if t.startswith("@")),
        given=frozenset(" ".join(_lines("entities_given_names.txt")).split()),
        stop=frozenset(words),
    )
