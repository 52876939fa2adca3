"""``manage.py followup_export --year 2024 --format xlsx|pdf -o FILE``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from followup.models import SurveyCycle
from followup.reports import build_pdf, build_xlsx


class Command(BaseCommand):
    help = "Write one fiscal year's follow-up survey results as Excel or PDF."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True,
                            help="Fiscal year (Western starting year, e.g. 2024 for 令和6年度).")
        parser.add_argument("--format", choices=["xlsx", "pdf"], default="xlsx")
        parser.add_argument("-o", "--output", required=True, help="File to write.")

    def handle(self, *args, year, format, output, **options):
        cycle = SurveyCycle.objects.select_related("question_set").filter(fiscal_year=year).first()
        if cycle is None:
            raise CommandError(f"No survey cycle for fiscal year {year}.")
        build = build_pdf if format == "pdf" else build_xlsx
        content = build(cycle=cycle)
        Path(output).write_bytes(content)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({len(content)} bytes)."))
