"""Settings: the one place that reads ``BALCAO_*`` variables and the TOML file."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from appliance.core.i18n import supported

DEFAULT_CONFIG_FILE = Path("/etc/balcao/balcao.toml")


class SettingsError(Exception):
    """A configuration value is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8080
    time_zone: str = "America/Sao_Paulo"
    # pt-BR or en for every page and answer. Unset, each browser's Accept-Language chooses
    # between the two, and pt-BR is the default.
    language: str = ""
    log_level: str = "INFO"
    # Seconds a browser session lives without use.
    session_idle_seconds: int = 12 * 3600
    # Failed logins per login name (or per address) in the window before 429.
    login_max_failures: int = 5
    login_window_seconds: int = 300
    # Readers in the web process's pool of SQLite connections.
    db_readers: int = 4
    # Web base URL the bridge and worker use to reach the web process.
    web_url: str = ""
    # Huey runs tasks inline (tests).
    jobs_immediate: bool = False
    # Session cookies are Secure when set; they are anyway on a request that came over HTTPS.
    secure_cookies: bool = False
    # Host names the web answers besides its own (hostname, hostname.local, localhost) and
    # any IP literal: a page on another name is refused, which stops DNS rebinding.
    # "*.loja.example" allows the subdomains; "*" allows every name.
    allowed_hosts: tuple[str, ...] = ()
    # Addresses whose X-Forwarded-Proto/-For are believed (a reverse proxy on the box).
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "balcao.db"

    @property
    def jobs_path(self) -> Path:
        return self.data_dir / "jobs.db"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def base_url(self) -> str:
        return self.web_url or f"http://{self.host}:{self.port}"

    def device_dir(self, device_id: int) -> Path:
        return self.data_dir / "devices" / str(device_id)


_BOOLS = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}


def _coerce(name: str, kind: type, raw: Any) -> Any:
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            return _BOOLS[str(raw).strip().lower()]
        if kind is int:
            return int(raw)
        if kind is Path:
            return Path(raw)
        if kind is tuple:
            # A TOML list, or one string of names separated by commas or spaces (env vars).
            items = raw if isinstance(raw, list) else str(raw).replace(",", " ").split()
            return tuple(str(item).strip() for item in items if str(item).strip())
        return str(raw)
    except (KeyError, ValueError) as exc:
        raise SettingsError(f"invalid value for {name}: {raw!r}") from exc


_TYPES: dict[str, type] = {
    "data_dir": Path,
    "host": str,
    "port": int,
    "time_zone": str,
    "language": str,
    "log_level": str,
    "session_idle_seconds": int,
    "login_max_failures": int,
    "login_window_seconds": int,
    "db_readers": int,
    "web_url": str,
    "jobs_immediate": bool,
    "secure_cookies": bool,
    "allowed_hosts": tuple,
    "trusted_proxies": tuple,
}


def load_settings(
    environ: dict[str, str] | None = None, config_file: Path | None = None
) -> Settings:
    """Build settings from the TOML file (``BALCAO_CONFIG`` or /etc/balcao) and env vars.

    Environment variables win over the file. Unknown keys in the file are kept in ``extra``.
    """
    env = dict(os.environ if environ is None else environ)
    path = config_file or Path(env.get("BALCAO_CONFIG", str(DEFAULT_CONFIG_FILE)))
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    if path.is_file():
        try:
            loaded = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: {exc}") from exc
        for key, raw in loaded.items():
            if key in _TYPES:
                values[key] = _coerce(key, _TYPES[key], raw)
            else:
                extra[key] = raw
    for key, kind in _TYPES.items():
        raw = env.get(f"BALCAO_{key.upper()}")
        if raw is not None and raw != "":
            values[key] = _coerce(f"BALCAO_{key.upper()}", kind, raw)
    # BALCAO_DATA is the documented short name for the data folder.
    if env.get("BALCAO_DATA"):
        values["data_dir"] = Path(env["BALCAO_DATA"])
    if values.get("language"):
        language = supported(values["language"])
        if language is None:
            raise SettingsError(f"invalid value for language: {values['language']!r} (pt-BR or en)")
        values["language"] = language
    settings = Settings(**values, extra=extra)
    return replace(settings, data_dir=settings.data_dir.resolve())


def settings_fields() -> list[str]:
    return [f.name for f in fields(Settings)]
