"""Dashboard widgets contributed by each app (``<app>/dashboard.py``).

A provider is a function ``(request) -> Widget | list[Widget] | None``; the dashboard shows
the widgets of every provider that returns one, in ``order``. Providers check permissions
themselves and must keep to a few queries each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

_PROVIDERS: list[Callable] = []


@dataclass
class Widget:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


def provider(fn: Callable) -> Callable:
    if fn not in _PROVIDERS:
        _PROVIDERS.append(fn)
    return fn


def widgets_for(request) -> list[Widget]:
    widgets: list[Widget] = []
    for fn in _PROVIDERS:
        result = fn(request)
        if result is None:
            continue
        widgets.extend(result if isinstance(result, list) else [result])
    return sorted(widgets, key=lambda w: w.order)
