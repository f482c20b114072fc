"""Where the CLI keeps its URL, tenant and API key, and how environment variables override them.

File: `$LABELHUB_CONFIG`, else `~/.config/labelhub/config.json` (mode 0600). Environment variables
LABELHUB_URL, LABELHUB_TENANT and LABELHUB_API_KEY override the stored values.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

ENV_PATH = "LABELHUB_CONFIG"
ENV_VARS = {"url": "LABELHUB_URL", "tenant": "LABELHUB_TENANT", "api_key": "LABELHUB_API_KEY"}


class ConfigError(Exception):
    """The configuration is missing a value or cannot be read."""


@dataclass(frozen=True)
class Config:
    url: str
    tenant: str
    api_key: str


def config_path(environ: dict | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get(ENV_PATH):
        return Path(environ[ENV_PATH]).expanduser()
    return Path.home() / ".config" / "labelhub" / "config.json"


def load_stored(path: Path) -> dict:
    """The stored values (an empty dict when there is no file yet)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise ConfigError(f"{path} is not valid JSON: fix it or run `labelhub login` again") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a JSON object")
    return {k: str(v) for k, v in data.items() if k in ENV_VARS and v}


def save(path: Path, values: dict) -> Path:
    """Write the values atomically, readable by the owner only (0600; the directory 0700 when created)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    clean = {k: values[k] for k in ENV_VARS if values.get(k)}
    fd, tmp = tempfile.mkstemp(prefix=".config-", dir=path.parent)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o600)
            json.dump(clean, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def resolve(path: Path | None = None, environ: dict | None = None) -> Config:
    """Stored values overridden by the environment; every value is required."""
    environ = os.environ if environ is None else environ
    path = path or config_path(environ)
    values = load_stored(path)
    for key, var in ENV_VARS.items():
        if environ.get(var):
            values[key] = environ[var]
    missing = [key for key in ENV_VARS if not values.get(key)]
    if missing:
        names = ", ".join(f"{k.replace('_', ' ')} (${ENV_VARS[k]})" for k in missing)
        raise ConfigError(f"no {names} configured: run `labelhub login` (config: {path}) or set the variables")
    return Config(url=values["url"], tenant=values["tenant"], api_key=values["api_key"])
