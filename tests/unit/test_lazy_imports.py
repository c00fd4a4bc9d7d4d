"""Start-up stays quick and idle memory small: what only some commands need is imported when used."""

from __future__ import annotations

import subprocess
import sys

import pytest

#: Loaded the first time a chart is drawn, or only by the tests (matplotlib with numpy alone would add
#: about 40 MiB and over half a second to every start); aiohttp's server when the health endpoint is
#: on (its client is the bot's Bot API client, bot/transport.py), segno
#: for a mediation summary's QR code, cron-descriptor for a schedule's wording, python-json-logger
#: for JSON logs (together about 10 MiB of idle memory and a tenth of a second of start-up). tornado
#: (PTB's own webhook server, 6.6 MiB) is not even installed: bot/webhook.py serves the webhook.
LAZY = ("matplotlib", "numpy", "PIL", "playwright", "hypothesis", "aiohttp.web", "segno", "cron_descriptor",
        "pythonjsonlogger", "tornado")


@pytest.mark.slow
def test_the_bot_starts_without_importing_what_only_charts_and_tests_need():
    probe = ("import sys, bot.cli, bot.runtime, bot.app, handlers, bot.health, bot.metrics; "
             f"print(' '.join(m for m in {LAZY!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
