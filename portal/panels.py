"""Panels one app contributes to another app's page (``<app>/panels.py``).

A page names a *slot* (``"disclosures.review"``: the reviewer's part of a disclosure page) and
renders what the providers registered for it return; the page's app does not import the
contributing app (risk management shows its flags on the disclosure page, the disclosures app
knows nothing of flags). Like the dashboard widgets: a provider is a function
``(request, obj) -> Panel | None`` that checks permissions itself and keeps to a few
queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

_PROVIDERS: dict[str, list[Callable]] = defaultdict(list)


@dataclass
class Panel:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


def panel(slot: str) -> Callable[[Callable], Callable]:
    """Register the decorated function as a provider of ``slot``."""

    def register(fn: Callable) -> Callable:
        if fn not in _PROVIDERS[slot]:
            _PROVIDERS[slot].append(fn)
        return fn

    return register


def panels_for(slot: str, request, obj) -> list[Panel]:
    panels = [p for fn in _PROVIDERS.get(slot, []) if (p := fn(request, obj))]
    return sorted(panels, key=lambda p: p.order)
