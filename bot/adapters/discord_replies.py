"""What the /digest commands say on Discord: usage, refusals and a channel's digest listing."""

from __future__ import annotations

from discord.utils import escape_markdown

from bot.briefing import Briefing
from bot.models import Subscription
from bot.schedule import SUBSCRIBE_USAGE
from bot.subscriptions import PAUSE_AFTER

USAGE = (
    "Usage: `/digest subscribe topics:golden-dome nuclear-risk at:08:00 tz:Europe/London "
    "days:weekdays` (`at`, `tz` and `days` are optional)."
)
EXAMPLE = "`/digest subscribe topics:golden-dome at:08:00`"
# The core's messages name the CLI syntax; on Discord the same thing is typed as options.
_SYNTAX = (
    (SUBSCRIBE_USAGE, USAGE),
    ("`/digest subscribe golden-dome at 08:00`", EXAMPLE),
    ("`unsubscribe all`", "`/digest unsubscribe topic:all`"),
    ("`unsubscribe golden-dome`", "`/digest unsubscribe topic:golden-dome`"),
    ("`at 08:00` or `at 17:30`", "`at:08:00` or `at:17:30`"),
)
NOT_MANAGER = (
    "Only members who can manage this channel (the *Manage Channels* permission) can change its "
    "digest. Ask a moderator; anyone can see the current digest with `/digests`."
)
NOT_IN_SERVER = "Digests are for server channels: run this in a channel of your server."
NO_DIGEST = (
    f"This channel has no digest yet. Someone who can manage the channel can start one: {EXAMPLE}."
)


def discord_syntax(message: str) -> str:
    """A core error message with its command examples written as Discord options."""
    for core, ours in _SYNTAX:
        message = message.replace(core, ours)
    return message


def describe(briefing: Briefing, sub: Subscription) -> str:
    """A subscription's topics (with titles) and schedule, as two lines."""
    names = []
    for slug in sub.topics:
        topic = briefing.defined_topic(slug)
        title = f"{escape_markdown(topic.title)} " if topic and topic.title != slug else ""
        names.append(f"{title}(`{slug}`)" if title else f"`{slug}`")
    return f"**Topics:** {', '.join(names)}\n**When:** {sub.schedule.describe()}"


def listing(briefing: Briefing, sub: Subscription | None) -> str:
    """`/digest list`: the channel's digest, and if it is paused, why and how to resume."""
    if sub is None:
        return NO_DIGEST
    lines = ["**This channel's digest**", describe(briefing, sub)]
    if sub.nothing_new:
        lines.append("Posts a short note when nothing is new.")
    if sub.subscriber:
        lines.append(f"Delivery problems are reported by DM to <@{sub.subscriber}>.")
    error = escape_markdown(sub.last_error or "unknown")
    if sub.paused:
        lines += [
            f"⏸️ **Paused** after repeated failed deliveries. Last error: {error}.",
            "To resume, fix the cause (briefbot needs View Channel, Send Messages, Embed Links "
            "and Read Message History in this channel), then run "
            f"`/digest subscribe topics:{' '.join(sub.topics)}` here.",
        ]
    elif sub.failures:
        lines.append(
            f"⚠️ The last delivery failed: {error}. The digest pauses after {PAUSE_AFTER} "
            "failures in a row."
        )
    return "\n".join(lines)
