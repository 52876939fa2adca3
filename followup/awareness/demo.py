"""Demo data of the awareness app: this year's trainings, an e-learning course with a quiz,
a circulated notice and some attendance. Loading twice changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from followup.awareness import services
from followup.awareness.models import (
    ActivityKind,
    Attendance,
    Audience,
    AwarenessActivity,
    CaseStudy,
)
from portal.fiscal import fiscal_year_of
from portal.models import User

ELEARNING_TITLE = "研究インテグリティ e-ラーニング（基礎編）"


def _activity(title: str, **fields) -> tuple[AwarenessActivity, bool]:
    existing = AwarenessActivity.objects.filter(title=title).first()
    if existing is not None:
        return existing, False
    return services.activity_save(actor=None, instance=AwarenessActivity(title=title, **fields)), True


@transaction.atomic
def load(stdout=None) -> None:
    fy = fiscal_year_of()
    start = dt.date(fy, 4, 1)
    today = timezone.localdate()
    seminar, _new = _activity(
        "研究セキュリティ・インテグリティ説明会",
        kind=ActivityKind.SEMINAR, date=min(start + dt.timedelta(days=60), today),
        audience=Audience.EVERYONE, organiser="研究推進部", participants_count=84,
        description="国の対応方針と本学の報告手続（兼業・外部資金・資金以外の支援）の説明。"
                    "事例集から2件を取り上げて討議した。",
    )
    if _new:
        seminar.case_studies.set(CaseStudy.objects.filter(pk__in=[1, 2]))
    elearning, new_el = _activity(
        ELEARNING_TITLE,
        kind=ActivityKind.ELEARNING, date=start, audience=Audience.RESEARCHERS,
        is_required=True, due_date=dt.date(fy + 1, 1, 31), self_completion=True, pass_mark=60,
        organiser="研究推進部",
        description="全研究者に受講をお願いしています。受講後、確認テストに答えて修了を記録してください。",
    )
    if new_el:
        services.quiz_question_add(
            actor=None, activity=elearning,
            text="無報酬の海外の客員教授の称号を受けた。所属機関への届出は？",
            choices=[("兼業として届け出る", True), ("無報酬なので不要", False),
                     ("申請書に書けば機関への届出は不要", False)],
        )
        services.quiz_question_add(
            actor=None, activity=elearning,
            text="海外企業との共同研究契約書が研究室に直接届いた。まずすべきことは？",
            choices=[("機関の契約窓口に回す", True), ("急ぐなら自分で署名する", False)],
        )
    _activity(
        "文部科学省通知の周知：研究インテグリティの確保について",
        kind=ActivityKind.NOTICE, date=min(start + dt.timedelta(days=30), today),
        audience=Audience.EVERYONE, organiser="研究推進部",
        description="通知を全教職員に電子メールで周知し、学内ポータルに掲載した。",
    )
    researcher = User.objects.filter(email="researcher2@demo.example").first()
    if researcher is not None and not Attendance.objects.filter(activity=seminar,
                                                                user=researcher).exists():
        services.attendance_mark(actor=None, activity=seminar, users=[researcher])
    if stdout is not None:
        stdout.write("  awareness: trainings, an e-learning course with a quiz, a notice")
