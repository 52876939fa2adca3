"""Recompute OrganisationAlias.normalized with the script-aware normalisation of
portal.names (OpenCC Han folding, legal forms, abbreviations, initials)."""

from django.db import migrations


def renormalise(apps, schema_editor):
    from portal.names import normalize_name

    OrganisationAlias = apps.get_model("portal", "OrganisationAlias")
    batch = []
    for alias in OrganisationAlias.objects.only("pk", "name").iterator(chunk_size=2000):
        alias.normalized = normalize_name(alias.name)[:300]
        batch.append(alias)
        if len(batch) >= 2000:
            OrganisationAlias.objects.bulk_update(batch, ["normalized"])
            batch = []
    if batch:
        OrganisationAlias.objects.bulk_update(batch, ["normalized"])


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0002_search_trigram_indexes"),
    ]

    operations = [
        migrations.RunPython(renormalise, migrations.RunPython.noop),
    ]
