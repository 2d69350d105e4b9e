"""The `briefbot` command line: a thin shell over the Briefing facade."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from bot import __version__
from bot.analysis.entities import extract_entities
from bot.analysis.quotes import extract_quotes
from bot.briefing import Briefing
from bot.config import load_settings
from bot.corpus import SkipFile, read_text
from bot.errors import BriefbotError, UnknownTopic
from bot.models import Subscription
from bot.render import FORMATS, to_json
from bot.service import build, serve
from bot.summarise import summarize_text

log = logging.getLogger("briefbot")

EXIT_OK, EXIT_SKIPPED, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


class ProgressBar:
    """A one-line progress bar on a terminal; silent when stderr is not one."""

    def __init__(self, label: str, stream: TextIO = sys.stderr) -> None:
        self.label = label
        self.stream = stream
        self.active = stream.isatty()
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.active or total < 2:
            return
        width = 30
        filled = int(width * done / total)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def _emit(args: argparse.Namespace, data: object, text: str) -> None:
    print(to_json(data) if args.format == "json" else text)


def cmd_ingest(app: Briefing, args: argparse.Namespace) -> int:
    bar = ProgressBar("ingest")
    try:
        report = app.ingest([Path(p) for p in args.paths], progress=bar)
    finally:
        bar.close()
    for s in report.skipped:
        print(f"skipped {s.path}: {s.reason}", file=sys.stderr)
    for doc_id, holder in report.duplicates:
        print(f"skipped {doc_id}: same text as {holder}", file=sys.stderr)
    summary = (
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.duplicates)} duplicates, "
        f"{len(report.skipped)} skipped; {app.store.count()} documents stored"
    )
    _emit(args, report.to_dict(), summary)
    return EXIT_SKIPPED if report.skipped else EXIT_OK


def cmd_documents(app: Briefing, args: argparse.Namespace) -> int:
    docs = app.documents()
    lines = [f"{d.doc_id}\t{d.date or '-'}\t{d.sentences} sentences\t{d.title}" for d in docs]
    _emit(args, [d.to_dict() for d in docs], "\n".join(lines) or "(no documents)")
    return EXIT_OK


def cmd_forget(app: Briefing, args: argparse.Namespace) -> int:
    app.forget(args.doc_id)
    _emit(args, {"forgotten": args.doc_id}, f"forgot {args.doc_id}")
    return EXIT_OK


def cmd_reindex(app: Briefing, args: argparse.Namespace) -> int:
    bar = ProgressBar("reindex")
    try:
        n = app.reindex(progress=bar, everything=args.all)
    finally:
        bar.close()
    _emit(args, {"reindexed": n}, f"reindexed {n} documents")
    return EXIT_OK


def cmd_topics(app: Briefing, args: argparse.Namespace) -> int:
    topics = app.suggest_topics(args.limit) if args.suggest else app.topics()
    lines = [f"{t.slug}\t{t.documents} documents\t{t.title}" for t in topics]
    _emit(args, [t.to_dict() for t in topics], "\n".join(lines) or "(no topics)")
    return EXIT_OK


def cmd_search(app: Briefing, args: argparse.Namespace) -> int:
    hits = app.search(" ".join(args.query), args.limit)
    lines = [f"{h.doc_id}  {h.score:.2f}  {h.snippet}" for h in hits]
    _emit(args, [h.to_dict() for h in hits], "\n".join(lines) or "(no matches)")
    return EXIT_OK


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def cmd_brief(app: Briefing, args: argparse.Namespace) -> int:
    print(app.render(app.brief(" ".join(args.topic), since=args.since), args.format), end="")
    return EXIT_OK


def cmd_card(app: Briefing, args: argparse.Namespace) -> int:
    print(app.render(app.card(" ".join(args.topic)), args.format), end="")
    return EXIT_OK


def cmd_quotes(app: Briefing, args: argparse.Namespace) -> int:
    topic = " ".join(args.topic) or None
    print(app.render(app.quotes(topic, args.speaker, args.limit), args.format), end="")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    settings = load_settings(args.config, args.db)
    if args.port is not None:
        settings = replace(settings, slack=replace(settings.slack, port=args.port))
    asyncio.run(serve(settings, args.platforms))
    return EXIT_OK


def cmd_discord(args: argparse.Namespace) -> int:
    from bot.adapters.discord import invite_url, sync_commands

    settings = load_settings(args.config, args.db)
    if args.discord_command == "sync":
        names = asyncio.run(sync_commands(settings.discord, args.guild, clear=args.clear))
        where = (
            f"in guild {args.guild} (available now)"
            if args.guild
            else "globally (Discord apps may take a few minutes to show them)"
        )
        done = (
            f"registered {', '.join('/' + n for n in names)}" if names else "removed the commands"
        )
        _emit(args, {"synced": names, "guild": args.guild}, f"{done} {where}")
    else:
        url = asyncio.run(invite_url(settings.discord))
        _emit(args, {"url": url}, url)
    return EXIT_OK


def _describe(sub: Subscription) -> str:
    state = f"PAUSED ({sub.last_error})" if sub.paused else f"next {sub.next_run or '?'}"
    extra = ", nothing-new notes" if sub.nothing_new else ""
    return (
        f"{sub.platform} {sub.channel}: {', '.join(sub.topics)}, "
        f"{sub.schedule.describe()}{extra}; {state}"
    )


def cmd_digest(app: Briefing, args: argparse.Namespace) -> int:
    action = args.digest_command
    if action == "list":
        subs = app.digests(args.platform, args.channel)
        lines = [_describe(s) for s in subs]
        _emit(args, [s.to_dict() for s in subs], "\n".join(lines) or "(no digests)")
        return EXIT_OK
    if not args.platform or not args.channel:
        raise BriefbotError(f"`digest {action}` needs --platform slack|discord and --channel ID.")
    if action == "subscribe":
        sub = app.subscribe(args.platform, args.channel, args.words)
        _emit(args, sub.to_dict(), f"subscribed: {_describe(sub)}")
    elif action == "unsubscribe":
        left = app.unsubscribe(args.platform, args.channel, " ".join(args.words))
        text = f"now: {_describe(left)}" if left else "the channel's digest is stopped"
        _emit(args, left.to_dict() if left else None, text)
    else:
        digest = app.preview(args.platform, args.channel)
        if args.format == "json":
            print(to_json(digest.to_dict()))
        elif not digest.sections:
            print(f"{digest.title}: nothing new since {digest.since[:16]}")
        else:
            print(f"{digest.title} ({digest.since[:16]} to {digest.until[:16]} UTC)\n")
            for section in digest.sections:
                print(app.render(section.brief, args.format))
    return EXIT_OK


def _each_file(
    args: argparse.Namespace,
    analyse: Callable[[str, str], dict[str, Any]],
    lines: Callable[[dict[str, Any]], list[str]],
) -> int:
    """Run a no-database command over files: a JSON object per line, or readable text."""
    status = EXIT_OK
    for p in args.files:
        try:
            text = read_text(Path(p))
        except (SkipFile, OSError) as exc:
            # An OSError's text repeats the path ("[Errno 2] No such file ...: 'x.txt'").
            reason = exc.strerror.lower() if isinstance(exc, OSError) and exc.strerror else exc
            print(f"skipped {p}: {reason}", file=sys.stderr)
            status = EXIT_SKIPPED
            continue
        result = analyse(p, text)
        if args.format == "json":
            print(json.dumps({"file": p, **result}, ensure_ascii=False))
        else:
            print("\n".join([f"== {p}", *lines(result)]))
    return status


def _oneline(text: str) -> str:
    return " ".join(text.split())


def cmd_summarize(args: argparse.Namespace) -> int:
    if args.sentences < 1:
        raise BriefbotError("--sentences must be at least 1")
    return _each_file(
        args,
        lambda p, t: {"sentences": [s.text for s in summarize_text(t, args.sentences)]},
        lambda r: [f"- {_oneline(s)}" for s in r["sentences"]],
    )


def cmd_quotes_file(args: argparse.Namespace) -> int:
    def analyse(path: str, text: str) -> dict[str, Any]:
        people = extract_entities(text, path)
        return {"quotes": [q.to_dict() for q in extract_quotes(text, path, people)]}

    return _each_file(
        args,
        analyse,
        lambda r: [
            f"- “{_oneline(q['text'])}” ({q['speaker'] or 'unattributed'}, {q['cue']})"
            for q in r["quotes"]
        ],
    )


def parser() -> argparse.ArgumentParser:
    """The argument parser, with help for every command."""
    fmt = argparse.ArgumentParser(add_help=False)
    fmt.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    top = argparse.ArgumentParser(
        prog="briefbot",
        description="Cited, extractive briefings from your documents.",
        epilog="Start with: briefbot ingest seeds/ && briefbot brief golden-dome",
    )
    top.add_argument("--version", action="version", version=f"briefbot {__version__}")
    top.add_argument(
        "--db", type=Path, help="SQLite database (default var/briefbot.db; BRIEFBOT_DB)"
    )
    top.add_argument(
        "--config", type=Path, help="settings file (default briefbot.yaml; BRIEFBOT_CONFIG)"
    )
    top.add_argument("-v", "--verbose", action="store_true", help="log more, with tracebacks")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("ingest", parents=[fmt], help="read files and folders into the store")
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help=".txt .md .html .json .jsonl, or folders"
    )
    p.set_defaults(run=cmd_ingest)
    p = sub.add_parser("documents", parents=[fmt], help="list stored documents")
    p.set_defaults(run=cmd_documents)
    p = sub.add_parser("forget", parents=[fmt], help="remove a stored document")
    p.add_argument("doc_id", metavar="DOC_ID")
    p.set_defaults(run=cmd_forget)
    p = sub.add_parser("reindex", parents=[fmt], help="re-run the analysis on stored text")
    p.add_argument("--all", action="store_true", help="every document, not only stale ones")
    p.set_defaults(run=cmd_reindex)
    p = sub.add_parser("topics", parents=[fmt], help="list topics with document counts")
    p.add_argument("--suggest", action="store_true", help="propose topics from key phrases")
    p.add_argument("--limit", type=int, default=10, help="suggestions to show (default 10)")
    p.set_defaults(run=cmd_topics)
    p = sub.add_parser("search", parents=[fmt], help="rank passages for a query")
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument("--limit", type=int, default=10)
    p.set_defaults(run=cmd_search)
    p = sub.add_parser("brief", parents=[fmt], help="a cited briefing on a topic or query")
    p.add_argument("topic", nargs="+", metavar="TOPIC")
    p.add_argument("--since", type=_date, help="only documents dated on or after YYYY-MM-DD")
    p.set_defaults(run=cmd_brief)
    p = sub.add_parser("card", parents=[fmt], help="a fact card on a topic")
    p.add_argument("topic", nargs="+", metavar="TOPIC")
    p.set_defaults(run=cmd_card)
    p = sub.add_parser("quotes", parents=[fmt], help="attributed quotes on a topic or by a speaker")
    p.add_argument("topic", nargs="*", metavar="TOPIC")
    p.add_argument("--speaker", help="only quotes by this person (full name or surname)")
    p.add_argument(
        "--file", dest="files", nargs="+", metavar="FILE", help="quotes in files, no database"
    )
    p.add_argument("--limit", type=int, default=10)
    p.set_defaults(run=cmd_quotes)
    p = sub.add_parser("summarize", parents=[fmt], help="summarise files, no database")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("-n", "--sentences", type=int, default=3, help="sentences each (default 3)")
    p.set_defaults(run=None, standalone=cmd_summarize)
    p = sub.add_parser("serve", help="run the bots whose credentials are set, with digests")
    p.add_argument(
        "platforms",
        nargs="*",
        metavar="PLATFORM",
        help="slack and/or discord (default: every platform with credentials)",
    )
    p.add_argument("--port", type=int, help="HTTP port for Slack events (default 3000; PORT)")
    p.set_defaults(run=None, standalone=cmd_serve)
    p = sub.add_parser("digest", help="manage scheduled digests of a channel")
    dg = p.add_subparsers(dest="digest_command", metavar="ACTION", required=True)
    for action, words, helptext in (
        (
            "subscribe",
            "+",
            "TOPIC... [at HH:MM] [tz ZONE] [daily|weekdays|weekly DAY] [nothing-new]",
        ),
        ("unsubscribe", "+", "TOPIC or all"),
        ("list", None, "list digests (of a platform or channel, if given)"),
        ("now", None, "preview the channel's next digest as if it were due now"),
    ):
        d = dg.add_parser(action, parents=[fmt], help=helptext)
        d.add_argument("--platform", choices=["slack", "discord"])
        d.add_argument("--channel", help="the channel id (Slack C..., Discord snowflake)")
        if words:
            d.add_argument("words", nargs=words, metavar="WORD", help=helptext)
        d.set_defaults(run=cmd_digest)
    p = sub.add_parser("discord", help="register slash commands, print the invite link")
    dsub = p.add_subparsers(dest="discord_command", metavar="ACTION", required=True)
    d = dsub.add_parser("sync", parents=[fmt], help="register the slash commands with Discord")
    d.add_argument(
        "--guild", type=int, metavar="ID", help="one server, instantly (default: globally)"
    )
    d.add_argument("--clear", action="store_true", help="remove the commands from there instead")
    d.set_defaults(run=None, standalone=cmd_discord)
    d = dsub.add_parser("invite", parents=[fmt], help="print the URL that adds the bot to a server")
    d.set_defaults(run=None, standalone=cmd_discord)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status (0 ok, 1 some input skipped, 2 user error)."""
    args = parser().parse_args(argv)
    # A server should say what it is doing; one-shot commands stay quiet unless asked.
    quiet = logging.INFO if args.command == "serve" else logging.WARNING
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else quiet,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # trafilatura warns about every page it finds no text in; the skip line already says so.
    logging.getLogger("trafilatura").setLevel(logging.DEBUG if args.verbose else logging.ERROR)
    try:
        if getattr(args, "standalone", None):
            return int(args.standalone(args))
        if args.command == "quotes" and args.files:
            return cmd_quotes_file(args)
        settings = load_settings(args.config, args.db)
        app = build(settings)
        return int(args.run(app, args))
    except UnknownTopic as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BriefbotError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `briefbot brief x | head`: the reader left, which is fine
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (keep Python quiet at exit)
        return EXIT_OK
    except Exception:
        log.exception("internal error")
        print("briefbot: internal error; the log above has the details.", file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
