"""Settings: read once from briefbot.yaml and the environment, then passed down."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.corpus import BadYaml, load_yaml
from bot.errors import ConfigError
from bot.schedule import parse_subscriptions

DEFAULT_DB = Path("var/briefbot.db")
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class SlackSettings:
    """Slack credentials and command names."""

    bot_token: str | None = None
    app_token: str | None = None  # set: Socket Mode; unset: HTTP with the signing secret
    signing_secret: str | None = None
    api_url: str | None = None  # Web API base, slack_sdk's form: http://127.0.0.1:8888/api/
    port: int = 3000
    commands: Mapping[str, str] = field(
        default_factory=lambda: {
            "brief": "/brief",
            "card": "/card",
            "quotes": "/quotes",
            "digest": "/digest",
        }
    )
    digest_admin_group: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token)


@dataclass(frozen=True)
class DiscordSettings:
    """Discord credentials."""

    token: str | None = None
    api_url: str | None = None  # REST base in Route.BASE form: http://127.0.0.1:8889/api/v10
    application_id: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.token)


@dataclass(frozen=True)
class DigestSettings:
    """Digest delivery rules and hand-written subscriptions."""

    grace_hours: float = 6.0
    first_window_hours: float = 24.0
    subscriptions: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Settings:
    """Everything briefbot reads from outside, in one place."""

    db_path: Path = DEFAULT_DB
    briefs_dir: Path = Path("briefs")
    max_file_bytes: int = 5 * 1024 * 1024
    document_paths: tuple[Path, ...] = (Path("seeds"),)
    slack: SlackSettings = field(default_factory=SlackSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    digests: DigestSettings = field(default_factory=DigestSettings)
    alert_channels: Mapping[str, str] = field(default_factory=dict)  # platform -> channel
    config_path: Path | None = None

    @property
    def templates_dir(self) -> Path:
        return self.briefs_dir / "templates"


# Every setting briefbot.yaml may hold, by section ("" is the top level): a typo ("grace_hour")
# would otherwise be ignored in silence and the default used.
_KNOWN = {
    "": {"db", "briefs", "ingest", "documents", "slack", "discord", "digests", "alerts"},
    "ingest": {"max_file_mb"},
    "documents": {"paths"},
    "slack": {"port", "commands", "digest_admin_group"},
    "discord": {"application_id"},
    "digests": {"grace_hours", "first_window_hours", "subscriptions"},
    "alerts": {"channel"},
}


def _check_keys(data: Mapping[str, Any], where: Path) -> None:
    """Refuse a setting briefbot does not know, naming the closest one it does."""
    for section, known in _KNOWN.items():
        values = data.get(section) if section else data
        for key in values if isinstance(values, Mapping) else ():
            if str(key) not in known:
                name = f"{section}.{key}" if section else str(key)
                close = difflib.get_close_matches(str(key), sorted(known), n=1)
                hint = f"; did you mean `{close[0]}`?" if close else ""
                raise ConfigError(f"{where}: unknown setting `{name}`{hint}")


def _section(data: Mapping[str, Any], key: str, where: Path) -> Mapping[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: `{key}` must be a mapping")
    return value


def _number(section: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{where}.{key} must be a non-negative number, not {value!r}")
    return float(value)


def _read_yaml(path: Path) -> Mapping[str, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from None
    except BadYaml as exc:
        line = f":{exc.line}" if exc.line is not None else ""
        raise ConfigError(f"{path}{line}: malformed YAML: {exc.problem}") from None
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: the config must be a mapping")
    return data


def _alert_channels(value: Any, where: Path) -> dict[str, str]:
    """`alerts.channel`: one channel id for every platform, or {slack: ..., discord: ...}."""
    if value is None:
        return {}
    if isinstance(value, str | int) and not isinstance(value, bool):
        return {"slack": str(value), "discord": str(value)}
    if isinstance(value, Mapping) and set(value) <= {"slack", "discord"}:
        return {str(k): str(v) for k, v in value.items()}
    raise ConfigError(f"{where}: alerts.channel must be a channel id or {{slack: ID, discord: ID}}")


def _default_briefs() -> Path:
    here = Path("briefs")
    # Outside a checkout (an installed briefbot run elsewhere), use the project's own topics.
    return here if here.is_dir() else _PACKAGE_ROOT / "briefs"


def load_settings(
    config: Path | None = None,
    db: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from (in order of precedence) arguments, the environment and briefbot.yaml."""
    env = os.environ if env is None else env
    path = config or (Path(env["BRIEFBOT_CONFIG"]) if env.get("BRIEFBOT_CONFIG") else None)
    if path is None and Path("briefbot.yaml").is_file():
        path = Path("briefbot.yaml")
    data: Mapping[str, Any] = _read_yaml(path) if path is not None else {}
    where = path or Path("briefbot.yaml")
    _check_keys(data, where)

    ingest = _section(data, "ingest", where)
    documents = _section(data, "documents", where)
    slack = _section(data, "slack", where)
    discord = _section(data, "discord", where)
    digests = _section(data, "digests", where)
    alerts = _section(data, "alerts", where)

    commands = {**SlackSettings().commands, **_section(slack, "commands", where)}
    for name, value in commands.items():
        if not isinstance(value, str) or not value.startswith("/"):
            raise ConfigError(f"{where}: slack.commands.{name} must start with '/', not {value!r}")
    subs = digests.get("subscriptions") or []
    if not isinstance(subs, list) or not all(isinstance(s, Mapping) for s in subs):
        raise ConfigError(f"{where}: digests.subscriptions must be a list of mappings")
    parse_subscriptions(subs, str(where))  # fail at start-up, naming the bad entry
    paths = documents.get("paths") or ["seeds"]
    if isinstance(paths, str):
        paths = [paths]
    port = env.get("PORT") or slack.get("port") or 3000
    try:
        port = int(port)
    except ValueError:
        raise ConfigError(f"port must be a number, not {port!r}") from None

    return Settings(
        db_path=db or Path(env.get("BRIEFBOT_DB") or data.get("db") or DEFAULT_DB),
        briefs_dir=Path(env.get("BRIEFBOT_BRIEFS") or data.get("briefs") or _default_briefs()),
        max_file_bytes=int(_number(ingest, "max_file_mb", 5, "ingest") * 1024 * 1024),
        document_paths=tuple(Path(p) for p in paths),
        slack=SlackSettings(
            bot_token=env.get("SLACK_BOT_TOKEN") or None,
            app_token=env.get("SLACK_APP_TOKEN") or None,
            signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            api_url=env.get("SLACK_API_URL") or None,
            port=port,
            commands=commands,
            digest_admin_group=slack.get("digest_admin_group"),
        ),
        discord=DiscordSettings(
            token=env.get("DISCORD_TOKEN") or None,
            api_url=env.get("DISCORD_API_URL") or None,
            application_id=env.get("DISCORD_APPLICATION_ID") or discord.get("application_id"),
        ),
        digests=DigestSettings(
            grace_hours=_number(digests, "grace_hours", 6, "digests"),
            first_window_hours=_number(digests, "first_window_hours", 24, "digests"),
            subscriptions=tuple(subs),
        ),
        alert_channels=_alert_channels(alerts.get("channel"), where),
        config_path=path,
    )
