#!/usr/bin/env python
"""HTTP load test: the portal under gunicorn on 127.0.0.1, logged-in researchers and staff.

    .venv/bin/python bench/load.py --users 50 --seconds 60            # quick-scale data
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/load.py \\
        --users 50 --seconds 60 --scale full

What it does, in order:

1. makes sure the benchmark data of ``--scale`` exists (bench/generate.py, reused when fresh);
2. copies that database to a throw-away one (PostgreSQL ``CREATE DATABASE ... TEMPLATE``, or a
   copy of the SQLite file) so the submissions made under load never change the benchmark data;
3. serves the portal with gunicorn (gthread workers) on a free port of 127.0.0.1, in production
   mode (``DEBUG=0``, collected static files), with the throw-away database;
4. logs the virtual users in server-side: a session is created with Django's SessionStore for
   each generated user and its cookie set (staff have TOTP, so no login form is used);
5. runs ``--users`` virtual users (threads, one keep-alive connection each) for ``--seconds``:
   researchers open their dashboard, disclosure, draft, notifications and the organisation
   search, and add items to their draft; staff open the risk queue (filtered, sorted),
   cases, the register, the disclosure review queue and the follow-up results, and record
   monitoring reviews on cases. Each user waits ``--think`` seconds between requests;
6. stops gunicorn and reports throughput, p50/p95/p99 latency and errors (overall and per
   action), written to bench/results/<timestamp>-load-....json. Exit status 1 on any error.

Only loopback addresses are used and every loop is bounded by ``--seconds``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
HOST = "127.0.0.1"
LOAD_SECRET_KEY = "bench-load-secret-key-only-for-the-throwaway-database-0123456789"  # noqa: S105


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# --- the throw-away database ---------------------------------------------------------------


def clone_database(target: dict, scale: str) -> dict:
    """Copy the benchmark database to ``<name>_load`` (or var/bench/<scale>-load/)."""
    from django.db import connection

    from bench import env

    connection.close()
    load_var = env.BENCH_VAR / f"{scale}-load"
    if load_var.exists():
        shutil.rmtree(load_var)
    load_var.mkdir(parents=True)
    if target["vendor"] == "postgresql":
        name = f"{target['name']}_load"
        assert name.startswith("portal_bench"), name
        with env._admin_connection(target["url"]) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{target["name"]}"')
        url = target["url"].rsplit("/", 1)[0] + "/" + name
        return {"vendor": "postgresql", "name": name, "url": url, "var_dir": str(load_var)}
    src = Path(target["name"])
    dst = load_var / "portal.sqlite3"
    shutil.copyfile(src, dst)
    return {"vendor": "sqlite", "name": str(dst), "url": "", "var_dir": str(load_var)}


def use_database(load: dict) -> None:
    """Point this process's Django connection at the throw-away database."""
    from django.db import connection

    connection.close()
    if load["vendor"] == "postgresql":
        connection.settings_dict["NAME"] = load["name"]
    else:
        connection.settings_dict["NAME"] = load["name"]


def drop_database(load: dict) -> None:
    from django.db import connection

    from bench import env

    connection.close()
    if load["vendor"] == "postgresql":
        with env._admin_connection(load["url"]) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{load["name"]}" WITH (FORCE)')
    shutil.rmtree(load["var_dir"], ignore_errors=True)


# --- virtual users -------------------------------------------------------------------------


@dataclass
class Sample:
    action: str
    status: int
    ms: float
    error: str = ""
    t0: float = 0.0


@dataclass
class VUser:
    email: str
    kind: str  # researcher | staff
    cookie: str = ""
    csrf: str = ""
    data: dict = field(default_factory=dict)


def make_session(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def build_users(n_users: int, staff_share: float, rng: random.Random) -> list[VUser]:
    from django.conf import settings

    from bench import generate as G
    from disclosures.models import Disclosure
    from portal.models import User

    n_staff = max(1, round(n_users * staff_share))
    n_res = n_users - n_staff
    drafts = list(Disclosure.objects.filter(current_version__status="draft")
                  .select_related("owner").order_by("pk")[: n_res * 3])
    rng.shuffle(drafts)
    if len(drafts) < n_res:
        raise SystemExit(f"only {len(drafts)} researchers with a draft for {n_res} virtual researchers")
    staff_emails = G.OFFICE_STAFF + G.ADMINS
    users: list[VUser] = []
    from riskmgmt.models import Case

    cases = [str(p) for p in Case.objects.exclude(status="closed").order_by("pk")
             .values_list("public_id", flat=True)[:2000]]
    from portal.models import Organisation

    orgs = [str(p) for p in Organisation.objects.filter(country="JP").order_by("pk")
            .values_list("public_id", flat=True)[:500]]
    for d in drafts[:n_res]:
        users.append(VUser(d.owner.email, "researcher",
                           data={"disclosure": str(d.public_id), "orgs": orgs, "user": d.owner}))
    for i in range(n_staff):
        email = staff_emails[i % len(staff_emails)]
        users.append(VUser(email, "staff", data={"cases": cases,
                                                 "user": User.objects.get(email=email)}))
    alphabet = string.ascii_letters + string.digits
    for u in users:
        key = make_session(u.data.pop("user"))
        u.csrf = "".join(secrets.choice(alphabet) for _ in range(32))
        u.cookie = f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={u.csrf}"
    return users


def researcher_action(u: VUser, rng: random.Random, urls: dict):
    r = rng.random()
    if r < 0.22:
        return "researcher_dashboard", "GET", urls["dashboard"], None
    if r < 0.44:
        return "disclosure_page", "GET", urls["disclosure_detail"].format(u.data["disclosure"]), None
    if r < 0.58:
        return "disclosure_edit", "GET", urls["disclosure_edit"], None
    if r < 0.68:
        return "notifications", "GET", urls["notifications"], None
    if r < 0.78:
        q = rng.choice(["東都", "大学", "Precision", "研究所", "Univ"])
        return "organisation_search", "GET", urls["org_search"] + "?" + urlencode({"q": q}), None
    start = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 3000))
    form = {
        "career-organisation": rng.choice(u.data["orgs"]),
        "career-department_name": "工学部", "career-position": rng.choice(["助教", "准教授"]),
        "career-country": "JP", "career-start_date": start.isoformat(),
        "career-end_date": (start + dt.timedelta(days=365)).isoformat(), "career-notes": "load",
    }
    return "disclosure_item_add", "POST", urls["item_add_career"], form


def staff_action(u: VUser, rng: random.Random, urls: dict):
    r = rng.random()
    case = rng.choice(u.data["cases"]) if u.data["cases"] else None
    if r < 0.30:
        params = rng.choice([
            {"status": "active", "sort": "-level"},
            {"status": "active", "level": "high", "sort": "-opened"},
            {"status": "open", "assignee": "none"},
            {"status": "active", "q": "佐藤", "sort": "-flags"},
            {"status": "active", "sort": "-opened", "page": str(rng.randint(1, 5))},
        ])
        return "review_queue", "GET", urls["risk_queue"] + "?" + urlencode(params), None
    if r < 0.50 and case:
        return "case_page", "GET", urls["case_detail"].format(case), None
    if r < 0.60:
        return "risk_register", "GET", urls["risk_register"], None
    if r < 0.70:
        return "disclosure_review_queue", "GET", urls["disclosure_queue"], None
    if r < 0.80:
        return "followup_results", "GET", urls["followup_results"], None
    if r < 0.88:
        return "staff_dashboard", "GET", urls["dashboard"], None
    if case:
        form = {"note": "定期確認: 変更なし", "next_review_date": "2027-01-15"}
        return "case_review_add", "POST", urls["case_review"].format(case), form
    return "staff_dashboard", "GET", urls["dashboard"], None


def run_user(u: VUser, port: int, deadline: float, think: tuple[float, float], seed: int,
             urls: dict, samples: list, lock: threading.Lock) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    pick = researcher_action if u.kind == "researcher" else staff_action
    local: list[Sample] = []
    time.sleep(rng.uniform(0, think[1]))  # ramp up
    while time.monotonic() < deadline:
        action, method, path, form = pick(u, rng, urls)
        headers = {"Cookie": u.cookie, "Accept-Language": "ja", "User-Agent": "bench-load"}
        body = None
        if method == "POST":
            body = urlencode({**form, "csrfmiddlewaretoken": u.csrf})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = u.csrf
        t0 = time.monotonic()
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            status = resp.status
            ms = (time.perf_counter() - started) * 1000
            error = "" if 200 <= status < 400 else f"HTTP {status}"
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            ms = (time.perf_counter() - started) * 1000
            status, error = 0, f"{type(exc).__name__}: {exc}"
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
        if status in (301, 302) and action not in ("disclosure_item_add", "case_review_add"):
            error = error or f"unexpected redirect {status} from {path}"
        local.append(Sample(action, status, ms, error, t0))
        pause = rng.uniform(*think)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        time.sleep(min(pause, remaining))
    conn.close()
    with lock:
        samples.extend(local)


def pct(values: list[float], p: float) -> float:
    from bench.measure import percentile

    return round(percentile(values, p), 1) if values else 0.0


def summarise(samples: list[Sample], seconds: float) -> dict:
    ok = [s for s in samples if not s.error]
    errors = [s for s in samples if s.error]
    times = [s.ms for s in samples]
    by_action = {}
    for name in sorted({s.action for s in samples}):
        xs = [s for s in samples if s.action == name]
        ts = [s.ms for s in xs]
        by_action[name] = {"requests": len(xs), "errors": sum(1 for s in xs if s.error),
                           "p50_ms": pct(ts, 50), "p95_ms": pct(ts, 95), "p99_ms": pct(ts, 99)}
    examples = {}
    for s in errors:
        examples.setdefault(f"{s.action}: {s.error}", 0)
        examples[f"{s.action}: {s.error}"] += 1
    return {
        "requests": len(samples), "ok": len(ok), "errors": len(errors),
        "throughput_rps": round(len(samples) / seconds, 1) if seconds else 0,
        "p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "p99_ms": pct(times, 99),
        "by_action": by_action, "error_examples": examples,
    }


# --- gunicorn --------------------------------------------------------------------------------


def server_env(load: dict) -> dict:
    envv = os.environ.copy()
    envv.update({
        "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "0", "SECRET_KEY": LOAD_SECRET_KEY,
        "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0", "ALLOWED_HOSTS": HOST,
        "PORTAL_VAR_DIR": load["var_dir"], "LOG_LEVEL": "WARNING", "AXES_ENABLED": "0",
    })
    if load["vendor"] == "postgresql":
        envv["DATABASE_URL"] = load["url"]
    else:
        envv.pop("DATABASE_URL", None)
    envv.pop("REDIS_URL", None)
    envv.pop("EMAIL_HOST", None)
    return envv


def start_gunicorn(load: dict, port: int, workers: int, threads: int) -> subprocess.Popen:
    envv = server_env(load)
    bin_dir = Path(sys.executable).parent
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), "collectstatic", "--noinput",  # noqa: S603
                    "-v", "0"], env=envv, check=True, cwd=BASE_DIR)
    log_dir = Path(load["var_dir"])
    cmd = [str(bin_dir / "gunicorn"), "portal.wsgi:application", "--bind", f"{HOST}:{port}",
           "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
           "--timeout", "60", "--graceful-timeout", "5", "--keep-alive", "5",
           "--access-logfile", str(log_dir / "gunicorn-access.log"),
           "--error-logfile", str(log_dir / "gunicorn-error.log")]
    proc = subprocess.Popen(cmd, env=envv, cwd=BASE_DIR, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see {log_dir / 'gunicorn-error.log'}")
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        time.sleep(0.3)
    stop_gunicorn(proc)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # the master stops its own workers
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def resolve_urls() -> dict:
    from django.urls import reverse

    from followup.models import SurveyCycle

    year = SurveyCycle.objects.order_by("-fiscal_year").values_list("fiscal_year", flat=True).first()
    dummy = "00000000-0000-4000-8000-000000000000"
    return {
        "dashboard": reverse("portal:dashboard"),
        "disclosure_detail": reverse("disclosures:detail", kwargs={"public_id": dummy}).replace(dummy, "{}"),
        "disclosure_edit": reverse("disclosures:edit"),
        "notifications": reverse("notifications:index"),
        "org_search": reverse("portal:organisation_search"),
        "item_add_career": reverse("disclosures:item_add", kwargs={"section": "career"}),
        "risk_queue": reverse("riskmgmt:index"),
        "case_detail": reverse("riskmgmt:case_detail", kwargs={"public_id": dummy}).replace(dummy, "{}"),
        "case_review": reverse("riskmgmt:case_action", kwargs={"public_id": dummy, "action": "review"}).replace(dummy, "{}"),
        "risk_register": reverse("riskmgmt:register"),
        "disclosure_queue": reverse("disclosures:queue"),
        "followup_results": reverse("followup:results", kwargs={"fiscal_year": year or 2025}),
    }


def main(argv: list[str] | None = None) -> int:
    from bench import env
    from bench.generate import add_scale_arguments, parse_scale

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_scale_arguments(parser)
    parser.set_defaults(scale="quick")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--staff-share", type=float, default=0.2)
    parser.add_argument("--think", default="0.5-2.0", help="seconds between a user's requests: MIN-MAX")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2 + 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--warmup", type=float, default=5,
                        help="seconds of traffic before the measured window (not counted)")
    parser.add_argument("--keep-data", action="store_true",
                        help="reuse data generated before the latest migrations (migrating forward)")
    parser.add_argument("--keep-db", action="store_true", help="keep the throw-away database")
    args = parser.parse_args(argv)
    if not (0 < args.seconds <= 3600 and 0 < args.users <= 1000):
        parser.error("--seconds must be in (0, 3600] and --users in (0, 1000]")
    think = tuple(float(x) for x in args.think.split("-", 1))
    scale = parse_scale(args)
    os.environ["SECRET_KEY"] = LOAD_SECRET_KEY  # sessions made here must verify in gunicorn
    target = env.configure(args.scale)
    env.setup_django()

    from bench.generate import prepare

    prepare(scale, target, seed=args.seed, regenerate=False, keep_stale=args.keep_data)
    load = clone_database(target, args.scale)
    use_database(load)
    rng = random.Random(args.seed)
    proc = None
    try:
        users = build_users(args.users, args.staff_share, rng)
        urls = resolve_urls()
        from django.db import connection

        connection.close()
        port = free_port()
        print(f"gunicorn on http://{HOST}:{port}/ ({args.workers} workers × {args.threads} threads), "
              f"{load['vendor']} {load['name']}; {len(users)} users for {args.seconds:.0f} s", flush=True)
        proc = start_gunicorn(load, port, args.workers, args.threads)
        samples: list[Sample] = []
        lock = threading.Lock()
        started = time.monotonic() + args.warmup  # the measured window starts after warm-up
        deadline = started + args.seconds
        threads = [threading.Thread(target=run_user, args=(u, port, deadline, think, args.seed + i,
                                                         urls, samples, lock), daemon=True)
                   for i, u in enumerate(users)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.warmup + args.seconds + 60)
        elapsed = args.seconds
        samples = [s for s in samples if s.t0 >= started]
    finally:
        if proc is not None:
            stop_gunicorn(proc)
    error_log = Path(load["var_dir"]) / "gunicorn-error.log"
    tracebacks = error_log.read_text(errors="replace").count("Traceback") if error_log.exists() else 0
    summary = summarise(samples, elapsed)
    summary["server_tracebacks"] = tracebacks
    from bench.run import machine_info

    use_database({**target, "name": target["name"]})
    machine = machine_info()
    print(f"load_requests {summary['requests']} requests")
    print(f"load_throughput {summary['throughput_rps']} req/s")
    print(f"load_p50 {summary['p50_ms']} ms")
    print(f"load_p95 {summary['p95_ms']} ms")
    print(f"load_p99 {summary['p99_ms']} ms")
    print(f"load_errors {summary['errors']} errors (target <= 0 errors) {'OK' if not summary['errors'] else 'MISS'}")
    print(f"load_server_tracebacks {tracebacks} tracebacks")
    for name, a in summary["by_action"].items():
        print(f"  {name:<24} {a['requests']:>6} req  p50 {a['p50_ms']:>7} ms  p95 {a['p95_ms']:>7} ms  "
              f"p99 {a['p99_ms']:>7} ms  errors {a['errors']}")
    for example, n in list(summary["error_examples"].items())[:10]:
        print(f"  error ×{n}: {example}")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"{stamp}-load-{scale.name}-{target['vendor']}.json"
    path.write_text(json.dumps({
        "started_at": stamp, "scale": scale.as_dict(), "users": args.users,
        "seconds": args.seconds, "think": think, "workers": args.workers, "threads": args.threads,
        "staff_share": args.staff_share, "machine": machine, "summary": summary,
    }, indent=2, ensure_ascii=False))
    print(f"written to {path}")
    if not args.keep_db:
        drop_database(load)
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    from bench.load import main as _main

    raise SystemExit(_main())
