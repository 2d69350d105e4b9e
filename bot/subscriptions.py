"""Managing a channel's digest from chat or the CLI: subscribe, list, unsubscribe, preview."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from bot.delivery import Poster
from bot.errors import BriefbotError, DeliveryError, UnknownTopic
from bot.models import Subscription
from bot.schedule import SUBSCRIBE_USAGE, next_slot, parse_digest_request, parse_schedule
from bot.store.digests import DigestStore
from bot.topics import TopicBook

log = logging.getLogger(__name__)

DEFAULT_AT = "09:00"


class Subscriptions:
    """The rules for changing subscriptions; the store keeps them, the scheduler delivers."""

    def __init__(
        self, store: DigestStore, topics: TopicBook, clock: Callable[[], dt.datetime]
    ) -> None:
        self.store = store
        self.topics = topics
        self.clock = clock

    def _slug(self, name: str) -> str:
        topic = self.topics.get(name)
        if topic is None:
            raise UnknownTopic(name, self.topics.closest(name))
        return topic.slug

    def subscribe(
        self, platform: str, channel: str, words: Sequence[str], user: str | None = None
    ) -> Subscription:
        """Add topics to a channel's digest (creating it), set its schedule, and resume it."""
        request = parse_digest_request(words)
        slugs = [self._slug(t) for t in request.topics]
        current = self.store.for_channel(platform, channel)
        old = current.schedule if current else None
        at = request.at or (f"{old.hour:02d}:{old.minute:02d}" if old else DEFAULT_AT)
        schedule = parse_schedule(
            at,
            request.days or (old.days if old else "daily"),
            request.tz or (old.tz if old else "UTC"),
        )
        topics = tuple(dict.fromkeys([*(current.topics if current else ()), *slugs]))
        nothing_new = (
            request.nothing_new
            if request.nothing_new is not None
            else (current.nothing_new if current else False)
        )
        now = self.clock()
        sub = Subscription(platform, channel, topics, schedule, nothing_new)
        saved = self.store.save_chat(sub, next_slot(schedule, now), now, user)
        log.info("%s %s subscribed to %s (%s)", platform, channel, topics, schedule.describe())
        return saved

    def listing(
        self, platform: str | None = None, channel: str | None = None
    ) -> list[Subscription]:
        """Subscriptions of one channel, one platform, or all."""
        return [
            s
            for s in self.store.subscriptions()
            if (platform is None or s.platform == platform)
            and (channel is None or s.channel == channel)
        ]

    def unsubscribe(self, platform: str, channel: str, what: str) -> Subscription | None:
        """Drop a topic (or `all`) from a channel's digest; None when nothing is left."""
        current = self.store.for_channel(platform, channel)
        if current is None:
            raise BriefbotError(f"This channel has no digest. {SUBSCRIBE_USAGE}")
        what = what.strip()
        if not what:
            raise BriefbotError("Say which topic to drop, or `all`: `unsubscribe golden-dome`.")
        if what.lower() == "all":
            self.store.delete(current.sub_id)
            return None
        topic = self.topics.get(what)
        slug = topic.slug if topic else what
        if slug not in current.topics:
            raise BriefbotError(
                f"This channel's digest has no topic {what!r}; it has "
                f"{', '.join(current.topics)}. Use `unsubscribe all` to stop the digest."
            )
        remaining = tuple(t for t in current.topics if t != slug)
        if not remaining:
            self.store.delete(current.sub_id)
            return None
        now = self.clock()
        next_run = self.store.next_run(current.sub_id) or next_slot(current.schedule, now)
        return self.store.save_chat(replace(current, topics=remaining), next_run, now, None)

    def window(
        self, sub: Subscription, first_window_hours: float
    ) -> tuple[dt.datetime, dt.datetime]:
        """What the channel's next digest would cover if it were due now."""
        until = self.clock()
        floor = until - dt.timedelta(hours=first_window_hours)
        last = self.store.last_until(sub.sub_id)
        # Like the scheduler: since the last digest, or at most the first window for a first one.
        return (last if last is not None else floor), until

    def pause(self, sub: Subscription, reason: str) -> None:
        """Stop delivering after repeated failures; subscribing again resumes."""
        self.store.pause(sub.sub_id, reason)


PAUSE_AFTER = 3  # consecutive permanent failures before a subscription is paused


class FailureAlerts:
    """The scheduler's failure hook: pause after repeated failures and tell someone."""

    def __init__(
        self,
        subscriptions: Subscriptions,
        posters: Mapping[str, Poster],
        alert_channels: Mapping[str, str],
        pause_after: int = PAUSE_AFTER,
    ) -> None:
        self.subscriptions = subscriptions
        self.posters = posters
        self.alert_channels = alert_channels
        self.pause_after = pause_after

    async def __call__(self, sub: Subscription, error: str, count: int) -> None:
        if count < self.pause_after:
            return
        await asyncio.to_thread(self.subscriptions.pause, sub, error)
        log.error("paused digest %d (%s %s): %s", sub.sub_id, sub.platform, sub.channel, error)
        # Silence is the complaint users have of feed bots: always tell a person or a channel.
        target = (
            f"user:{sub.subscriber}" if sub.subscriber else self.alert_channels.get(sub.platform)
        )
        poster = self.posters.get(sub.platform)
        if target is None or poster is None:
            log.error("no one to tell about paused digest %d: set alerts.channel", sub.sub_id)
            return
        text = (
            f"briefbot paused the digest for channel {sub.channel} ({', '.join(sub.topics)}) "
            f"after {count} failed deliveries. Last error: {error}. Fix the cause (invite the "
            "bot to the channel, or give it permission to post), then run `/digest subscribe "
            f"{' '.join(sub.topics)}` in that channel to resume."
        )
        try:
            await poster.notify(target, text)
        except DeliveryError as exc:
            log.error("could not alert %s about digest %d: %s", target, sub.sub_id, exc.reason)
