"""Fold the flags that a resubmission re-added into one flag carried forward.

Before 0006 every evaluated version added its own flag for the same rule on the same
disclosure. Flags of one (disclosure, rule[, screened organisation]) become one: the earliest
is kept (with the items of the latest), each version gets its :class:`FlagVersion` (new for
the first, then unchanged or changed by reason), the others are deleted and the cases' flag
counts recounted.
"""

import hashlib

from django.db import migrations
from django.db.models import Count


def _key(flag):
    key = f"disclosure:{flag.version.disclosure_id}:rule:{flag.rule_id}"
    if flag.hit_id and flag.hit.organisation_id:
        key += f":org:{flag.hit.organisation_id}"
    return key


def fold(apps, schema_editor):
    Flag = apps.get_model("riskmgmt", "Flag")
    FlagItem = apps.get_model("riskmgmt", "FlagItem")
    FlagVersion = apps.get_model("riskmgmt", "FlagVersion")
    Case = apps.get_model("riskmgmt", "Case")
    groups = {}
    flags = (Flag.objects.filter(version__isnull=False, rule__isnull=False)
             .select_related("version", "hit").order_by("version__number", "version_id", "id"))
    for flag in flags.iterator():
        groups.setdefault(_key(flag), []).append(flag)
    cases = set()
    for key, group in groups.items():
        keeper, last = group[0], group[-1]
        states, previous = [], None
        for flag in group:
            if any(v == flag.version_id for v, _s in states):
                continue
            state = "new" if previous is None else (
                "unchanged" if flag.reason == previous else "changed")
            states.append((flag.version_id, state))
            previous = flag.reason
        FlagVersion.objects.bulk_create(
            [FlagVersion(flag=keeper, version_id=v, state=s) for v, s in states],
            ignore_conflicts=True)
        if last.pk != keeper.pk:
            FlagItem.objects.filter(flag=keeper).delete()
            FlagItem.objects.filter(flag=last).update(flag=keeper)
            keeper.reason, keeper.item_labels = last.reason, last.item_labels
        keeper.concern_key = key
        item_keys = FlagItem.objects.filter(flag=keeper).values_list("item_key", flat=True)
        keeper.fingerprint = hashlib.sha256("\n".join(
            [keeper.reason, *sorted(str(k) for k in item_keys)]).encode()).hexdigest()
        keeper.save(update_fields=["concern_key", "fingerprint", "reason", "item_labels"])
        extra = [f.pk for f in group[1:]]
        if extra:
            cases.update(f.case_id for f in group)
            Flag.objects.filter(pk__in=extra).delete()
    for case in Case.objects.filter(pk__in=cases).annotate(n=Count("flags")):
        Case.objects.filter(pk=case.pk).update(flag_count=case.n)


class Migration(migrations.Migration):
    dependencies = [("riskmgmt", "0006_flag_carried_forward")]

    operations = [migrations.RunPython(fold, migrations.RunPython.noop)]
