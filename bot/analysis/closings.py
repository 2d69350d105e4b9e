"""Who says a quotation, read from the words after it: `“…,” Trump said`, `“…,” said Putin`.

Also the sentence's closing clause ("…, the panel said Tuesday."), the agent of a passive speech
verb ("labeled a “witch hunt” by Democrats"), a cited outer source ("…, according to CNN") and a
signature line ("- Sanders.") after a quoted paragraph.
"""

from __future__ import annotations

import re

from bot.analysis.attributions import TOLD, Attribution
from bot.analysis.speakers import (
    INVERTED,
    NOT_HEADS,
    PRONOUNS,
    SKIP,
    Mention,
    Token,
    cue_at,
    passive,
    span_mention,
    subject_after,
    subject_before,
    tokens,
    word_set,
)

_REPORTS = word_set("reports reported")
_REPORT_ADVERBS = word_set("first also later earlier previously initially")
_PREPOSITIONS = word_set("without despite amid against through toward towards among")
_ADVERBS = word_set("also then later has had once again further")


def attribute_after(
    text: str, toks: list[Token], reach: int = 10, opens: bool = False
) -> Attribution | None:
    """`“…,” Trump said` or `“…,” said Putin`: a cue within the first words after the quote."""
    if len(toks) > reach and toks[0].cap and toks[0].low not in PRONOUNS:
        # "“…,” Trump, the 2016 GOP front-runner and …, said": a long apposition.
        k = next((k for k, t in enumerate(toks[:6]) if t.text == ","), -1)
        end = next((e for e in range(k + 1, min(len(toks), 30)) if toks[e].text == ","), -1)
        if k > 0 and end > 0 and end + 1 < len(toks) and cue_at(toks, end + 1):
            cue = text[toks[end + 1].start : toks[end + cue_at(toks, end + 1)].end]
            return Attribution(
                Mention(toks[0].start, toks[k - 1].end, text[toks[0].start : toks[k - 1].end]), cue
            )
    for i, tok in enumerate(toks[:reach]):
        if tok.text in ";:":
            return None
        n = cue_at(toks, i)
        if not n or passive(toks, i):
            continue
        cue = text[tok.start : toks[i + n - 1].end]
        if i == 0 or all(t.low in _ADVERBS for t in toks[:i]) or toks[i - 1].text == ",":
            # "“…,” said Putin", "“…” for Clinton, said Kunin": the speaker follows the cue.
            # "“…,” Butz, 49, told The Huffington Post": who is told does not speak.
            # "“…,” exhorted Clinton’s introducer": any speech verb right after a quotation that
            # opens its sentence comes before its subject.
            fronted = opens and i == 0 and not tok.low.endswith("ing")
            inverted = (tok.low in INVERTED or fronted) and tok.low not in TOLD
            mention = subject_after(text, toks, i + n) if inverted else None
            if mention is None and i > 0:
                mention = subject_before(text, toks, i)
        else:
            mention = subject_before(text, toks, i) or _bare_description(text, toks, i)
            # Only a subject right after the quote attributes it, perhaps after its titles
            # ("former congressman Dan Maffei said") or in an apposition ("the chief, Ilse
            # Berg, said").
            first = 1 if toks[0].text == "," and len(toks) > 1 else 0
            if toks[first].low == "as" and first + 1 < i:
                first += 1  # "“…,” as his campaign manager suggested"
            if mention is not None and mention.start > toks[first].start:
                k = next(k for k, t in enumerate(toks) if t.start == mention.start)
                lead = toks[first:k]
                # Titles come before a name, never before a pronoun ("…, including
                # provisions he said").
                titles = (
                    len(lead) <= 6
                    and mention.words[0] not in PRONOUNS
                    and all(
                        t.text not in ",;:"
                        and t.low not in NOT_HEADS
                        and (t.cap or not cue_at(toks, first + j))
                        for j, t in enumerate(lead)
                    )
                )
                # An apposition is a noun phrase ("the chief,"), not a clause ("and mishandled
                # classified information, he said").
                apposition = (
                    toks[k - 1].text == ","
                    and not first
                    and lead[0].low not in {"and", "or", "but"}
                    and all(t.text != "," for t in lead[:-1])
                )
                # "“…,” nuclear experts David Albright and Serena … wrote": after a quotation
                # closed by a comma, a long subject runs from the quotation to its cue.
                long_subject = (
                    reach > 10
                    and opens
                    and mention.text.split()[-1][:1].isupper()  # a name ends the subject
                    and mention.words[0] not in PRONOUNS
                    and lead[0].low not in NOT_HEADS
                    and all(
                        t.text not in ",;:" and t.low not in SKIP and not cue_at(toks, first + j)
                        for j, t in enumerate(lead)
                    )
                )
                if long_subject and not titles and not apposition:
                    mention = span_mention(text, toks[first : k + len(mention.words)])
                elif not titles and not apposition:
                    mention = None
        if mention is not None:
            return Attribution(mention, cue)
        return None
    return None


def _bare_description(text: str, toks: list[Token], i: int) -> Mention | None:
    """A description with no determiner right before the cue: "federal prosecutors wrote"."""
    lead = toks[:i]
    while lead and (lead[-1].low in SKIP or lead[-1].low.endswith("ly")):
        lead = lead[:-1]
    if lead and lead[0].text == ",":
        lead = lead[1:]
    if not 1 <= len(lead) <= 4 or any(
        t.text in ",;:" or t.low in NOT_HEADS or t.low in _PREPOSITIONS for t in lead
    ):
        return None  # "without reporters asking": an object, not a subject
    return Mention(lead[0].start, lead[-1].end, text[lead[0].start : lead[-1].end])


def attribute_final(text: str, toks: list[Token]) -> Attribution | None:
    """The sentence's last clause when it is an attribution: "…, the panel said Tuesday."."""
    commas = [k for k, t in enumerate(toks) if t.text == ","]
    # One of the last three clauses ("…, said David Wasserman, an analyst at …").
    for c in commas[::-1][:3]:
        if len(toks) - c > 14:
            break
        attr = attribute_after(text, toks[c + 1 :], reach=8)
        if attr is not None:
            return attr
    return None


def according(text: str, toks: list[Token]) -> Attribution | None:
    """An "according to …" source later in the quotation's sentence."""
    for i, tok in enumerate(toks):
        if tok.low == "according" and cue_at(toks, i) == 2:
            mention = subject_after(text, toks, i + 2)
            if mention is not None:
                return Attribution(mention, text[tok.start : toks[i + 1].end])
        if tok.low in _REPORTS and i > 1 and toks[i - 1].text == ",":
            # "“…,” said Kristen Day, reports USA Today.": the outlet is cited.
            mention = subject_after(text, toks, i + 1)
            if mention is not None and _outlet(mention):
                return Attribution(mention, tok.text)
        if tok.low in _REPORTS and i > 2:
            # "“…,” Sanders said, CNN reported.", "…, the Chicago Tribune first reported.":
            # likewise, when the outlet's name is all the clause holds before the verb.
            j = i - 1
            while j > 0 and toks[j].low in _REPORT_ADVERBS:
                j -= 1
            k = j
            while k > 0 and (toks[k].cap or toks[k].low == "the") and toks[k - 1].text != ",":
                k -= 1
            if k > 0 and toks[k - 1].text == "," and toks[j].cap:
                mention = subject_before(text, toks, j + 1)
                if mention is not None:
                    return Attribution(mention, tok.text)
    return None


def _outlet(m: Mention) -> bool:
    """Whether a mention names an outlet: "USA Today", "the Washington Examiner"."""
    words = m.text.split()
    return m.text[:1].isupper() or (len(words) > 1 and words[0] == "the" and words[1][:1].isupper())


def agent(text: str, before: list[Token], after: list[Token]) -> Attribution | None:
    """The "by …" agent after a quotation introduced by a passive speech verb."""
    if len(after) < 2 or after[0].low != "by":
        return None
    for j in range(len(before) - 1, max(-1, len(before) - 5), -1):
        if before[j].low.endswith("ed") and cue_at(before, j):
            mention = subject_after(text, after, 1)
            return Attribution(mention, before[j].text) if mention is not None else None
    return None


_SIGNATURE = re.compile(r"[.!?]?[ \t]*\n+[ \t]*[-—–][ \t]*(?=[A-Z])")


def signature(text: str, close_at: int) -> Attribution | None:
    """A dash and a name opening the paragraph after a quotation that ends its own."""
    m = _SIGNATURE.match(text, close_at)
    if m is None:
        return None
    end = text.find("\n", m.end())
    line = text[m.end() : len(text) if end < 0 else end].rstrip(" .")
    if line.endswith(("-", "—", "–")):
        return None  # "– Ready to quiz Trump –.": a section heading, not a signature
    toks = tokens(line, 0, min(len(line), 120))
    k = 0
    while k < len(toks) and toks[k].cap:
        k += 1  # the name runs to its first comma or lower-case word ("-President Obama, …")
    if k == 0 or k > 6 or (k < len(toks) and toks[k].text != ","):
        return None
    at = m.end()
    dash = m.group().strip(" \t\n.!?")  # the cue as written: "-", "—" or "–"
    return Attribution(Mention(at, at + toks[k - 1].end, line[: toks[k - 1].end]), dash)
