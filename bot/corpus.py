"""Reading source files into documents: text, Markdown with front matter, HTML and JSON records."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.models import Document, Skipped

log = logging.getLogger(__name__)

SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"})
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_ID_UNSAFE = re.compile(r"[^\w.\-/]+")


class SkipFile(Exception):
    """A file or record that cannot be ingested; the message is the one-line reason."""


class BadYaml(Exception):
    """YAML that does not parse, or whose values cannot be built; the problem and its line."""

    def __init__(self, problem: str, line: int | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line  # 1-based, in the text given to `load_yaml`, when known


def load_yaml(text: str) -> Any:
    """Parse YAML (front matter, topic files, the config); every failure is a `BadYaml`."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise BadYaml(str(problem), mark.line + 1 if mark is not None else None) from None
    except ValueError as exc:  # well-formed, but a value YAML cannot build: "date: 2025-13-45"
        raise BadYaml(str(exc), None) from None


@dataclass(frozen=True)
class Source:
    """A file to read and the id it would get from its path."""

    path: Path
    default_id: str


def content_hash(text: str) -> str:
    """Identify a document's text, so identical text under two names is stored once."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def _path_id(path: Path, root: Path | None) -> str:
    rel = path.relative_to(root) if root is not None else Path(path.name)
    stem = rel.with_suffix("").as_posix()
    return _ID_UNSAFE.sub("-", stem).strip("-") or "document"


def find_sources(paths: Iterable[Path]) -> tuple[list[Source], list[Skipped]]:
    """Expand folders into the supported files below them, sorted; name what cannot be read."""
    found: list[Source] = []
    skipped: list[Skipped] = []
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                rel_parts = p.relative_to(path).parts
                if p.is_dir() or any(part.startswith(".") for part in rel_parts):
                    continue
                if p.suffix.lower() in SUFFIXES:
                    found.append(Source(p, _path_id(p, path)))
                else:
                    skipped.append(Skipped(str(p), f"unsupported file type {p.suffix or '(none)'}"))
        elif path.is_file():
            if path.suffix.lower() in SUFFIXES:
                found.append(Source(path, _path_id(path, None)))
            else:
                skipped.append(
                    Skipped(str(path), f"unsupported file type {path.suffix or '(none)'}")
                )
        else:
            skipped.append(Skipped(str(path), "no such file or folder"))
    # A file named twice (a folder and a file in it, or the same folder twice) is read once.
    first: dict[Path, Source] = {}
    for src in found:
        first.setdefault(src.path.resolve(), src)
    return list(first.values()), skipped


def read_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Read a file as UTF-8 text, refusing binary, undecodable, empty or oversized files."""
    size = path.stat().st_size
    if size > max_bytes:
        raise SkipFile(
            f"too large ({size / 1_048_576:.1f} MB; the cap is {max_bytes / 1_048_576:.1f} MB)"
        )
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise SkipFile("binary file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkipFile(f"not UTF-8 text (bad byte at offset {exc.start})") from None
    if not text.strip():
        raise SkipFile("empty file")
    return text


def normalise_date(value: Any) -> str | None:
    """Turn a front-matter or record date into ISO 8601, or None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    for fmt in ("%d %B %Y", "%B %d, %Y", "%b %d, %Y", "%d %b %Y", "%Y/%m/%d", "%Y-%m"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise SkipFile(f"date {text!r} is not a date (use YYYY-MM-DD)")


def _optional_str(meta: dict[str, Any], key: str) -> str | None:
    value = meta.get(key)
    return None if value is None or value == "" else str(value)


def _fallback_title(text: str, default: str) -> str:
    first = text.strip().split("\n", 1)[0].strip()
    # A short first line without a full stop reads as a headline.
    if first and len(first) <= 150 and not first.endswith((".", "”", '"')):
        return first
    return default.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ")


def _document(meta: dict[str, Any], text: str, default_id: str, path: Path) -> Document:
    if not text.strip():
        raise SkipFile("no text")
    doc_id = _optional_str(meta, "id") or default_id
    return Document(
        doc_id=doc_id,
        title=_optional_str(meta, "title") or _fallback_title(text, doc_id),
        text=text,
        date=normalise_date(meta.get("date")),
        url=_optional_str(meta, "url"),
        source=_optional_str(meta, "source"),
        path=str(path),
    )


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Separate a YAML front-matter block from the body that follows it."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    try:
        meta = load_yaml(m.group(1)) or {}
    except BadYaml as exc:
        # The block starts on the line after the opening "---".
        at = f" at line {exc.line + 1}" if exc.line is not None else ""
        raise SkipFile(f"bad YAML front matter{at}: {exc.problem}") from None
    if not isinstance(meta, dict):
        raise SkipFile("front matter is not a mapping of fields")
    return meta, text[m.end() :]


def _read_html(text: str, source: Source) -> Document:
    import trafilatura  # imported lazily: it is slow to import and only HTML needs it

    body = trafilatura.extract(text, include_comments=False, include_tables=False)
    if not body or not body.strip():
        raise SkipFile("no main text found in the HTML")
    meta = trafilatura.extract_metadata(text)
    fields: dict[str, Any] = {}
    if meta is not None:
        fields = {"title": meta.title, "date": meta.date, "url": meta.url, "source": meta.sitename}
    return _document(fields, body, source.default_id, source.path)


def _read_records(text: str, source: Source) -> Iterator[Document | Skipped]:
    path = source.path
    records: list[tuple[str, Any]] = []
    if path.suffix.lower() == ".jsonl":
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append((f"{path}:{n}", json.loads(line)))
            except json.JSONDecodeError as exc:
                yield Skipped(f"{path}:{n}", f"bad JSON: {exc.msg} (column {exc.colno})")
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SkipFile(f"bad JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
        items = data if isinstance(data, list) else [data]
        records = [(f"{path}[{i}]", item) for i, item in enumerate(items)]
    for i, (where, record) in enumerate(records):
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            yield Skipped(where, "record has no text field")
            continue
        default_id = f"{source.default_id}-{i + 1}" if len(records) > 1 else source.default_id
        try:
            yield _document(record, record["text"], default_id, path)
        except SkipFile as exc:
            yield Skipped(where, str(exc))


def read_source(source: Source, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Document | Skipped]:
    """Yield the documents in one file, or a Skipped line for each that cannot be read."""
    path = source.path
    try:
        text = read_text(path, max_bytes)
        suffix = path.suffix.lower()
        if suffix in (".json", ".jsonl"):
            yield from _read_records(text, source)
        elif suffix in (".html", ".htm"):
            yield _read_html(text, source)
        else:
            meta, body = split_front_matter(text)
            yield _document(meta, body, source.default_id, path)
    except SkipFile as exc:
        yield Skipped(str(path), str(exc))
    except OSError as exc:
        yield Skipped(str(path), f"cannot read: {exc.strerror or exc}")
