"""A local Telegram Bot API emulator: run the bot fully offline and drive it as users.

See docs/emulator.md. ``Emulator`` serves the Bot API subset python-telegram-bot uses, a control
API (in-process methods and ``/control/`` HTTP routes) and the web chat page.
"""

from bot.emulator.server import Emulator
from bot.emulator.world import ApiError, Call

__all__ = ["ApiError", "Call", "Emulator"]
