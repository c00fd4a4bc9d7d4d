"""`pingan health`: asks the running bot's /healthz; exit 0 when healthy, 1 with the failing parts."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request

from bot.config import Settings

TIMEOUT_SECONDS = 10


def health(config: Settings) -> int:
    if config.health.port is None:
        print("pingan health: health.port is not set, so the bot serves no health endpoint", file=sys.stderr)
        return 1
    host = config.health.listen if config.health.listen not in ("0.0.0.0", "::") else "127.0.0.1"
    url = f"http://{host}:{config.health.port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - our own URL
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:  # 503: unhealthy, with the same body
        body = json.loads(error.read() or b"{}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        print(f"pingan health: unhealthy: no answer from {url} ({error})", file=sys.stderr)
        return 1
    if body.get("status") == "ok":
        print(f"healthy: {', '.join(body.get('parts', {}))}")
        return 0
    parts = body.get("parts", {})
    print("unhealthy: " + "; ".join(f"{name} {json.dumps(parts.get(name, {}))}" for name in body.get("failing", [])),
          file=sys.stderr)
    return 1
