"""Bulk inserts that report what they actually inserted.

``bulk_create(ignore_conflicts=True)`` cannot tell which rows a conflict dropped (Django sets no
primary keys with it), so a count taken from the list passed in counts rows that another worker
had already inserted — two beats running one schedule both reported every reminder. The
``ON CONFLICT DO NOTHING RETURNING`` insert here (``INSERT OR IGNORE … RETURNING`` on SQLite)
returns only the rows this statement inserted, so counts written to the audit trail are the
rows that exist because of this run.
"""

from __future__ import annotations

from django.db import router
from django.db.models.constants import OnConflict


def insert_ignoring_conflicts(model, objs: list, *, batch_size: int = 1000) -> list:
    """Insert ``objs``, skipping any that conflict with an existing row; returns the primary
    keys of the rows inserted (in no particular order)."""
    if not objs:
        return []
    db = router.db_for_write(model)
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields
              if not getattr(f, "generated", False) and not (f is pk and f.db_returning)]
    inserted = []
    for start in range(0, len(objs), batch_size):
        batch = objs[start:start + batch_size]
        for obj in batch:
            obj._prepare_related_fields_for_save(operation_name="insert_ignoring_conflicts")
        rows = model._base_manager._insert(batch, fields=fields, returning_fields=[pk],
                                           using=db, on_conflict=OnConflict.IGNORE)
        inserted += [row[0] for row in rows or []]
    return inserted
