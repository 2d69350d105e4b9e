"""The Discord adapter: answering slash commands and posting digests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.discord_commands import (
    PERMISSIONS,
    SCOPES,
    Interaction,
    choice_name,
    commands,
    invite_link,
    invite_url,
    login,
    make_client,
    sync_commands,
    use_api_url,
)
from bot.adapters.discord_digest import DigestDesk, digest_commands
from bot.adapters.discord_embeds import (
    GENERIC_ERROR,
    Messages,
    as_content,
    brief_embeds,
    card_embeds,
    quotes_embeds,
)
from bot.adapters.discord_poster import DiscordPoster, nonce_for
from bot.briefing import Briefing
from bot.config import DiscordSettings
from bot.errors import BriefbotError
from bot.models import Brief, Card, QuoteList

log = logging.getLogger(__name__)

Payload = dict[str, Any]
T = TypeVar("T")

HELP = (
    "**briefbot** answers from your team's documents, every line cited.\n"
    "• `/brief topic:` a short briefing (TL;DR, key points, people, quote, figures, sources)\n"
    "• `/card topic:` a fact card\n"
    "• `/quotes topic:` or `speaker:` attributed direct quotes\n"
    "• `/digests` this channel's scheduled digest; `/digest subscribe` sets one up "
    "(Manage Channels)\n"
    "Add `ephemeral: True` to see the answer alone. Topics: {topics}"
)
CHOICES_MAX = 25
CHECK_BUDGET = 1.5  # seconds a topic check may take before we defer anyway (Discord: 3 s)
# Core computations at once. The core is CPU-bound Python: a second thread adds no throughput
# under the GIL and, in bench/discord.py, slowed the first responses (p95 about 490 vs 340 ms).
WORKERS = 1


class DiscordBot(DiscordPoster):
    """Serves /brief, /card and /quotes, and posts digests (the Poster protocol)."""

    def __init__(
        self, briefing: Briefing, settings: DiscordSettings, *, workers: int = WORKERS
    ) -> None:
        self.briefing = briefing
        self.settings = settings
        self.client = make_client(settings)
        self.tree = app_commands.CommandTree(self.client)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        for command in commands(self):
            self.tree.add_command(command)
        for entry in digest_commands(DigestDesk(briefing, self.work)):
            self.tree.add_command(entry)
        self._gateway: asyncio.Task[None] | None = None
        self._workers = asyncio.Semaphore(workers)
        self._inflight: dict[tuple[str, ...], asyncio.Future[Brief | Card | QuoteList]] = {}

    # -- lifecycle -----------------------------------------------------------------------

    async def login(self) -> None:
        """Validate the token over REST and set up the HTTP session; no gateway yet."""
        await login(self.client, self.settings.token)

    async def start(self) -> None:
        """Log in, then keep a gateway connection in a background task."""
        await self.login()
        if self.settings.api_url:
            # A redirected REST API also names the gateway to use (GET /gateway/bot).
            try:
                _, url, _ = await self.client.http.get_bot_gateway()
            except (discord.DiscordException, aiohttp.ClientError, OSError) as exc:
                await self.client.close()
                raise BriefbotError(f"Cannot find the gateway at {Route.BASE}: {exc}") from None
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        self._gateway = asyncio.create_task(self.client.connect(reconnect=True))
        self._gateway.add_done_callback(_report_gateway_end)
        log.info("discord: logged in as %s", self.client.user)

    async def close(self) -> None:
        await self.client.close()
        if self._gateway is not None:
            self._gateway.cancel()
            try:
                await self._gateway
            except (asyncio.CancelledError, Exception):
                pass
            self._gateway = None

    # -- commands ------------------------------------------------------------------------

    async def answer(
        self,
        interaction: Interaction,
        key: tuple[str, ...],
        check: Callable[[], object] | None,
        work: Callable[[], Brief | Card | QuoteList],
        ephemeral: bool,
    ) -> None:
        """Check cheaply, answer a user error first and privately; else defer, work, follow up.

        `check` (None: nothing to check) runs in a thread; if it is slow, defer first."""
        name = key[0]
        # A defined topic is known from memory: answer Discord at once, no thread hop.
        checking = asyncio.ensure_future(asyncio.to_thread(check)) if check is not None else None
        deferred = False
        if checking is not None:
            done, _ = await asyncio.wait({checking}, timeout=CHECK_BUDGET)
            deferred = not done
            if deferred:  # a slow check must not miss Discord's 3-second window
                await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        try:
            if checking is not None:
                await checking
        except BriefbotError as exc:
            await self._fail(interaction, deferred, as_content(str(exc)))
            return
        except Exception:
            log.exception("discord /%s: checking the input failed", name)
            await self._fail(interaction, deferred, GENERIC_ERROR)
            return
        if not deferred:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        try:
            result = await self._compute(key, work)
            for embeds in render(result):
                await interaction.followup.send(embeds=embeds, ephemeral=ephemeral)
        except BriefbotError as exc:
            await self._retract(interaction, as_content(str(exc)))
        except Exception:
            log.exception("discord /%s failed", name)
            await self._retract(interaction, GENERIC_ERROR)

    async def _compute(
        self, key: tuple[str, ...], work: Callable[[], Brief | Card | QuoteList]
    ) -> Brief | Card | QuoteList:
        """Run core work in a thread, a few at a time; identical requests in flight share it."""
        # More threads would only add GIL contention and slow the event loop's first responses
        # (see WORKERS). Twenty people asking /brief golden-dome at once get one computation.
        running = self._inflight.get(key)
        if running is None:
            running = asyncio.ensure_future(self.work(work))
            self._inflight[key] = running
            running.add_done_callback(lambda f: self._forget(key, f))
        return await asyncio.shield(running)

    async def work(self, fn: Callable[[], T]) -> T:
        """Run heavy core work in a thread, at most `workers` at once."""
        async with self._workers:
            return await asyncio.to_thread(fn)

    def _forget(self, key: tuple[str, ...], done: asyncio.Future[Brief | Card | QuoteList]) -> None:
        if self._inflight.get(key) is done:
            del self._inflight[key]
        if not done.cancelled():
            done.exception()  # retrieved: waiters get it; no "never retrieved" warning

    async def _fail(self, interaction: Interaction, deferred: bool, text: str) -> None:
        if deferred:
            await self._retract(interaction, text)
        else:
            await interaction.response.send_message(text, ephemeral=True)

    async def _retract(self, interaction: Interaction, text: str) -> None:
        """Replace a (possibly public) deferred reply with a private message."""
        # A follow-up's ephemeral flag is ignored while it edits a public "thinking" reply,
        # so delete that reply first: the next follow-up is then a new, private message.
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.warning("discord: could not delete the deferred reply", exc_info=True)
        try:
            await interaction.followup.send(text, ephemeral=True)
        except discord.HTTPException:
            log.exception("discord: could not send the error follow-up")

    async def on_brief(self, interaction: Interaction, topic: str | None, ephemeral: bool) -> None:
        b = self.briefing
        if not topic or not topic.strip():
            await self.help(interaction)
            return
        await self.answer(
            interaction,
            ("brief", topic.strip().lower()),
            None if b.defined_topic(topic) else lambda: b.resolve(topic),
            lambda: b.brief(topic),
            ephemeral,
        )

    async def on_card(self, interaction: Interaction, topic: str, ephemeral: bool) -> None:
        b = self.briefing
        await self.answer(
            interaction,
            ("card", topic.strip().lower()),
            None if b.defined_topic(topic) else lambda: b.resolve(topic),
            lambda: b.card(topic),
            ephemeral,
        )

    async def on_quotes(
        self, interaction: Interaction, topic: str | None, speaker: str | None, ephemeral: bool
    ) -> None:
        b = self.briefing

        def check() -> object:
            if not (topic or "").strip() and not (speaker or "").strip():
                raise BriefbotError(
                    "Name a `topic:` or a `speaker:`, e.g. `/quotes topic:golden-dome`."
                )
            return b.resolve(topic) if topic and topic.strip() else None

        key = ("quotes", (topic or "").strip().lower(), (speaker or "").strip().lower())
        await self.answer(interaction, key, check, lambda: b.quotes(topic, speaker), ephemeral)

    async def help(self, interaction: Interaction) -> None:
        refs = await asyncio.to_thread(self.briefing.complete_topic, "", 15)
        names = ", ".join(f"`{r.slug}`" for r in refs) or "(none defined yet)"
        await interaction.response.send_message(
            as_content(HELP.format(topics=names)), ephemeral=True
        )

    async def topic_choices(self, current: str) -> list[app_commands.Choice[str]]:
        try:
            refs = await asyncio.to_thread(self.briefing.complete_topic, current, CHOICES_MAX)
        except Exception:  # a failed suggestion list must not become an error reply
            log.exception("discord: topic autocomplete failed")
            return []
        return [
            app_commands.Choice(name=choice_name(f"{r.title} ({r.slug})"), value=r.slug[:100])
            for r in refs[:CHOICES_MAX]
        ]

    async def speaker_choices(self, current: str) -> list[app_commands.Choice[str]]:
        try:
            names = await asyncio.to_thread(self.briefing.complete_speaker, current, CHOICES_MAX)
        except Exception:
            log.exception("discord: speaker autocomplete failed")
            return []
        return [
            app_commands.Choice(name=choice_name(n), value=n[:100])
            for n in names[:CHOICES_MAX]
            if n.strip()
        ]

    async def _on_tree_error(
        self, interaction: Interaction, error: app_commands.AppCommandError
    ) -> None:
        log.error("discord: command error", exc_info=error)
        if interaction.type is discord.InteractionType.autocomplete:
            return  # only choices may answer an autocomplete
        try:
            if interaction.response.is_done():
                await interaction.followup.send(GENERIC_ERROR, ephemeral=True)
            else:
                await interaction.response.send_message(GENERIC_ERROR, ephemeral=True)
        except discord.HTTPException:
            log.warning("discord: could not report the error", exc_info=True)


def _report_gateway_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("discord: gateway connection ended", exc_info=task.exception())


def render(result: Brief | Card | QuoteList) -> Messages:
    """A core result as embed messages."""
    if isinstance(result, Brief):
        return brief_embeds(result)
    if isinstance(result, Card):
        return card_embeds(result)
    return quotes_embeds(result)


__all__ = [
    "PERMISSIONS",
    "SCOPES",
    "DiscordBot",
    "invite_link",
    "invite_url",
    "nonce_for",
    "sync_commands",
    "use_api_url",
]
