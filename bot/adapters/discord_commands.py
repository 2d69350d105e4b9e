"""Discord wiring: the client, the slash command definitions, registration and the invite."""

from __future__ import annotations

from typing import Any, Protocol

import aiohttp
import discord
from discord import app_commands
from discord.http import Route

from bot.adapters.discord_digest import digest_commands
from bot.config import DiscordSettings
from bot.errors import BriefbotError

Interaction = discord.Interaction[discord.Client]

RATELIMIT_WAIT_MAX = 30.0  # longer 429s come back to the scheduler as retry_after

# What the bot needs in a channel: read it, post embeds there (also when /digest subscribe ran
# in a thread), find its own earlier digests. Alerts go by DM, which needs no server permission.
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    read_message_history=True,
)
SCOPES = ("bot", "applications.commands")


def use_api_url(url: str | None) -> None:
    """Point discord.py's REST calls (and webhooks, hence follow-ups) at another base URL."""
    if url:
        Route.BASE = url.rstrip("/")


def make_client(settings: DiscordSettings) -> discord.Client:
    """A client with no privileged intents that pings nobody, whatever the text says."""
    use_api_url(settings.api_url)
    # briefbot never joins voice; the missing voice libraries are not worth a warning.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    intents = discord.Intents(guilds=True)  # slash commands need no message content
    none = discord.AllowedMentions.none()
    if settings.application_id:  # known up front: login need not look it up
        return discord.Client(
            intents=intents,
            allowed_mentions=none,
            max_ratelimit_timeout=RATELIMIT_WAIT_MAX,
            application_id=int(settings.application_id),
        )
    return discord.Client(
        intents=intents, allowed_mentions=none, max_ratelimit_timeout=RATELIMIT_WAIT_MAX
    )


async def login(client: discord.Client, token: str | None) -> None:
    """Log in (GET /users/@me checks the token); a bad token becomes a clear BriefbotError."""
    if not token:
        raise BriefbotError("Discord needs DISCORD_TOKEN (see deploy/discord/README.md).")
    try:
        await client.login(token)
    except discord.LoginFailure:
        await client.close()
        raise BriefbotError(
            "Discord rejected DISCORD_TOKEN (401 Unauthorized). Copy the bot token again from "
            "the Developer Portal (your application > Bot > Reset Token)."
        ) from None
    except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
        await client.close()
        raise BriefbotError(f"Cannot log in to Discord at {Route.BASE}: {exc}") from None
    except BaseException:
        await client.close()  # never leave the HTTP session open
        raise


def choice_name(text: str) -> str:
    return text if len(text) <= 100 else text[:99] + "…"


class CommandHost(Protocol):
    """What the slash commands call: a DiscordBot, or a stand-in when only registering."""

    async def on_brief(
        self, interaction: Interaction, topic: str | None, ephemeral: bool
    ) -> None: ...

    async def on_card(self, interaction: Interaction, topic: str, ephemeral: bool) -> None: ...

    async def on_quotes(
        self, interaction: Interaction, topic: str | None, speaker: str | None, ephemeral: bool
    ) -> None: ...

    async def topic_choices(self, current: str) -> list[app_commands.Choice[str]]: ...

    async def speaker_choices(self, current: str) -> list[app_commands.Choice[str]]: ...


_TOPIC = "A topic (pick one) or a few words to search for"
_EPHEMERAL = "Only you see the answer (default: everyone in the channel)"


def commands(host: CommandHost) -> list[app_commands.Command[Any, Any, None]]:
    """The slash commands, each a thin callback into the host."""

    @app_commands.command(name="brief", description="A short cited briefing on a topic")
    @app_commands.describe(topic=_TOPIC, ephemeral=_EPHEMERAL)
    async def brief(
        interaction: Interaction, topic: str | None = None, ephemeral: bool = False
    ) -> None:
        await host.on_brief(interaction, topic, ephemeral)

    @app_commands.command(name="card", description="A fact card on a topic")
    @app_commands.describe(topic=_TOPIC, ephemeral=_EPHEMERAL)
    async def card(interaction: Interaction, topic: str, ephemeral: bool = False) -> None:
        await host.on_card(interaction, topic, ephemeral)

    @app_commands.command(name="quotes", description="Attributed quotes on a topic or by a speaker")
    @app_commands.describe(topic=_TOPIC, speaker="Only quotes by this person", ephemeral=_EPHEMERAL)
    async def quotes(
        interaction: Interaction,
        topic: str | None = None,
        speaker: str | None = None,
        ephemeral: bool = False,
    ) -> None:
        await host.on_quotes(interaction, topic, speaker, ephemeral)

    async def topic_ac(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await host.topic_choices(current)

    async def speaker_ac(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await host.speaker_choices(current)

    brief.autocomplete("topic")(topic_ac)
    card.autocomplete("topic")(topic_ac)
    quotes.autocomplete("topic")(topic_ac)
    quotes.autocomplete("speaker")(speaker_ac)
    return [brief, card, quotes]


class _Registration:
    """Stands in for a DiscordBot when the commands are only registered, never run."""

    async def on_brief(self, interaction: Interaction, topic: str | None, ephemeral: bool) -> None:
        raise RuntimeError("registration only")

    async def on_card(self, interaction: Interaction, topic: str, ephemeral: bool) -> None:
        raise RuntimeError("registration only")

    async def on_quotes(
        self, interaction: Interaction, topic: str | None, speaker: str | None, ephemeral: bool
    ) -> None:
        raise RuntimeError("registration only")

    async def topic_choices(self, current: str) -> list[app_commands.Choice[str]]:
        return []

    async def speaker_choices(self, current: str) -> list[app_commands.Choice[str]]:
        return []


async def sync_commands(
    settings: DiscordSettings, guild_id: int | None = None, *, clear: bool = False
) -> list[str]:
    """Register the slash commands in one guild (instant, for development) or globally;
    with `clear`, remove them from there instead."""
    client = make_client(settings)
    tree = app_commands.CommandTree(client)
    try:
        await login(client, settings.token)
        guild = discord.Object(id=guild_id) if guild_id else None
        if not clear:
            for command in commands(_Registration()):
                tree.add_command(command, guild=guild)
            for entry in digest_commands(None):
                tree.add_command(entry, guild=guild)
        try:
            synced = await tree.sync(guild=guild)
        except discord.HTTPException as exc:
            where = f"guild {guild_id}" if guild_id else "globally"
            raise BriefbotError(f"Discord refused the commands ({where}): {exc}") from None
        return [c.name for c in synced]
    finally:
        await client.close()


def invite_link(application_id: int | str) -> str:
    """The OAuth2 URL adding the bot with its slash commands and the permissions it needs."""
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)


async def invite_url(settings: DiscordSettings) -> str:
    """The invite URL; without DISCORD_APPLICATION_ID, ask Discord for it with the token."""
    if settings.application_id:
        return invite_link(settings.application_id)
    client = make_client(settings)
    try:
        await login(client, settings.token)
        app_id = client.application_id
        if app_id is None:
            raise BriefbotError("Discord did not return the application id.")
        return invite_link(app_id)
    finally:
        await client.close()
