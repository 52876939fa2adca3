"""Demo data of the follow-up survey: 令和5年度 and 令和6年度 cycles with answers, then the
current fiscal year's cycle opened by the annual turn (services.cycles_roll).

The university registry comes from MEXT's real list (followup/data/); the answers of other
institutions are invented (seeded, so loading twice gives the same data and changes nothing).
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from portal.models import Institution, InstitutionCategory, User

from . import mext, services
from .models import RegulationDocument, SurveyCycle, SurveyResponse

EXTRA_INSTITUTIONS = [
    ("IUR01", "人間文化研究機構", "National Institutes for the Humanities", "inter_university"),
    ("IUR02", "自然科学研究機構", "National Institutes of Natural Sciences", "inter_university"),
    ("IUR03", "高エネルギー加速器研究機構", "High Energy Accelerator Research Organization",
     "inter_university"),
    ("IUR04", "情報・システム研究機構", "Research Organization of Information and Systems",
     "inter_university"),
]

# Per year, the weights of options 1..5: answers improve from 令和5年度 to 令和6年度.
WEIGHTS = {2023: [30, 15, 20, 25, 10], 2024: [60, 20, 10, 8, 2]}
PER_CATEGORY = {"national_university": 40, "public_university": 20, "private_university": 50,
                "inter_university": 4}

def _minimal_pdf() -> bytes:
    """A one-page blank PDF (uploads are checked by opening them, so it must be real)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _codes(inst_code: str, year: int) -> dict[int, int]:
    rng = random.Random(f"{inst_code}-{year}")  # noqa: S311 - demo data only
    return {n: rng.choices([1, 2, 3, 4, 5], weights=WEIGHTS[year])[0] for n in range(1, 8)}


def load(stdout=None) -> None:
    services.institutions_load_mext(records=mext.default_records())
    with transaction.atomic():
        categories = {c.code: c for c in InstitutionCategory.objects.all()}
        for code, name_ja, name_en, cat in EXTRA_INSTITUTIONS:
            if not Institution.objects.filter(code=code).exists():
                from portal.services import institution_save

                institution_save(instance=Institution(code=code, name_ja=name_ja, name_en=name_en,
                                                      category=categories[cat]))
        cycles = {y: services.cycle_open(fiscal_year=y) for y in (2023, 2024)}
        chosen = []
        for cat, n in PER_CATEGORY.items():
            chosen += list(Institution.objects.filter(category__code=cat, is_home=False)
                           .order_by("code")[:n])
        for year, cycle in cycles.items():
            done = set(SurveyResponse.objects.filter(cycle=cycle, is_current=True)
                       .values_list("institution_id", flat=True))
            for inst in chosen:
                if inst.pk not in done:
                    services.response_import(cycle=cycle, institution=inst,
                                             codes=_codes(inst.code, year))
        admin = User.objects.filter(email="admin@demo.example").first()
        if admin is None or Institution.home() is None:
            return
        for title, kind, enacted in (
            ("利益相反マネジメント規程", RegulationDocument.Kind.CONFLICT_OF_INTEREST,
             dt.date(2022, 4, 1)),
            ("研究インテグリティに係るリスクマネジメント規程", RegulationDocument.Kind.RISK_MANAGEMENT,
             dt.date(2023, 10, 1)),
        ):
            if not RegulationDocument.objects.filter(title=title).exists():
                services.regulation_upload(
                    title=title, kind=kind, enacted_on=enacted, revised_on=None,
                    upload=SimpleUploadedFile("regulation.pdf", _minimal_pdf(), "application/pdf"),
                    actor=admin)
        # The home institution answered (and locked) the sample years; the annual turn then
        # opens the current fiscal year's cycle and closes the locked ones, so the demo's
        # newest cycle is the year it runs in (令和8年度 in December 2026).
        for year, answers, evidence in (
                (2023, {1: 1, 2: 1, 3: 2, 4: 3, 5: 4, 6: 4, 7: 2}, "令和5年度 学内説明会・規程整備"),
                (2024, {1: 1, 2: 1, 3: 1, 4: 2, 5: 3, 6: 4, 7: 1}, "令和6年度 研究インテグリティ研修")):
            prev = services.home_response_start(cycle=cycles[year], actor=admin)
            if prev.status == SurveyResponse.Status.DRAFT:
                services.answers_save(response=prev, actor=admin, answers={
                    n: services.AnswerInput(option_code=c, evidence=evidence if c == 1 else "")
                    for n, c in answers.items()})
                services.response_approve(response=prev, actor=admin)
                services.response_lock(response=prev, actor=admin)
        services.cycles_roll(actor=admin)
        newest = SurveyCycle.objects.order_by("-fiscal_year").first()
        services.home_response_start(cycle=newest, actor=admin)
    if stdout is not None:
        labels = "・".join(c.label for c in SurveyCycle.objects.order_by("fiscal_year"))
        stdout.write(f"  followup: cycles {labels}, {len(chosen)} institutions with answers")
