"""Rendering results as text, Markdown (jinja2 templates in `briefs/templates/`) or JSON."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import jinja2

from bot.errors import BriefbotError
from bot.models import Brief, Card, QuoteList

log = logging.getLogger(__name__)

FORMATS = ("text", "markdown", "json")
_SUFFIX = {"text": "txt", "markdown": "md"}


def _kind(result: Brief | Card | QuoteList) -> str:
    return {Brief: "brief", Card: "card", QuoteList: "quotes"}[type(result)]


def to_json(data: Any) -> str:
    """The JSON contract's serialisation: UTF-8 text, stable key order as built."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def _oneline(text: str) -> str:
    return " ".join(text.split())


def _attribution(speaker: str | None, cue: str | None) -> str:
    """Who said it, as a citation names a source: "Xi Jinping", "according to the statement"."""
    # The cue is stored as written ("According to" opening its sentence, "said", ":"); only
    # "according to" changes how the source reads ("X, said" or "X, told" would not).
    who = speaker or "unattributed"
    if speaker and cue and _oneline(cue).lower() == "according to":
        return f"according to {who}"
    return who


class Renderer:
    """Renders results through the templates of one folder."""

    def __init__(self, templates: Path) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates)),
            undefined=jinja2.StrictUndefined,  # a template typo fails loudly, not silently
            autoescape=False,  # plain text and Markdown; platforms escape in their adapters
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["oneline"] = _oneline
        self.env.filters["attribution"] = _attribution

    def render(
        self,
        result: Brief | Card | QuoteList,
        fmt: str = "text",
        overrides: tuple[tuple[str, str], ...] = (),
    ) -> str:
        """Render a brief, card or quote list in `fmt`."""
        if fmt == "json":
            return to_json(result.to_dict())
        if fmt not in _SUFFIX:
            raise BriefbotError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
        kind = _kind(result)
        name = dict(overrides).get(f"{kind}.{fmt}") or dict(overrides).get(kind)
        name = name or f"{kind}.{_SUFFIX[fmt]}.j2"
        try:
            template = self.env.get_template(name)
        except jinja2.TemplateNotFound:
            raise BriefbotError(f"Template {name!r} not found in {self.env.loader}.") from None
        data = result.to_dict()
        titles = {s["id"]: s for s in data.get("sources", [])}
        numbers = {sid: i for i, sid in enumerate(titles, 1)}
        for h in data.get("quotes", []):
            src = h.get("source")
            if src and src["id"] not in numbers:
                numbers[src["id"]] = len(numbers) + 1
        return template.render(**data, cite=numbers, sources_by_id=titles).rstrip() + "\n"
