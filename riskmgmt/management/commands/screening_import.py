"""``manage.py screening_import FILE --format meti|csl|csl_json|ftm|generic [--list CODE]
[--kind KIND] [--dry-run]``."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from riskmgmt import services


class Command(BaseCommand):
    help = "Import a screening list release (all-or-nothing) and re-screen the registry."

    def add_arguments(self, parser):
        parser.add_argument("file")
        from riskmgmt.models import ListFormat, ListKind

        parser.add_argument("--format", required=True, choices=ListFormat.values)
        parser.add_argument("--kind", default="", choices=["", *ListKind.values],
                            help="Kind of a new list (default: the format's usual kind).")
        parser.add_argument("--list", dest="list_code", default="",
                            help="Code of the list (default: the format's name).")
        parser.add_argument("--name", default="", help="Name of a new list.")
        parser.add_argument("--label", default="", help="Label of the release (e.g. 2025-09-29).")
        parser.add_argument("--dry-run", action="store_true", help="Check the file, save nothing.")
        parser.add_argument("--no-rescreen", action="store_true",
                            help="Do not re-screen the registry after the import.")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        data = path.read_bytes()
        if len(data) > max(settings.PORTAL_MAX_UPLOAD_BYTES, 50 * 1024 * 1024):
            raise CommandError("The file is too large.")
        fmt = opts["format"]
        code = opts["list_code"] or fmt
        if opts["dry_run"]:
            from riskmgmt.models import ScreeningList

            lst = ScreeningList.objects.filter(code=code).first() or ScreeningList(code=code, format=fmt)
        else:
            lst = services.screening_list_get_or_create(code=code, fmt=fmt, name=opts["name"],
                                                        kind=opts["kind"])
        if lst.format != fmt:
            raise CommandError(f"List {code} has the format {lst.format}, not {fmt}.")
        try:
            release, result = services.screening_release_import(
                screening_list=lst, data=data, filename=path.name, label=opts["label"],
                dry_run=opts["dry_run"], rescreen=not opts["no_rescreen"])
        except services.ImportFailed as exc:
            for row, message in exc.errors:
                self.stderr.write(f"row {row}: {message}")
            raise CommandError(exc.message)
        aliases = sum(len(e.aliases) for e in result.entries)
        if release is None:
            self.stdout.write(f"Dry run: {len(result.entries)} entries, {aliases} aliases, "
                              f"{result.skipped} skipped; nothing saved.")
        else:
            self.stdout.write(self.style.SUCCESS(
                f"Imported {lst.name} release #{release.number}: {release.entry_count} entries, "
                f"{aliases} aliases, {result.skipped} skipped."))
