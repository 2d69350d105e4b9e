"""`briefbot serve`: the platforms with credentials, the digest scheduler and the folder watcher,
on one event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Mapping, Sequence
from typing import Protocol, cast

from bot.briefing import Briefing, Clock, utc_now
from bot.config import Settings
from bot.delivery import Poster
from bot.errors import BriefbotError
from bot.render import Renderer
from bot.schedule import parse_subscriptions
from bot.scheduler import Scheduler
from bot.store import Database, DigestStore
from bot.subscriptions import FailureAlerts
from bot.topics import TopicBook
from bot.watcher import FolderWatcher

log = logging.getLogger(__name__)

PLATFORMS = ("slack", "discord")


class Bot(Protocol):
    """What serve needs of a platform adapter."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


def build(settings: Settings, clock: Clock = utc_now) -> Briefing:
    """Wire the facade from settings: database, topics, templates, clock."""
    return Briefing(
        Database(settings.db_path),
        TopicBook(settings.briefs_dir),
        Renderer(settings.templates_dir),
        clock=clock,
        max_file_bytes=settings.max_file_bytes,
        first_window_hours=settings.digests.first_window_hours,
    )


def make_bots(settings: Settings, briefing: Briefing, wanted: Sequence[str]) -> list[Bot]:
    """The adapters asked for (or, with none named, all whose credentials are set)."""
    bots: list[Bot] = []
    for name in wanted or PLATFORMS:
        if name == "slack":
            if not settings.slack.enabled:
                if wanted:
                    raise BriefbotError("Slack needs SLACK_BOT_TOKEN (see deploy/slack/README.md).")
                continue
            from bot.adapters.slack import SlackBot

            bots.append(SlackBot(briefing, settings.slack))
        elif name == "discord":
            if not settings.discord.enabled:
                if wanted:
                    raise BriefbotError(
                        "Discord needs DISCORD_TOKEN (see deploy/discord/README.md)."
                    )
                continue
            from bot.adapters.discord import DiscordBot

            bots.append(DiscordBot(briefing, settings.discord))
        else:
            raise BriefbotError(f"Unknown platform {name!r}; use slack or discord.")
    if not bots:
        raise BriefbotError(
            "No platform credentials set: export SLACK_BOT_TOKEN (and SLACK_APP_TOKEN or "
            "SLACK_SIGNING_SECRET) or DISCORD_TOKEN. See the README."
        )
    return bots


def digest_scheduler(
    settings: Settings, briefing: Briefing, posters: Mapping[str, Poster], clock: Clock = utc_now
) -> Scheduler:
    """The digest scheduler over the facade, with the config's subscriptions synced in."""
    scheduler = Scheduler(
        DigestStore(briefing.db),
        posters,
        lambda sub, since, until: briefing.digest(sub.topics, since, until),
        settings.digests,
        clock=clock,
        on_failure=FailureAlerts(briefing.subscriptions, posters, settings.alert_channels),
        # Who holds the digest lease, as an operator reads it in the other process's log.
        holder=f"{socket.gethostname()}:{os.getpid()}",
    )
    where = str(settings.config_path or "briefbot.yaml")
    scheduler.sync(parse_subscriptions(settings.digests.subscriptions, where))
    return scheduler


def posters_of(bots: Sequence[Bot]) -> dict[str, Poster]:
    """The started bots that can post digests, by platform."""
    return {
        str(platform): cast(Poster, bot)
        for bot in bots
        if (platform := getattr(bot, "platform", None)) is not None
    }


async def serve(
    settings: Settings,
    wanted: Sequence[str] = (),
    *,
    clock: Clock = utc_now,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until `stop` is set (or SIGINT/SIGTERM)."""
    briefing = build(settings, clock)
    bots = make_bots(settings, briefing, wanted)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
            pass
    started: list[Bot] = []
    try:
        for bot in bots:
            await bot.start()  # a bad token raises BriefbotError with a clear message
            started.append(bot)
        watcher = FolderWatcher(settings.document_paths, briefing.ingest)
        tasks = [asyncio.create_task(watcher.run(stop), name="folder-watcher")]
        scheduler = digest_scheduler(settings, briefing, posters_of(started), clock)
        tasks.append(asyncio.create_task(scheduler.run(stop), name="digests"))
        log.info(
            "serving %s; watching %s; %d digest subscription(s)",
            ", ".join(getattr(b, "platform", type(b).__name__) for b in started),
            ", ".join(str(p) for p in settings.document_paths),
            len(briefing.digests()),
        )
        await stop.wait()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for bot in reversed(started):
            try:
                await bot.close()
            except Exception:
                log.exception("error while closing %r", bot)
