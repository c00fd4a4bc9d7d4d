"""The line every benchmark prints first: what it ran on, so figures from two machines are never
compared as if they were one."""

from __future__ import annotations

import os
import platform
import sqlite3
from pathlib import Path

import telegram


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (the platform's processor string elsewhere)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def machine_line() -> str:
    """'machine: 2 cores (AMD EPYC), load 2.7, Linux-…, Python 3.11.2, SQLite 3.40.1, PTB 22.8'."""
    load = f", load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (f"machine: {os.cpu_count()} cores ({cpu_model()}){load}, {platform.platform()}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"python-telegram-bot {telegram.__version__}")
