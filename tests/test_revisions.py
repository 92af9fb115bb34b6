"""Units of issue 17's history: the raw log read into record logs, readable field and body
changes, the back-dating rule (the scripted repositories are in test_history_rules.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from generator.content.history import parse_log, record_key, wanted_blobs
from generator.domain import publication
from generator.domain.models import Notice
from generator.output.revisions import _body, _sentences

Z = "0" * 40
A1, A2, B1 = "a" * 40, "b" * 40, "c" * 40
RAW = (
    # newest first, as git writes it: a move to another year folder, then an edit, then the import
    f"\x1e3\x1f2\x1f2026-11-12T10:00:00+08:00\n\n"
    f":100644 000000 {A2} {Z} D\tnotices/2025/x.md\n:000000 100644 {Z} {A2} A\tnotices/2026/x.md\n"
    f":100644 000000 {B1} {Z} D\tprojects/p.md\n"
    f"\x1e2\x1f1\x1f2026-11-02T23:30:00+00:00\n\n:100644 100644 {A1} {A2} M\tnotices/2025/x.md\n"
    f"\x1e1\x1f\x1f2026-10-01T10:00:00+08:00\n\n"
    f":000000 100644 {Z} {A1} A\tnotices/2025/x.md\n:000000 100644 {Z} {B1} A\tprojects/p.md\n"
)


def test_record_keys_follow_a_notice_across_year_folders():
    assert record_key("notices/2025/x.md") == record_key("notices/2026/x.md") == "notices/x"
    assert record_key("evaluations/gx/2025-H1.yaml") == "evaluations/gx/2025-H1.yaml"
    assert record_key("compounds/fuhai.yaml") == "compounds/fuhai"
    assert record_key("site.yaml") is None and record_key("attachments/a.pdf") is None


def test_the_raw_log_becomes_each_records_events():
    h = parse_log(RAW, shallow=False, dirty=set(), today=date(2026, 11, 27))
    x = h.records["notices/x"]
    assert [(e.date, e.status) for e in x.events] == [
        (date(2026, 10, 1), "A"),
        (date(2026, 11, 3), "M"),  # 23:30 UTC is the next day in Shanghai
        (date(2026, 11, 12), "M"),  # moved: one modification, not a withdrawal
    ]
    assert x.first == date(2026, 10, 1) and x.imported and x.deleted is None
    assert x.events[2].before == A2 and x.events[2].path == "notices/2026/x.md"
    p = h.records["projects/p"]
    assert p.deleted is not None and p.deleted.before == B1 and p.deleted.date == date(2026, 11, 12)
    assert set(wanted_blobs(RAW)) == {A1, A2, B1}  # x was changed, p deleted


def test_later_commits_and_shallow_boundaries_are_left_out():
    past = parse_log(RAW, shallow=False, dirty=set(), today=date(2026, 11, 5))
    assert past.records["projects/p"].deleted is None
    shallow = parse_log(RAW, shallow=True, dirty=set(), today=date(2026, 11, 27))
    assert shallow.records["notices/x"].first is None  # its first commit is the boundary
    assert shallow.shallow and shallow.records["notices/x"].events[0].status == "M"


def test_body_changes_are_sentences_removed_and_added():
    before = "第一句。第二句。第三句。第四句。第五句。第六句。第七句。"
    after = "第一句。第二句。第三句。第四句。第五句。第六句改了。第七句。"
    assert _body(before, after) == (
        ("gap", "……"),
        ("same", "第四句。"),
        ("same", "第五句。"),
        ("removed", "第六句。"),
        ("added", "第六句改了。"),
        ("same", "第七句。"),
    )
    assert _body(before, before) == ()
    assert _sentences("一行\n两句！三？") == ["一行", "两句！", "三？"]


NOTICE = Notice(
    id="n",
    source="notices/2026/n.md",
    title="公示",
    date=date(2026, 11, 1),
    category="公示",
    district=None,
    streets=(),
    communities=(),
    compounds=(),
    until=date(2026, 11, 20),
    draft=False,
    attachments=(),
    body_html="",
)


def test_backdating_counts_the_period_from_the_first_publication():
    assert not publication.backdated(NOTICE, date(2026, 11, 2), False)  # a day late: an evening commit
    assert publication.backdated(NOTICE, date(2026, 11, 3), False)
    assert not publication.backdated(NOTICE, date(2026, 11, 10), True)  # the import
    assert not publication.backdated(NOTICE, None, False)  # unknown
    assert publication.real_period(NOTICE, date(2026, 11, 10), False) == (date(2026, 11, 10), date(2026, 11, 29))
    assert publication.status(NOTICE, date(2026, 11, 10), False, date(2026, 11, 27)).days_left == 2
    assert publication.status(NOTICE, None, False, date(2026, 11, 27)).state == "closed"
    assert publication.real_period(replace(NOTICE, until=None), date(2026, 11, 10), False) is None


def test_a_notice_is_first_shown_on_its_own_day_and_after_its_draft():
    from generator.output.revisions import first_shown

    raw = (
        f"\x1e2\x1f1\x1f2026-11-24T09:00:00+08:00\n\n:100644 100644 {A1} {A2} M\tnotices/2026/n.md\n"
        f"\x1e1\x1f0\x1f2026-10-20T09:00:00+08:00\n\n:000000 100644 {Z} {A1} A\tnotices/2026/n.md\n"
    )
    drafted = {A1: "---\ntitle: 公示\ndraft: true\n---\n正文\n", A2: "---\ntitle: 公示\n---\n正文\n"}
    h = parse_log(raw, shallow=False, dirty=set(), today=date(2026, 11, 27), blobs=drafted)
    assert first_shown(NOTICE, h) == (date(2026, 11, 24), False)  # the draft was not published
    ahead = {A1: drafted[A2], A2: drafted[A2]}
    h = parse_log(raw, shallow=False, dirty=set(), today=date(2026, 11, 27), blobs=ahead)
    assert first_shown(NOTICE, h) == (date(2026, 11, 1), False)  # committed ahead: shown on its day
    h = parse_log(raw, shallow=False, dirty=set(), today=date(2026, 11, 27))
    assert first_shown(NOTICE, h) == (None, False)  # versions git did not give: unknown
