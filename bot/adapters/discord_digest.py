"""The /digest commands on Discord: managers change a channel's digest, everyone may look."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import zoneinfo
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

import discord
from discord import app_commands

from bot.adapters.discord_embeds import GENERIC_ERROR, as_content, digest_messages
from bot.adapters.discord_replies import (
    EXAMPLE,
    NO_DIGEST,
    NOT_IN_SERVER,
    NOT_MANAGER,
    describe,
    discord_syntax,
    listing,
)
from bot.briefing import Briefing
from bot.errors import BriefbotError
from bot.models import DAY_NAMES

log = logging.getLogger(__name__)

Interaction = discord.Interaction[discord.Client]
T = TypeVar("T")

PLATFORM = "discord"
CHOICES_MAX = 25
REPLY_BUDGET = 1.5  # seconds a quick core call may take before we defer (Discord allows 3 s)
# Discord hides /digest from members without it; admins may change that per server, so the
# commands that change a subscription check it again on every call.
MANAGE = discord.Permissions(manage_channels=True)

# What the bot needs in the channel to post a digest there (see PERMISSIONS in discord.py).
NEEDED = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("read_message_history", "Read Message History"),
)
DAY_CHOICES = [
    app_commands.Choice(name="every day", value="daily"),
    app_commands.Choice(name="weekdays (Monday to Friday)", value="weekdays"),
    *(app_commands.Choice(name=f"every {d.title()}", value=d) for d in DAY_NAMES),
]
COMMON_ZONES = tuple(
    (
        "UTC Europe/London Europe/Dublin Europe/Lisbon Europe/Paris Europe/Berlin "
        "Europe/Brussels Europe/Amsterdam Europe/Madrid Europe/Rome Europe/Stockholm "
        "Europe/Warsaw Europe/Athens Europe/Kyiv Europe/Istanbul Europe/Moscow Africa/Lagos "
        "Africa/Nairobi Africa/Johannesburg Asia/Dubai Asia/Kolkata Asia/Singapore "
        "Asia/Shanghai Asia/Hong_Kong Asia/Tokyo Asia/Seoul Australia/Sydney Pacific/Auckland "
        "America/New_York America/Chicago America/Denver America/Los_Angeles America/Toronto "
        "America/Mexico_City America/Sao_Paulo"
    ).split()
)
_SEPARATORS = re.compile(r"[\s,]+")
_LAST_WORD = re.compile(r"^(.*[\s,])?([^\s,]*)$", re.S)


class Runner(Protocol):
    """Runs heavy core work off the event loop (DiscordBot.work)."""

    def __call__(self, fn: Callable[[], T], /) -> Awaitable[T]: ...


@functools.cache
def _all_zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def zone_matches(current: str, limit: int = CHOICES_MAX) -> list[str]:
    """Time zones for what was typed: common ones first, then any IANA name; at most `limit`."""
    typed = current.strip().lower().replace(" ", "_")

    def fits(name: str) -> bool:
        low = name.lower()
        return (
            not typed or low.startswith(typed) or any(p.startswith(typed) for p in low.split("/"))
        )

    common = [z for z in COMMON_ZONES if fits(z)]
    rest = [z for z in _all_zones() if z not in COMMON_ZONES and fits(z)] if typed else []
    return (common + rest)[:limit]


def missing_permissions(interaction: Interaction) -> list[str]:
    """What the bot lacks in this channel to post digests (from the payload's app_permissions)."""
    if interaction.guild_id is None:
        return []
    perms = interaction.app_permissions
    missing = [label for name, label in NEEDED if not getattr(perms, name)]
    if isinstance(interaction.channel, discord.Thread):
        if not perms.send_messages_in_threads:
            missing.append("Send Messages in Threads")
        missing = [m for m in missing if m != "Send Messages"]
    return missing


class DigestDesk:
    """Answers the /digest commands from the facade; every management reply is private."""

    def __init__(self, briefing: Briefing, run: Runner) -> None:
        self.briefing = briefing
        self.run = run

    # -- helpers ---------------------------------------------------------------------------

    async def _say(self, interaction: Interaction, text: str) -> None:
        await interaction.response.send_message(as_content(text), ephemeral=True)

    async def _reply(self, interaction: Interaction, work: Callable[[], str], what: str) -> None:
        """Run a quick core call in a thread and answer privately; defer first if it is slow."""
        task = asyncio.ensure_future(asyncio.to_thread(work))
        done, _ = await asyncio.wait({task}, timeout=REPLY_BUDGET)
        if not done:  # a slow database must not miss Discord's 3-second window
            await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            text = await task
        except BriefbotError as exc:
            text = discord_syntax(str(exc))
        except Exception:
            log.exception("discord /digest %s failed", what)
            text = GENERIC_ERROR
        if done:
            await self._say(interaction, text)
        else:
            await interaction.followup.send(as_content(text), ephemeral=True)

    def topic_words(self, text: str) -> list[str]:
        """Topics typed as `a b, c`: a comma-separated part may be a title with spaces."""
        words: list[str] = []
        for part in text.split(","):
            topic = self.briefing.defined_topic(part.strip()) if part.strip() else None
            words += [topic.slug] if topic is not None else part.split()
        return words

    @staticmethod
    def _refusal(interaction: Interaction, manage: bool) -> str | None:
        if interaction.guild_id is None or interaction.channel_id is None:
            return NOT_IN_SERVER
        if manage and not interaction.permissions.manage_channels:
            return NOT_MANAGER
        return None

    # -- commands --------------------------------------------------------------------------

    async def on_subscribe(
        self,
        interaction: Interaction,
        topics: str,
        at: str | None,
        tz: str | None,
        days: str | None,
    ) -> None:
        refusal = self._refusal(interaction, manage=True)
        if refusal:
            await self._say(interaction, refusal)
            return
        words = self.topic_words(topics)
        words += ["at", at.strip()] if at and at.strip() else []
        words += ["tz", tz.strip()] if tz and tz.strip() else []
        words += [days] if days else []
        channel, user = str(interaction.channel_id), str(interaction.user.id)
        missing = missing_permissions(interaction)
        b = self.briefing

        def work() -> str:
            before = b.digests(PLATFORM, channel)
            sub = b.subscribe(PLATFORM, channel, words, user)
            if before and before[0].paused:
                head = "▶️ Resumed this channel's digest."
            else:
                head = "Updated this channel's digest." if before else "Subscribed this channel."
            lines = [head, describe(b, sub), "If delivery breaks, briefbot tells you by DM."]
            if missing:
                lines.append(
                    f"⚠️ briefbot cannot post here yet: it lacks {', '.join(missing)} in this "
                    "channel. Give its role these permissions (channel settings > Permissions), "
                    "or the digest will fail and be paused."
                )
            lines.append("Preview it with `/digest now`; anyone can see it with `/digests`.")
            return "\n".join(lines)

        await self._reply(interaction, work, "subscribe")

    async def on_unsubscribe(self, interaction: Interaction, topic: str) -> None:
        refusal = self._refusal(interaction, manage=True)
        if refusal:
            await self._say(interaction, refusal)
            return
        channel = str(interaction.channel_id)
        b = self.briefing

        def work() -> str:
            before = b.digests(PLATFORM, channel)
            left = b.unsubscribe(PLATFORM, channel, topic)
            if left is None:
                return f"Stopped this channel's digest. Start one again with {EXAMPLE}."
            gone = [t for t in (before[0].topics if before else ()) if t not in left.topics]
            removed = ", ".join(f"`{t}`" for t in gone) or f"`{topic.strip()}`"
            return f"Removed {removed}.\n{describe(b, left)}"

        await self._reply(interaction, work, "unsubscribe")

    async def on_list(self, interaction: Interaction) -> None:
        refusal = self._refusal(interaction, manage=False)
        if refusal:
            await self._say(interaction, refusal)
            return
        channel, b = str(interaction.channel_id), self.briefing

        def work() -> str:
            subs = b.digests(PLATFORM, channel)
            return listing(b, subs[0] if subs else None)

        await self._reply(interaction, work, "list")

    async def on_now(self, interaction: Interaction) -> None:
        """A private preview of the next digest; nothing is posted or marked as sent."""
        refusal = self._refusal(interaction, manage=False)
        if refusal:
            await self._say(interaction, refusal)
            return
        channel = str(interaction.channel_id)
        try:  # one indexed row: a missing digest is answered at once, privately
            subs = await asyncio.to_thread(self.briefing.digests, PLATFORM, channel)
        except Exception:
            log.exception("discord /digest now: reading the subscription failed")
            await self._say(interaction, GENERIC_ERROR)
            return
        if not subs:
            await self._say(interaction, NO_DIGEST)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            digest = await self.run(lambda: self.briefing.preview(PLATFORM, channel))
            note = "Preview of the next digest, only for you; nothing is posted or marked as sent."
            for n, embeds in enumerate(digest_messages(digest, reserve=0)):
                content = note if n == 0 else discord.utils.MISSING
                await interaction.followup.send(content, embeds=embeds, ephemeral=True)
        except BriefbotError as exc:
            await interaction.followup.send(as_content(discord_syntax(str(exc))), ephemeral=True)
        except Exception:
            log.exception("discord /digest now failed")
            await interaction.followup.send(GENERIC_ERROR, ephemeral=True)

    async def on_digests(self, interaction: Interaction, preview: bool) -> None:
        await (self.on_now(interaction) if preview else self.on_list(interaction))

    # -- autocomplete ----------------------------------------------------------------------

    async def topics_choices(self, current: str) -> list[app_commands.Choice[str]]:
        """Complete the last word of `topics`, keeping the words before it."""
        m = _LAST_WORD.match(current)
        head, last = (m[1] or "", m[2]) if m else ("", current)
        before = [w for w in _SEPARATORS.split(head) if w]
        chosen = {w.lower() for w in before}
        try:
            refs = await asyncio.to_thread(
                self.briefing.complete_topic, last, CHOICES_MAX + len(chosen)
            )
        except Exception:  # a failed suggestion list must not become an error reply
            log.exception("discord: /digest topics autocomplete failed")
            return []
        out = []
        for r in refs:
            value = " ".join([*before, r.slug])
            if r.slug in chosen or len(value) > 100:
                continue
            out.append(app_commands.Choice(name=_name(f"{value} ({r.title})"), value=value))
        return out[:CHOICES_MAX]

    async def zone_choices(self, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in zone_matches(current)]

    async def subscribed_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """The channel's topics, then `all`, filtered by what was typed."""
        typed = current.strip().lower()
        try:
            subs = await asyncio.to_thread(
                self.briefing.digests, PLATFORM, str(interaction.channel_id)
            )
        except Exception:
            log.exception("discord: /digest unsubscribe autocomplete failed")
            return []
        topics = list(subs[0].topics) if subs else []
        out = [app_commands.Choice(name=t, value=t) for t in topics if typed in t.lower()]
        if topics and "all".startswith(typed):
            out.append(app_commands.Choice(name="all (stop this channel's digest)", value="all"))
        return out[:CHOICES_MAX]


def _name(text: str) -> str:
    return text if len(text) <= 100 else text[:99] + "…"


def _host(desk: DigestDesk | None) -> DigestDesk:
    if desk is None:
        raise RuntimeError("registration only")
    return desk


def digest_commands(
    desk: DigestDesk | None,
) -> list[app_commands.Group | app_commands.Command[Any, Any, None]]:
    """`/digest` (hidden from non-managers by default) and `/digests` (for everyone).

    With no desk the commands can only be registered (`briefbot discord sync`), not run."""
    # default_member_permissions belongs to a top-level command, not to a subcommand: the
    # read-only view needs its own command to be visible to everyone.
    group = app_commands.Group(
        name="digest",
        description="Manage this channel's scheduled digest (Manage Channels)",
        default_permissions=MANAGE,
        guild_only=True,
    )

    @group.command(
        name="subscribe", description="Add topics to this channel's digest or change when"
    )
    @app_commands.describe(
        topics="Topics, separated by spaces or commas (pick from the list as you type)",
        at="24-hour time, e.g. 08:00 (default 09:00, or the current time)",
        tz="IANA time zone, e.g. Europe/London (default UTC, or the current zone)",
        days="Which days (default every day, or the current days)",
    )
    @app_commands.choices(days=DAY_CHOICES)
    async def subscribe(
        interaction: Interaction,
        topics: str,
        at: str | None = None,
        tz: str | None = None,
        days: app_commands.Choice[str] | None = None,
    ) -> None:
        value = days.value if days is not None else None
        await _host(desk).on_subscribe(interaction, topics, at, tz, value)

    @group.command(name="unsubscribe", description="Drop a topic from this channel's digest")
    @app_commands.describe(topic="A topic of this channel's digest, or `all` to stop it")
    async def unsubscribe(interaction: Interaction, topic: str) -> None:
        await _host(desk).on_unsubscribe(interaction, topic)

    @group.command(name="list", description="This channel's digest: topics, schedule, status")
    async def list_(interaction: Interaction) -> None:
        await _host(desk).on_list(interaction)

    @group.command(name="now", description="Preview the next digest (only you see it)")
    async def now(interaction: Interaction) -> None:
        await _host(desk).on_now(interaction)

    @app_commands.command(name="digests", description="See this channel's scheduled digest")
    @app_commands.describe(preview="Also preview the next digest (only you see it)")
    @app_commands.guild_only()
    async def digests(interaction: Interaction, preview: bool = False) -> None:
        await _host(desk).on_digests(interaction, preview)

    async def topics_ac(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await _host(desk).topics_choices(current)

    async def zone_ac(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await _host(desk).zone_choices(current)

    async def subscribed_ac(
        interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await _host(desk).subscribed_choices(interaction, current)

    subscribe.autocomplete("topics")(topics_ac)
    subscribe.autocomplete("tz")(zone_ac)
    unsubscribe.autocomplete("topic")(subscribed_ac)
    return [group, digests]
