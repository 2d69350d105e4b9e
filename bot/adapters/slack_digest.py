"""Digests on Slack: the /digest command, who may change a channel's digest, and how Slack's
refusals map to delivery errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_blocks import (
    SORRY,
    USER_ID,
    Message,
    Payload,
    clip,
    digest_messages,
    escape,
    notice,
    unknown_topic,
)
from bot.briefing import Briefing
from bot.config import SlackSettings
from bot.errors import BriefbotError, DeliveryError, UnknownTopic
from bot.models import Subscription

log = logging.getLogger(__name__)

PLATFORM = "slack"
NETWORK = (aiohttp.ClientError, asyncio.TimeoutError, OSError)
# Errors after which retrying the same post cannot succeed until a person acts.
PERMANENT = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "account_inactive", "invalid_auth"}
    | {"not_authed", "token_revoked", "missing_scope", "restricted_action", "user_not_found"}
)
RESPONSES = 5  # a response_url takes 5 posts
ACTIONS = {
    "help": "help",
    "?": "help",
    "list": "list",
    "ls": "list",
    "status": "list",
    "subscribe": "subscribe",
    "add": "subscribe",
    "unsubscribe": "unsubscribe",
    "remove": "unsubscribe",
    "now": "now",
    "preview": "now",
}
_COMMAND_IN_TEXT = re.compile(r"`(?:/digest )?(subscribe|unsubscribe)\b")


# -- delivery errors ------------------------------------------------------------------------


def _header(exc: SlackApiError, name: str) -> str | None:
    headers = getattr(exc.response, "headers", None) or {}
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value[0] if isinstance(value, list) else value)
    return None


@contextlib.contextmanager
def delivering() -> Iterator[None]:
    """Turn Slack's refusals and network failures into DeliveryError."""
    try:
        yield
    except SlackApiError as exc:
        raise delivery_error(exc) from None
    except NETWORK as exc:
        raise DeliveryError(f"network error talking to Slack: {exc}") from None


def error_code(exc: SlackApiError) -> str:
    """Slack's error code for a refused call ("ratelimited", "not_in_channel"), or the status."""
    return str(exc.response.get("error") or f"HTTP {exc.response.status_code}")


def delivery_error(exc: SlackApiError) -> DeliveryError:
    """Slack's refusal as a DeliveryError: 429 later, lost access permanent, else transient."""
    status = exc.response.status_code
    error = error_code(exc)
    if status == 429 or error == "ratelimited":
        try:
            retry_after = float(_header(exc, "Retry-After") or 1)
        except ValueError:
            retry_after = 1.0
        return DeliveryError(f"rate limited by Slack ({error})", retry_after=retry_after)
    if error in PERMANENT:
        return DeliveryError(f"Slack refused: {error}", permanent=True)
    return DeliveryError(f"Slack error: {error} (HTTP {status})")


# -- permissions ----------------------------------------------------------------------------


class Managers:
    """Who may change a channel's digest: workspace admins and owners, and a user group."""

    def __init__(self, client: AsyncWebClient, group: str | None) -> None:
        self.client = client
        self.group = (group or "").strip().lstrip("@") or None

    def describe(self) -> str:
        """The people allowed, for a refusal."""
        who = "workspace admins and owners"
        return f"{who} and members of the user group @{self.group}" if self.group else who

    async def allows(self, user: str) -> bool:
        """Whether the user may subscribe or unsubscribe (Web API calls: run after the ack)."""
        try:
            info = await self.client.users_info(user=user)
            person = info.get("user") or {}
            if any(person.get(k) for k in ("is_admin", "is_owner", "is_primary_owner")):
                return True
            if self.group is None:
                return False
            group_id = await self._group_id(self.group)
            if group_id is None:
                return False
            members = await self.client.usergroups_users_list(usergroup=group_id)
            return user in (members.get("users") or [])
        except SlackApiError as exc:
            error = error_code(exc)
            log.warning("slack: permission check for %s failed: %s", user, error)
            raise BriefbotError(
                f"I could not check who may change digests: Slack said {error}. An admin may "
                "need to reinstall the app so it has the users:read and usergroups:read scopes."
            ) from None
        except NETWORK as exc:
            log.warning("slack: permission check for %s failed: %s", user, exc)
            raise BriefbotError(
                "I could not reach Slack to check who may change digests; please try again."
            ) from None

    async def _group_id(self, group: str) -> str | None:
        listing = await self.client.usergroups_list()
        wanted = group.lower()
        for g in listing.get("usergroups") or []:
            names = (str(g.get("handle") or ""), str(g.get("name") or ""), str(g.get("id") or ""))
            if wanted in (n.lower() for n in names):
                return str(g["id"])
        log.warning("slack: slack.digest_admin_group %r is not a user group here", group)
        return None


# -- the /digest command --------------------------------------------------------------------


@dataclass
class Reply:
    """What to answer: messages, and whether the channel sees them (else only the caller)."""

    payloads: list[Payload] = field(default_factory=list)
    public: bool = False


class DigestCommands:
    """Answers `/digest subscribe|list|unsubscribe|now|help` through the facade."""

    def __init__(
        self,
        briefing: Briefing,
        settings: SlackSettings,
        client: AsyncWebClient,
        workers: asyncio.Semaphore,
    ) -> None:
        self.briefing = briefing
        self.command = settings.commands.get("digest", "/digest")
        self.brief_command = settings.commands.get("brief", "/brief")
        self.managers = Managers(client, settings.digest_admin_group)
        self.workers = workers

    async def answer(self, text: str, channel: str, user: str) -> Reply:
        """The reply to one /digest command; user errors and bugs become a short notice."""
        try:
            return await self._answer(text.split(), channel, user)
        except UnknownTopic as exc:
            return Reply([unknown_topic(exc, self.brief_command)])
        except BriefbotError as exc:
            return Reply([notice(self._name_commands(str(exc)))])
        except Exception:
            log.exception("slack: failed to answer /digest %r in %s", text, channel)
            return Reply([notice(SORRY)])

    async def _core(self, func: Any, *args: Any) -> Any:
        """Call the synchronous core in a worker thread."""
        async with self.workers:
            return await asyncio.to_thread(func, *args)

    async def _answer(self, words: Sequence[str], channel: str, user: str) -> Reply:
        first = words[0].lower() if words else "help"
        action, rest = ACTIONS.get(first), list(words[1:])
        if action == "help":
            return Reply([self._usage(await self._core(self._topic_names))])
        if action == "list":
            subs: list[Subscription] = await self._core(self.briefing.digests, PLATFORM, channel)
            return Reply([self._listing(subs, await self._core(self._topic_names))])
        if action == "now":
            return Reply(await self._core(self._preview, channel))
        if action is None:
            hint = f" Did you mean `{self.command} subscribe {' '.join(words)}`?"
            return Reply([notice(f"I don't know `{words[0]}`.{hint} {self._actions()}")])
        if not await self.managers.allows(user):
            return Reply([notice(self._refusal())])
        if action == "subscribe":
            return await self._subscribe(rest, channel, user)
        return await self._unsubscribe(" ".join(rest), channel, user)

    async def _subscribe(self, words: list[str], channel: str, user: str) -> Reply:
        before: list[Subscription] = await self._core(self.briefing.digests, PLATFORM, channel)
        sub: Subscription = await self._core(
            self.briefing.subscribe, PLATFORM, channel, words, user
        )
        when = escape(sub.schedule.describe())
        text = f"{_who(user)} set this channel's digest: {_topics(sub)}, {when}."
        if any(s.paused for s in before):
            text += " It was paused after failed deliveries and is now resumed."
        m = Message()
        m.fallback = clip(text, 200)
        m.section(text)
        m.context([f"`{self.command} now` previews it · `{self.command} list` shows it"])
        return Reply([m.payload()], public=True)

    async def _unsubscribe(self, what: str, channel: str, user: str) -> Reply:
        left: Subscription | None = await self._core(
            self.briefing.unsubscribe, PLATFORM, channel, what
        )
        if left is None:
            text = f"{_who(user)} stopped this channel's digest."
        else:
            text = f"{_who(user)} changed this channel's digest: now {_topics(left)}."
        m = Message()
        m.fallback = clip(text, 200)
        m.section(text)
        return Reply([m.payload()], public=True)

    def _preview(self, channel: str) -> list[Payload]:
        """The channel's next digest as it would be now (worker thread)."""
        payloads = digest_messages(self.briefing.preview(PLATFORM, channel))
        if len(payloads) <= RESPONSES:
            return payloads
        more = len(payloads) - (RESPONSES - 1)
        note = f"The preview goes on for {more} more messages; the digest itself has them all."
        return [*payloads[: RESPONSES - 1], notice(note)]

    def _topic_names(self) -> list[str]:
        return [t.slug for t in self.briefing.topics()]

    def _name_commands(self, text: str) -> str:
        """The core's messages name `subscribe ...`: show them as this command."""
        return _COMMAND_IN_TEXT.sub(lambda m: f"`{self.command} {m.group(1)}", text)

    def _actions(self) -> str:
        return f"Type `{self.command} help` for the usage."

    def _refusal(self) -> str:
        return (
            f"Only {self.managers.describe()} can change this channel's digest; ask one of "
            f"them. Anyone can use `{self.command} list` and `{self.command} now`."
        )

    def _usage(self, topics: Sequence[str]) -> Payload:
        d = self.command
        m = Message()
        m.header("briefbot: this channel's digest")
        m.section(
            "\n".join(
                [
                    f"`{d} subscribe TOPIC... [at HH:MM] [tz Europe/London] "
                    "[daily|weekdays|weekly DAY] [nothing-new]` add topics to this channel's "
                    "digest and set when it comes (default: daily at 09:00 UTC)",
                    f"`{d} list` the channel's digest: topics, schedule, and whether it is paused",
                    f"`{d} unsubscribe TOPIC` drop a topic; `{d} unsubscribe all` stops the digest",
                    f"`{d} now` preview the next digest, shown only to you",
                    f"Example: `{d} subscribe golden-dome nuclear-risk at 08:00 tz Europe/London "
                    "weekdays`",
                ]
            )
        )
        m.context([escape(f"Only {self.managers.describe()} can subscribe or unsubscribe.")])
        m.section(_topic_line(topics))
        return m.payload()

    def _listing(self, subs: Sequence[Subscription], topics: Sequence[str]) -> Payload:
        m = Message()
        if not subs:
            m.fallback = "This channel has no digest yet."
            m.section(
                f"This channel has no digest yet. Start one with "
                f"`{self.command} subscribe TOPIC at 08:00`.\n{_topic_line(topics)}"
            )
            return m.payload()
        m.header("This channel's digest")
        for sub in subs:
            lines = [f"*Topics:* {_topics(sub)}", f"*When:* {escape(sub.schedule.describe())}"]
            if sub.nothing_new:
                lines.append("A short note is posted when nothing is new.")
            if sub.subscriber and USER_ID.match(sub.subscriber):
                lines.append(f"*Delivery problems are sent to:* <@{sub.subscriber}>")
            again = f"`{self.command} subscribe {' '.join(sub.topics)}`"
            if sub.paused:
                why = escape(clip(sub.last_error or "repeated delivery failures", 300))
                lines.append(
                    f":double_vertical_bar: *Paused* after failed deliveries. Last error: {why}."
                    f"\nFix the cause (invite the bot with `/invite`, or let it post here), "
                    f"then run {again} to resume."
                )
            elif sub.failures and sub.last_error:
                why = escape(clip(sub.last_error, 300))
                lines.append(f":warning: The last {sub.failures} deliveries failed: {why}.")
            m.section("\n".join(lines))
        m.fallback = "This channel's digest" + (" (paused)" if subs[0].paused else "")
        return m.payload()


def _who(user: str) -> str:
    return f"<@{user}>" if USER_ID.match(user) else "Someone"


def _topics(sub: Subscription) -> str:
    return ", ".join(f"`{escape(t)}`" for t in sub.topics)


def _topic_line(topics: Sequence[str]) -> str:
    if not topics:
        return "_No topics defined yet._"
    names = ", ".join(f"`{escape(t)}`" for t in topics[:40])
    return f"*Topics:* {names}" + (" …" if len(topics) > 40 else "")
