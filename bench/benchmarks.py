"""The benchmarks: each issue's performance target, measured through the apps' own code.

Pages are requested with Django's test client through their URL names (the apps' views,
selectors and templates); writes call the apps' services; exports call the registered
exporters in a fresh process (time and peak memory). Writes run inside a transaction that is
rolled back, so the generated data stays the same from one run to the next.
"""

from __future__ import annotations

import contextlib

from django.db import transaction
from django.urls import NoReverseMatch, reverse

from bench import generate as G
from bench.measure import Figure, NotBuilt, measure_page, page_figures, target, timed
from bench.run import benchmark, child_job


def url(name: str, *args, **kwargs) -> str:
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch as exc:
        raise NotBuilt(f"URL {name} missing") from exc


def need(module: str, *attrs: str):
    """Import ``module`` and return its ``attrs``; NotBuilt when any is missing."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise NotBuilt(f"{module} missing") from exc
    found = []
    for attr in attrs:
        if not hasattr(mod, attr):
            raise NotBuilt(f"{module}.{attr} missing")
        found.append(getattr(mod, attr))
    return found[0] if len(found) == 1 else found


class Rollback(Exception):
    pass


@contextlib.contextmanager
def rolled_back():
    """Run writes in a transaction that is rolled back afterwards."""
    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


def staff_email() -> str:
    return G.OFFICE_STAFF[0]


def admin_email() -> str:
    return G.ADMINS[0]


# --- pages -----------------------------------------------------------------------------------


@benchmark("researcher_dashboard", ["researcher_dashboard_queries", "researcher_dashboard_median",
                                    "researcher_dashboard_p95"])
def researcher_dashboard(b):
    page = url("portal:dashboard")
    client = b.client(G.LONG_HISTORY_RESEARCHER)
    result = measure_page(client, page, repeats=b.repeats)
    return page_figures("researcher_dashboard", result, p95_target="< 50 ms", url=page)


# The app benchmarks are added below as the apps land.
__all__ = ["Figure", "target", "timed", "child_job", "rolled_back", "need"]
