"""Recompute the stored comparison keys of every screening entry with the new normalisation
(OpenCC Han folding, pykakasi romanisation, rigour legal forms, abbreviations and initials).
The registry's next re-screening is a full pass anyway: the matcher version changed."""

from django.db import migrations


def rekey(apps, schema_editor):
    from riskmgmt.matching import entry_keys

    ScreeningEntry = apps.get_model("riskmgmt", "ScreeningEntry")
    batch = []
    for entry in ScreeningEntry.objects.only("pk", "name", "aliases").iterator(chunk_size=2000):
        entry.keys = entry_keys([entry.name, *(entry.aliases or [])])
        batch.append(entry)
        if len(batch) >= 2000:
            ScreeningEntry.objects.bulk_update(batch, ["keys"])
            batch = []
    if batch:
        ScreeningEntry.objects.bulk_update(batch, ["keys"])


class Migration(migrations.Migration):

    dependencies = [
        ("riskmgmt", "0005_measure_open_due_index"),
    ]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
