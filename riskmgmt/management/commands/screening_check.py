"""``manage.py screening_check NAME [NAME ...] [--json] [--threshold N]``."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from riskmgmt import matching


class Command(BaseCommand):
    help = "Check names against the current screening list releases."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="+")
        parser.add_argument("--json", action="store_true", help="Print JSON.")
        parser.add_argument("--threshold", type=float, default=matching.DEFAULT_THRESHOLD)

    def handle(self, *args, **opts):
        results = matching.check_names(opts["names"], threshold=opts["threshold"])
        if opts["json"]:
            payload = [{"name": name, "matches": [m.as_dict() for m in matches]}
                       for name, matches in results.items()]
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        for name, matches in results.items():
            if not matches:
                self.stdout.write(f"{name}: no match")
                continue
            self.stdout.write(f"{name}:")
            for m in matches:
                self.stdout.write(f"  {m.score:5.1f}  {m.entry_name} [{m.list_label}] — {m.explanation}")
