"""A cron expression in words, in the reader's language, for officers who have never seen one.

The wording comes from `cron-descriptor`; its weekday and month names come from the C locale
(English), so for Chinese they are swapped for ours, and its commas made full-width."""

from __future__ import annotations

import calendar

from bot.i18n import N_, gettext_in

#: cron-descriptor's locale for each shipped language.
_DESCRIPTOR_LOCALES = {"zh": "zh_CN", "en": "en_US"}

#: A daily schedule, which cron-descriptor would call just "At 21:00".
_DAILY = N_("Every day at {time}")

#: A weekly schedule on one day, cron's day of the week first (0 and 7 are Sunday): the way
#: people say it ("每周一 09:00"), where cron-descriptor says "At 09:00, only on Monday".
_WEEKLY = (N_("Every Sunday at {time}"), N_("Every Monday at {time}"), N_("Every Tuesday at {time}"),
           N_("Every Wednesday at {time}"), N_("Every Thursday at {time}"), N_("Every Friday at {time}"),
           N_("Every Saturday at {time}"), N_("Every Sunday at {time}"))

#: The two other day sets that schedules commonly use.
_DAY_SETS = {"1-5": N_("Monday to Friday at {time}"), "6,0": N_("Every Saturday and Sunday at {time}"),
             "0,6": N_("Every Saturday and Sunday at {time}"), "6-7": N_("Every Saturday and Sunday at {time}")}

#: Weekday names, Monday first (calendar.day_name's order).
_WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
             N_("Sunday"))
_MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
           N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))


def describe_cron(expression: str, locale: str) -> str:
    """What `expression` means ("Every Monday at 21:00"), or the expression itself if the
    library cannot read it."""
    fields = expression.split()
    if len(fields) == 5 and fields[2:4] == ["*", "*"] and all(f.isdigit() for f in fields[:2]):
        time = f"{int(fields[1]):02d}:{int(fields[0]):02d}"
        days = fields[4]
        if days == "*":
            # The commonest schedule: cron-descriptor's bare "At 21:00" does not say it is daily.
            return gettext_in(locale, str(_DAILY)).format(time=time)
        if days.isdigit() and int(days) < len(_WEEKLY):
            return gettext_in(locale, str(_WEEKLY[int(days)])).format(time=time)
        if days in _DAY_SETS:
            return gettext_in(locale, str(_DAY_SETS[days])).format(time=time)
    # Only a schedule's wording needs it (not the kinds above): kept out of the idle bot's memory.
    from cron_descriptor import ExpressionDescriptor, FormatError, Options, WrongArgumentError

    options = Options()
    options.locale_code = _DESCRIPTOR_LOCALES.get(locale, "en_US")
    options.use_24hour_time_format = True
    options.verbose = False
    try:
        words = ExpressionDescriptor(expression, options).get_description()
    except (FormatError, WrongArgumentError, ValueError, IndexError):
        return expression
    if locale == "en":
        return words
    for english, ours in zip(calendar.day_name, _WEEKDAYS, strict=True):
        words = words.replace(english, gettext_in(locale, str(ours)))
    for english, ours in zip(calendar.month_name[1:], _MONTHS, strict=True):
        words = words.replace(english, gettext_in(locale, str(ours)))
    return words.replace(", ", "，")
