"""Notifications keep their kind and parameters and are rendered when read.

Existing rows keep the text stored when they were created (``title``/``body`` renamed to
``stored_title``/``stored_body``); their ``params`` stay NULL, so they keep reading as stored
(the fallback). Rows created from now on store ``params`` and read in the reader's language.
"""

from django.db import migrations, models

import portal.notifications.kinds


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0002_alter_notification_kind_and_more"),
    ]

    operations = [
        migrations.RenameField("notification", "title", "stored_title"),
        migrations.RenameField("notification", "body", "stored_body"),
        migrations.AlterField(
            model_name="notification", name="stored_title",
            field=models.CharField(max_length=300, verbose_name="title as stored"),
        ),
        migrations.AlterField(
            model_name="notification", name="stored_body",
            field=models.TextField(blank=True, verbose_name="text as stored"),
        ),
        migrations.AddField(
            model_name="notification", name="params",
            field=models.JSONField(blank=True, default=None, null=True, verbose_name="parameters"),
        ),
        migrations.AddField(
            model_name="notification", name="resolved_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="done at"),
        ),
        migrations.AlterField(
            model_name="notification", name="kind",
            field=models.CharField(choices=portal.notifications.kinds.kind_choices, max_length=40,
                                   verbose_name="kind"),
        ),
        migrations.AlterField(
            model_name="notificationpreference", name="kind",
            field=models.CharField(choices=portal.notifications.kinds.kind_choices, max_length=40,
                                   verbose_name="kind"),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(condition=models.Q(("resolved_at__isnull", True)),
                               fields=["kind", "object_id"], name="notif_unresolved"),
        ),
    ]
