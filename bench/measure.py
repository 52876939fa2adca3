"""Figures, targets and the measuring helpers shared by bench/run.py and its benchmarks.

A figure prints as one line ``name value unit``, followed by its target and OK/MISS when it has
one (``disclosure_page_p95 23.1 ms (target < 50 ms) OK``); a figure whose app part is not there
prints ``name n/a (not built)``.
"""

from __future__ import annotations

import dataclasses
import math
import re
import statistics
import time
from collections.abc import Callable

OPS = {"<": lambda v, t: v < t, "<=": lambda v, t: v <= t, ">=": lambda v, t: v >= t}
LINE_RE = re.compile(
    r"^(?P<name>[a-z0-9_]+) (?:(?P<value>-?\d+(?:\.\d+)?) (?P<unit>\S+)"
    r"(?: \(target (?P<op>[<>]=?) (?P<target>\d+(?:\.\d+)?) (?P<tunit>\S+)\) (?P<verdict>OK|MISS))?"
    r"|n/a \((?P<reason>[^)]*)\))$"
)


class NotBuilt(Exception):
    """The app part a benchmark needs is not there yet."""


@dataclasses.dataclass
class Target:
    op: str
    value: float
    unit: str

    def __str__(self) -> str:
        return f"{self.op} {_fmt(self.value)} {self.unit}"


def target(spec: str) -> Target:
    """``target("< 50 ms")`` / ``target("<= 12 queries")``."""
    op, value, unit = spec.split()
    if op not in OPS:
        raise ValueError(spec)
    return Target(op, float(value), unit)


@dataclasses.dataclass
class Figure:
    name: str
    value: float | None
    unit: str = ""
    target: Target | None = None
    reason: str = ""  # why the value is missing ("not built", "error: ...")
    detail: dict = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return OPS[self.target.op](self.value, self.target.value)

    def line(self) -> str:
        if self.value is None:
            reason = (self.reason or "not measured").replace("(", "[").replace(")", "]")
            return f"{self.name} n/a ({reason})"
        text = f"{self.name} {_fmt(self.value)} {self.unit}"
        if self.target is not None:
            text += f" (target {self.target}) {'OK' if self.ok else 'MISS'}"
        return text

    def as_json(self) -> dict:
        return {
            "name": self.name, "value": self.value, "unit": self.unit,
            "target": str(self.target) if self.target else None, "ok": self.ok,
            "reason": self.reason or None, "detail": self.detail or None,
        }


def _fmt(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def parse_line(line: str) -> dict:
    """Parse one printed figure line; raises ValueError when it does not follow the format."""
    m = LINE_RE.match(line.strip())
    if not m:
        raise ValueError(f"not a figure line: {line!r}")
    d = m.groupdict()
    return {
        "name": d["name"],
        "value": float(d["value"]) if d["value"] is not None else None,
        "unit": d["unit"], "reason": d["reason"],
        "target": f"{d['op']} {d['target']} {d['tunit']}" if d["op"] else None,
        "ok": None if d["verdict"] is None else d["verdict"] == "OK",
    }


def not_built(names: list[str], reason: str = "not built") -> list[Figure]:
    return [Figure(n, None, reason=reason) for n in names]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def timed(fn: Callable, *args, **kwargs) -> tuple[float, object]:
    """(milliseconds, result) of one call."""
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, result


@dataclasses.dataclass
class PageResult:
    times_ms: list[float]
    queries: int
    status: int
    size: int
    sql: list[str]

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return percentile(self.times_ms, 95)


class PageError(Exception):
    pass


def measure_page(client, url: str, *, repeats: int, warmup: int = 2, method: str = "get",
                 data: dict | None = None, headers: dict | None = None,
                 expect: tuple[int, ...] = (200,)) -> PageResult:
    """Time ``repeats`` requests of ``url`` with Django's test client, and count its queries.

    The query count comes from one extra request inside CaptureQueriesContext (which turns on
    the debug cursor), so the timed requests run without query logging.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call = getattr(client, method)
    headers = headers or {}

    def request():
        return call(url, data=data, headers=headers) if data is not None else call(url, headers=headers)

    for _ in range(warmup):
        request()
    with CaptureQueriesContext(connection) as ctx:
        response = request()
    # captured_queries reads connection.queries lazily: copy it before the next request resets it
    captured = [q["sql"] for q in ctx.captured_queries]
    if response.status_code not in expect:
        raise PageError(f"GET {url} answered {response.status_code}")
    times = []
    for _ in range(repeats):
        ms, response = timed(request)
        if response.status_code not in expect:
            raise PageError(f"{method.upper()} {url} answered {response.status_code}")
        times.append(ms)
    return PageResult(times_ms=times, queries=len(captured), status=response.status_code,
                      size=len(response.content), sql=captured)


def page_figures(prefix: str, result: PageResult, *, p95_target: str | None,
                 queries_target: str = "<= 12 queries", url: str = "") -> list[Figure]:
    detail = {"url": url, "repeats": len(result.times_ms), "bytes": result.size}
    figures = [
        Figure(f"{prefix}_queries", result.queries, "queries", target(queries_target),
               detail={**detail, "sql": result.sql[:40]}),
        Figure(f"{prefix}_median", round(result.median, 2), "ms"),
        Figure(f"{prefix}_p95", round(result.p95, 2), "ms",
               target(p95_target) if p95_target else None, detail=detail),
    ]
    return figures
