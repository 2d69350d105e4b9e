"""Dates (normalised to ISO 8601) and figures (numbers with their unit or noun).

Dates: `value` is ISO 8601 at the precision written: "2019" -> "2019", "May 2025" -> "2025-05",
"May 8, 2025" and "8 May 2025" -> "2025-05-08", "the 1990s" -> "199" (a decade, ISO reduced
precision), "last week" -> "2025-W18". A day without a year takes the reference date's year
("--05-08" when there is no reference date). Weekdays and relative words ("yesterday", "last
month") need `reference_date`: a bare weekday is the most recent such day on or before it.

Figures: `value` is the plain decimal number with any multiplier applied and no unit:
"$5 billion" -> "5000000000", "£600m" -> "600000000", "3.5%" -> "3.5", "1,500 troops" -> "1500",
"80th anniversary" -> "80", "two countries" -> "2". `text` keeps the currency, the per cent sign
or the counted noun as written ("20 bilateral documents"). A bare number with neither a unit
nor a noun after it is not reported, and a year is a date, never also a figure.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from bot.models import Fact

_PLAIN_COUNTS = frozenset({"one", "two"})  # spelled-out counts that are prose (`worth_listing`)


def _words(text: str) -> frozenset[str]:
    """The white-space separated words of `text`, as a set."""
    return frozenset(text.split())


_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("January", "Jan"),
            ("February", "Feb"),
            ("March", "Mar"),
            ("April", "Apr"),
            ("May",),
            ("June", "Jun"),
            ("July", "Jul"),
            ("August", "Aug"),
            ("September", "Sept", "Sep"),
            ("October", "Oct"),
            ("November", "Nov"),
            ("December", "Dec"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November"
_MONTH += r"|December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
_YEAR = r"(?:19\d\d|20\d\d|2100)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_WD = "|".join(_WEEKDAYS)
_DATE = re.compile(
    rf"(?<![\w/.-])(?:"
    rf"(?P<iso>{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))(?![\d-])"
    rf"|(?P<m1>{_MONTH}) (?P<d1>{_DAY})(?!\d)(?:,? (?P<y1>{_YEAR})(?!\d))?"
    rf"|(?P<d2>{_DAY}) (?:of )?(?P<m2>{_MONTH})(?:,? (?P<y2>{_YEAR})(?!\d))?"
    rf"|(?P<m3>{_MONTH}),? (?P<y3>{_YEAR})(?!\d)"
    rf"|(?P<dec>(?:19|20)\d0)s\b"
    rf"|(?P<year>{_YEAR})(?![\w%]|[.,]\d)"
    rf"|(?P<rel>(?:[Ll]ast|[Nn]ext|[Tt]his) (?:{_WD}|week|month|year)|[Yy]esterday|[Tt]oday"
    rf"|[Tt]omorrow)\b"
    rf"|(?P<wd>{_WD})(?![\w’'])"
    rf")"
)
# A count word straight after a year-like number makes it a quantity ("2000 people").
_COUNT_NOUNS = _words(
    """people persons men women children troops soldiers jobs workers employees staff homes
        houses cars vehicles units copies tonnes tons km kilometres kilometers miles metres meters
        feet votes cases deaths points shares times members students patients visitors fans users
        customers signatures dollars pounds euros yen barrels acres hectares hours minutes seconds
        days weeks months years calories words pages items firms companies schools"""
)
_QUANTITY_BEFORE = re.compile(
    r"(?:over|about|some|nearly|almost|around|than|approximately|roughly|only|just|least"
    r"|exceed(?:ed|s)?|reach(?:ed|es)?) $"
)
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
_UNITS += " fifteen sixteen seventeen eighteen nineteen twenty"
_SPELLED = {w: i for i, w in enumerate(_UNITS.split())}
_SPELLED.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80})
_SPELLED.update({"ninety": 90, "hundred": 100, "dozen": 12})
_SPELLED_RE = "|".join(w for w in _SPELLED if w not in ("zero", "one"))
_FIGURE = re.compile(
    rf"(?<![\w.,/:$£€¥-])(?:(?P<cur>US\$|[$£€¥])?(?P<num>{_NUMBER})(?![\d:])"
    rf"|(?P<word>(?i:{_SPELLED_RE}))(?![\w-]))"
    r"(?P<ord>(?<=\d)(?:st|nd|rd|th)\b)?"
    r"(?P<mult>(?: (?:thousand|million|billion|trillion)|(?<=\d)(?:bn|tn|m|k))\b)?"
    r"(?P<pct>(?<=\d)(?: ?%| per ?cent\b| percent\b))?"
)
_MULTIPLIERS = {
    "thousand": Decimal(1000),
    "k": Decimal(1000),
    "million": Decimal(10**6),
    "m": Decimal(10**6),
    "billion": Decimal(10**9),
    "bn": Decimal(10**9),
    "trillion": Decimal(10**12),
    "tn": Decimal(10**12),
}
# Up to three lower-case words after a number: the counted noun and its modifiers.
# Lower-case words only, each whole: "six million iPods" counts no noun, not "i".
_NOUN_WORDS = re.compile(
    r"(?:-[a-z]+(?:-[a-z]+)*)?(?: (?:[a-z][a-z’'-]*[a-z]|[a-z])(?![\w’'-])){0,3}"
)
_NOT_NOUNS = _words(
    """a an the and or but of in on at to for from by with as per than that which who whom is
        are was were be been being has have had will would could should may might can do does did
        said says say this these those it its their his her our your my into over under about
        after before since until during between among against within without while when where
        percent cent more less most least each every other such so very too also only just even
        still not no nor up down out off again ago later earlier"""
)


_DIGITS = re.compile(r"[0-9]+")
_CURRENCIES = frozenset("$£€¥")
_TRIGGERS = frozenset(
    [*_MONTHS, *_WEEKDAYS, *(w for w in _SPELLED if w not in ("zero", "one"))]
    + [w.capitalize() for w in _SPELLED if w not in ("zero", "one")]
    + [*_words("last Last next Next this This yesterday Yesterday today Today tomorrow Tomorrow")]
)
_AFTER_TRIGGER = ' , . ; : ) ’s \'s ? ! ” " .” ,” ." ,"'
# Trigger words as they may stand between spaces: with brackets, quotes or punctuation.
_TRIGGER_FORMS = {
    f"{pre}{word}{post}": word
    for word in _TRIGGERS
    for pre in ("", "(", "“", '"', "‘", "'")
    for post in _AFTER_TRIGGER.split(" ")
}
_TRIGGER_SET = frozenset(_TRIGGER_FORMS)


def _iso_week(day: dt.date) -> str:
    """The ISO 8601 week of a day, as "2025-W18"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _relative(phrase: str, ref: dt.date) -> str | None:
    """Resolve 'yesterday', 'last week', 'next Friday' and the like against `ref`."""
    words = phrase.lower().split()
    if words == ["yesterday"]:
        return (ref - dt.timedelta(days=1)).isoformat()
    if words == ["today"]:
        return ref.isoformat()
    if words == ["tomorrow"]:
        return (ref + dt.timedelta(days=1)).isoformat()
    step = {"last": -1, "this": 0, "next": 1}[words[0]]
    unit = words[1]
    if unit == "week":
        return _iso_week(ref + dt.timedelta(weeks=step))
    if unit == "year":
        return str(ref.year + step)
    if unit == "month":
        month = ref.year * 12 + ref.month - 1 + step
        return f"{month // 12:04d}-{month % 12 + 1:02d}"
    weekday = _WEEKDAYS.index(unit.capitalize())
    back = (ref.weekday() - weekday) % 7
    if step < 0:
        return (ref - dt.timedelta(days=back or 7)).isoformat()
    if step > 0:
        return (ref + dt.timedelta(days=(weekday - ref.weekday()) % 7 or 7)).isoformat()
    return (ref - dt.timedelta(days=back)).isoformat()


def _ok(year: int, month: int, day: int) -> bool:
    """Whether the day exists in that month of that year."""
    return day <= calendar.monthrange(year, month)[1]


def _day_value(month: str, day: str, year: str | None, ref: dt.date | None) -> str | None:
    """ISO date for a written day and month, or None when no such day exists."""
    m = _MONTHS[month.rstrip(".")]
    d = int(day.rstrip("stndrh"))
    if d > calendar.monthrange(int(year) if year else 2000, m)[1]:
        return None
    if year:
        return f"{int(year):04d}-{m:02d}-{d:02d}"
    if ref is None:
        return f"--{m:02d}-{d:02d}"
    # Without a year, news means the nearest such day: "11 November" read in January is past.
    days = [
        dt.date(y, m, d) for y in (ref.year - 1, ref.year, ref.year + 1) if d <= 28 or _ok(y, m, d)
    ]
    return min(days, key=lambda day: (abs((day - ref).days), day)).isoformat()


def _date_value(m: re.Match[str], text: str, ref: dt.date | None) -> str | None:
    """The ISO 8601 value of a date match, or None if it is not a date after all."""
    g = m.group
    if g("iso"):
        return g("iso")
    if g("m1"):
        return _day_value(g("m1"), g("d1"), g("y1"), ref)
    if g("m2"):
        return _day_value(g("m2"), g("d2"), g("y2"), ref)
    if g("m3"):
        return f"{g('y3')}-{_MONTHS[g('m3').rstrip('.')]:02d}"
    if g("dec"):
        return g("dec")[:3]
    if g("year"):
        before = text[max(0, m.start() - 14) : m.start()]
        if before[-1:] in ("$", "£", "€", "¥") or _QUANTITY_BEFORE.search(before):
            return None
        follow = _NOUN_WORDS.match(text, m.end())
        after = follow.group().split() if follow else []
        if after and after[0] in _COUNT_NOUNS:
            return None
        return g("year")
    if ref is None:
        return None
    if g("rel"):
        return _relative(g("rel"), ref)
    return _relative("this " + g("wd"), ref)


def _number_value(m: re.Match[str]) -> str | None:
    """The figure's plain decimal value, multiplier applied."""
    num, word, mult = m.group("num"), m.group("word"), m.group("mult")
    if num and not mult and num.isdigit():
        return str(int(num))  # the common case, without Decimal
    try:
        value = Decimal(num.replace(",", "")) if num else Decimal(_SPELLED[word.lower()])
    except InvalidOperation:
        return None
    if mult:
        value *= _MULTIPLIERS[mult.strip()]
    return format(value.normalize(), "f")


def _noun_end(text: str, end: int) -> int | None:
    """End offset of the noun counted by a number ending at `end`, or None if there is none."""
    m = _NOUN_WORDS.match(text, end)
    if m is None:
        return None
    pos, first_end, first = end, None, ""
    # Walk the words: stop at a function word; the first plural ends the phrase.
    for piece in m.group().split(" "):
        word, piece_end = piece.lstrip("-"), pos + len(piece)
        pos = piece_end + 1
        if not word:
            continue
        if word in _NOT_NOUNS:
            break
        if first_end is None:
            first_end, first = piece_end, word
        if len(word) > 2 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            return piece_end
    if first.endswith(("ed", "ing", "ly")):
        return None  # "2025.5 stayed": a verb or adverb follows, not a counted noun
    return first_end


def _parse_reference(reference_date: str | None) -> dt.date | None:
    """The reference day from an ISO date or timestamp; None when absent or unreadable."""
    if not reference_date:
        return None
    try:
        return dt.date.fromisoformat(reference_date[:10])
    except ValueError:
        return None


def _word_starts(text: str) -> list[int]:
    """Offsets of the words that may open a written date or a spelled-out number."""
    # A C-speed split tells which trigger words occur at all; only those are then located.
    spaced = text.replace("—", " ").replace("–", " ").replace("/", " ")
    present = {_TRIGGER_FORMS[w] for w in _TRIGGER_SET.intersection(spaced.split())}
    starts: list[int] = []
    for word in present:
        i = text.find(word)
        while i >= 0:
            j = i + len(word)
            if (i == 0 or not text[i - 1].isalnum()) and (j == len(text) or not text[j].isalnum()):
                starts.append(i)
            i = text.find(word, j)
    return starts


def extract_facts(text: str, doc_id: str = "", reference_date: str | None = None) -> list[Fact]:
    """Return the dates and figures in `text`, with offsets."""
    ref = _parse_reference(reference_date)
    facts: list[Fact] = []
    starts = [m.start() for m in _DIGITS.finditer(text)]
    starts.extend(_word_starts(text))
    starts.sort()
    done = 0  # end of the last fact: candidates inside it are skipped
    for pos in starts:
        if pos < done:
            continue
        m = _DATE.match(text, pos)
        value = _date_value(m, text, ref) if m else None
        if m and value is not None:
            facts.append(Fact("date", m.group(), value, doc_id, pos, m.end()))
            done = m.end()
            continue
        if text[pos - 1 : pos] in _CURRENCIES:
            pos -= 3 if text[max(0, pos - 3) : pos] == "US$" else 1
        f = _FIGURE.match(text, pos)
        if f is None:
            continue
        end = f.end()
        if not (f.group("cur") or f.group("pct")):
            # A bare number needs its noun to be a figure ("3 x-rays"), not a page or a list
            # item; "6 million" is one with or without it ("6 million iPods").
            noun = _noun_end(text, end)
            if noun is None and not f.group("mult"):
                continue
            end = noun or end
        value = _number_value(f)
        if value is not None:
            facts.append(Fact("figure", text[pos:end], value, doc_id, pos, end))
            done = end
    return facts


def worth_listing(fact: Fact) -> bool:
    """Whether a fact belongs among a briefing's figures and dates ("two countries" does not)."""
    # A count this small, spelled out, is how prose refers to things ("the two sides", "one
    # official"), not a figure a reader scans for.
    return fact.kind != "figure" or fact.text.split(maxsplit=1)[0].lower() not in _PLAIN_COUNTS
