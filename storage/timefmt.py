"""How times are stored: ISO-8601 strings in UTC, which sort in time order."""

from datetime import UTC, datetime


def to_db(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass an aware UTC time")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
