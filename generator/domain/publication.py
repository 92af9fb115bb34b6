"""First publication and the 公示期 it starts: pure rules over a notice and the date git says it
was first published (`content.history`).

A notice is *back-dated* when its own `date` is earlier than its first publication by more than
a day (`BACKDATING_GRACE_DAYS`: a notice written in the evening and committed after midnight is
not back-dating), unless it was imported (added by the repository's root commit: it was posted
elsewhere before this site existed). A back-dated notice's 公示期 keeps its length but runs from
the first publication (`real_period`), so it can never look as if it ran before anyone could
see it; `status` is `derive.notice_status` over that period.
"""

from __future__ import annotations

from datetime import date, timedelta

from .derive import NoticeStatus
from .models import Notice

BACKDATING_GRACE_DAYS = 1


def backdated(notice: Notice, first: date | None, imported: bool) -> bool:
    return first is not None and not imported and (first - notice.date).days > BACKDATING_GRACE_DAYS


def real_period(notice: Notice, first: date | None, imported: bool) -> tuple[date, date] | None:
    """(start, end) of the 公示期 as residents could see it: the notice's own `date`..`until`, or,
    when back-dated, as long as that but from the first publication. None without `until`."""
    if notice.until is None:
        return None
    if not backdated(notice, first, imported):
        return notice.date, notice.until
    assert first is not None
    return first, first + timedelta(days=max((notice.until - notice.date).days, 0))


def status(notice: Notice, first: date | None, imported: bool, today: date) -> NoticeStatus:
    period = real_period(notice, first, imported)
    if period is None:
        return NoticeStatus(None, None)
    if today <= period[1]:
        return NoticeStatus("open", (period[1] - today).days)
    return NoticeStatus("closed", None)
