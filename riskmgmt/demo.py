"""Demo data of risk management: a small screening list and a few cases.

Idempotent. Works whether or not the disclosures demo has run (everything is guarded).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone

from portal.models import User

FIXTURE = Path(__file__).parent / "fixtures" / "demo_screening_list.csv"


def load(stdout=None) -> None:
    from riskmgmt import services
    from riskmgmt.models import Case, Concern, MeasureKind, ScreeningList

    services.rules_ensure_builtin()
    admin = User.objects.filter(email="admin@demo.example").first()
    staff = User.objects.filter(email="staff@demo.example").first()
    lst = ScreeningList.objects.filter(code="demo-list").first()
    if lst is None:
        lst = services.screening_list_get_or_create(
            code="demo-list", fmt="generic", name="デモ用スクリーニングリスト (Demo screening list)",
            actor=admin)
    if not lst.releases.exists():
        services.screening_release_import(screening_list=lst, data=FIXTURE.read_bytes(),
                                          filename=FIXTURE.name, actor=admin, label="demo",
                                          rescreen=False)
        # A registry organisation that the new release finds, for the hit review page.
        from portal.models import Organisation
        from portal.services import organisation_save

        if not Organisation.objects.filter(name_en="Harbin Institute of Technology").exists():
            organisation_save(instance=Organisation(name_ja="哈爾浜工業大学",
                                                    name_en="Harbin Institute of Technology",
                                                    country="CN"), actor=admin)
        services.screening_rescreen_registry(release=lst.releases.get(is_current=True),
                                             actor=admin)
    # Rules over the disclosures that the disclosures demo may have submitted.
    try:
        from disclosures.models import DisclosureVersion

        for version_id in DisclosureVersion.objects.filter(
                status__in=["submitted", "under_review", "accepted"]).values_list("pk", flat=True):
            services.version_evaluate(version_id=version_id)
    except Exception as exc:  # the demo must never crash on another app's data
        if stdout is not None:
            stdout.write(f"  riskmgmt: rules not evaluated ({exc})")
    researcher = User.objects.filter(email="researcher@demo.example").first()
    if researcher is not None and staff is not None and not Case.objects.filter(
            researcher=researcher, concern=Concern.TALENT_PROGRAMME).exists():
        case, _flag = services.case_open_or_join(
            researcher=researcher, concern=Concern.TALENT_PROGRAMME,
            reason="デモ: 外国の人材登用プログラムへの参加の申告 (demo)", actor=staff)
        services.case_assign(cases=[case], assignee=staff, actor=staff)
        services.case_assess(case=case, likelihood=3, impact=4, actor=staff,
                             rationale="デモ: 研究成果の帰属に関する条項を確認する必要がある。")
        services.case_decide(case=case, decision=Case.Decision.MITIGATE, note="デモ", actor=staff)
        services.measure_add(case=case, kind=MeasureKind.EXPORT_CONTROL, owner=staff,
                             due_date=timezone.localdate() - dt.timedelta(days=3),
                             description="該非判定と取引審査", actor=staff)
        services.measure_add(case=case, kind=MeasureKind.TRAINING, owner=researcher,
                             due_date=timezone.localdate() + dt.timedelta(days=30),
                             description="研究セキュリティ研修の受講", actor=staff)
        answered = services.information_request_ask(
            case=case, actor=staff, question="プログラムへの参加期間を教えてください。")
        services.information_request_answer(
            request=answered, actor=researcher, answer="2024年4月から2年間です。契約書の表紙を添付します。",
            files=[_demo_pdf("契約書表紙.pdf")])
        services.information_request_ask(case=case, actor=staff,
                                         question="プログラムの契約書の写しを添付してください。")
    if stdout is not None:
        stdout.write(f"  riskmgmt: screening list ({lst.releases.count()} release), "
                     f"{Case.objects.count()} cases")


def _demo_pdf(name: str):
    """A one-page blank PDF to attach to the demo's answered question."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")
