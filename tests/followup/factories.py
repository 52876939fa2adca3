"""Factories of the follow-up survey's data."""

from followup import services
from followup.models import SurveyCycle
from portal.models import Institution, InstitutionCategory


def institution(code, category="national_university", name=None):
    inst = Institution.objects.filter(code=code).first()
    if inst:
        return inst
    return Institution.objects.create(
        code=code, name_ja=name or f"機関{code}",
        category=InstitutionCategory.objects.get(code=category))


def answers(cycle: SurveyCycle, inst: Institution, codes):
    """Store ``codes`` (list of 7 option codes, Q1..Q7) as ``inst``'s imported answers."""
    return services.response_import(cycle=cycle, institution=inst,
                                    codes=dict(enumerate(codes, 1)))[0]
