#!/usr/bin/env python3
"""Production smoke stage (called by .ci/run after the test suite).

Runs the portal the way docker-compose.yml does, outside containers, and uses it over HTTP as a
browser would. What it runs is read from the deployment files themselves, so it cannot drift
from them:

* the environment is ``.env.example`` as a shell sources it (production mode: ``DEBUG=0``,
  ``SECURE_SSL_REDIRECT=1``, ``SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto``), with only the
  machine-specific values replaced: a random ``SECRET_KEY``, the host (127.0.0.1 and a free
  port), PostgreSQL database ``SMOKE_DATABASE_NAME`` (default ``portal_smoke``, dropped and
  created here), Redis ``SMOKE_REDIS_URL`` (default db 14, flushed here), a fresh
  ``PORTAL_VAR_DIR`` and ``STATIC_ROOT``;
* the commands are the Dockerfile's ``RUN bin/portal collectstatic`` and each portal service's
  ``command`` in docker-compose.yml: ``init`` (run twice at once, to prove it is safe), then
  ``web``, ``worker`` and ``beat``, plus ``bin/portal manage demo_setup`` (the researchers and
  the open campaign) and ``bin/portal manage bootstrap --noinput`` (the first administrator,
  from ``PORTAL_BOOTSTRAP_*``).

Decision on TLS: there is no proxy here; the client plays Caddy's part and sends
``X-Forwarded-Proto: https`` with every request, and keeps the ``Secure`` cookies as a browser
behind TLS would. The HTTP part (requests, keeping cookies, CSRF token and Origin like a browser):

1. the login page answers 200 and its stylesheet, under the hashed name the manifest gives,
   answers 200 (whitenoise, production mode);
2. the demo researcher logs in, starts an update of their disclosure and submits it;
3. the bootstrap administrator logs in, sets up TOTP (as staff must), requests the export of
   every disclosure; the worker builds it; it is downloaded (an xlsx);
4. the ``campaign_reminders`` schedule is moved to every minute with ``days_before`` wide enough
   for the demo campaign (as an administrator could in the admin), beat fires it, the worker
   sends the reminder, and its e-mail lands in ``PORTAL_VAR_DIR/mail`` (the file backend,
   ``EMAIL_HOST`` empty as in .env.example).

Every process started here is stopped at the end, also on failure or Ctrl-C. Logs stay in
``var/smoke/`` (printed when a step fails).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import psycopg
import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
PORTAL = ROOT / "bin" / "portal"
WORK = ROOT / "var" / "smoke"
DB_NAME = os.environ.get("SMOKE_DATABASE_NAME", "portal_smoke")
PG = os.environ.get("SMOKE_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/14")
ADMIN_EMAIL = "smoke-admin@smoke.example"
ADMIN_PASSWORD = "smoke-" + secrets.token_urlsafe(16)
RESEARCHER = ("researcher@demo.example", "demo-pass-2024")  # portal/demo.py
PENDING_RESEARCHER = "researcher2@demo.example"  # has not answered the demo campaign
DEADLINE = time.monotonic() + float(os.environ.get("SMOKE_TIMEOUT", "480"))

PROCESSES: list[tuple[str, subprocess.Popen]] = []


def log(message: str) -> None:
    print(f"--- smoke [{time.strftime('%H:%M:%S')}]: {message}", flush=True)


def fail(message: str) -> None:
    for path in sorted(WORK.glob("*.log")):
        print(f"\n===== {path.name} (last 60 lines)")
        print("\n".join(path.read_text(errors="replace").splitlines()[-60:]))
    raise SystemExit(f"smoke: FAILED: {message}")


def wait_for(what: str, check, *, timeout: float, every: float = 1.0):
    end = min(time.monotonic() + timeout, DEADLINE)
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        for name, proc in PROCESSES:
            if proc.poll() is not None:
                fail(f"{name} exited with {proc.returncode} while waiting for {what}")
        time.sleep(every)
    fail(f"timed out waiting for {what}")


# --- What the deployment files say ------------------------------------------------------------


def env_example() -> dict[str, str]:
    script = 'set -a; . "$1"; set +a; exec "$2" -c "import json, os; print(json.dumps(dict(os.environ)))"'
    out = subprocess.run(["bash", "-c", script, "bash", str(ROOT / ".env.example"), sys.executable],  # noqa: S603,S607
                         capture_output=True, text=True, check=True, env={"PATH": os.environ["PATH"]})
    names = re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    sourced = json.loads(out.stdout)
    return {name: sourced[name] for name in names}


def compose_commands() -> dict[str, list[str]]:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    commands = {name: s["command"] for name, s in services.items()
                if str(s.get("command", [""])[0]) == "bin/portal"}
    assert set(commands) == {"init", "web", "worker", "beat"}, commands
    return commands


def dockerfile_build_commands() -> list[list[str]]:
    lines = re.findall(r"^RUN (bin/portal .*)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    return [line.split() for line in lines]


# --- Processes -----------------------------------------------------------------------------------


def run(name: str, argv: list[str], env: dict, *, timeout: float = 300) -> str:
    log(" ".join(argv))
    with open(WORK / f"{name}.log", "w") as out:
        proc = subprocess.run([str(ROOT / argv[0]), *argv[1:]], cwd=ROOT, env=env, stdout=out,  # noqa: S603
                              stderr=subprocess.STDOUT, timeout=timeout, check=False)
    if proc.returncode != 0:
        fail(f"{' '.join(argv)} exited with {proc.returncode}")
    return (WORK / f"{name}.log").read_text()


def start(name: str, argv: list[str], env: dict) -> subprocess.Popen:
    log(f"start {' '.join(argv)}")
    out = open(WORK / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([str(ROOT / argv[0]), *argv[1:]], cwd=ROOT, env=env, stdout=out,  # noqa: S603
                            stderr=subprocess.STDOUT, start_new_session=True)
    PROCESSES.append((name, proc))
    return proc


def stop_all() -> None:
    for _name, proc in PROCESSES:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    end = time.monotonic() + 15
    for name, proc in PROCESSES:
        try:
            proc.wait(timeout=max(end - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            log(f"{name} did not stop: killing it")
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    PROCESSES.clear()


def _on_signal(signum, frame):
    raise SystemExit(f"smoke: interrupted by signal {signum}")


# --- A browser -----------------------------------------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page: action, and the name → value of their inputs."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": {}, "attrs": a})
        elif tag in ("input", "textarea", "select", "button") and self.forms and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if tag != "button":
                self.forms[-1]["fields"].setdefault(a["name"], a.get("value") or "")
        elif tag == "link":
            self.links.append(a)

    @classmethod
    def of(cls, html: str) -> Forms:
        parser = cls()
        parser.feed(html)
        return parser


class Browser(requests.Session):
    """Cookies and CSRF as a browser behind the TLS proxy: every request says https
    (X-Forwarded-Proto, as Caddy sets it), https links to the portal are followed over the
    plain socket, Secure cookies are kept and sent, and POSTs carry Origin and Referer."""

    def __init__(self, base: str):
        super().__init__()
        from http.cookiejar import DefaultCookiePolicy

        class BehindTLS(DefaultCookiePolicy):
            def return_ok_secure(self, cookie, request):
                return True

            def set_ok(self, cookie, request):
                return True

        self.cookies.set_policy(BehindTLS())
        self.base = base
        self.public = base.replace("http://", "https://")
        self.headers.update({"X-Forwarded-Proto": "https", "Accept-Language": "ja",
                             "User-Agent": "portal-smoke/1"})

    def prepare_request(self, request):
        # requests copies the jar into a new one (default policy) here: the Cookie header is
        # built again from this session's jar, whose policy keeps Secure cookies.
        prepared = super().prepare_request(request)
        prepared.headers.pop("Cookie", None)
        prepared.prepare_cookies(self.cookies)
        return prepared

    def send(self, request, **kwargs):
        if request.url.startswith(self.public):
            request.url = self.base + request.url[len(self.public):]
        return super().send(request, **kwargs)

    def url(self, path: str) -> str:
        return self.base + path

    def get_ok(self, path: str, **kwargs) -> requests.Response:
        response = self.get(self.url(path), timeout=60, **kwargs)
        if response.status_code != 200:
            fail(f"GET {path}: {response.status_code}")
        return response

    def submit(self, page: requests.Response, match, data: dict, **kwargs) -> requests.Response:
        """Fill the form of ``page`` whose action matches and post it, following redirects."""
        forms = [f for f in Forms.of(page.text).forms if match(f)]
        if not forms:
            fail(f"no matching form on {page.url}")
        form = forms[0]
        fields = {**form["fields"], **data}
        action = form["action"] or page.url
        if action.startswith("/"):
            action = self.url(action)
        referer = page.url.replace(self.base, self.public)
        return self.post(action, data=fields, timeout=120, **kwargs,
                         headers={"Origin": self.public, "Referer": referer})


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits): what an authenticator app shows."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at or time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def login(browser: Browser, email: str, password: str) -> requests.Response:
    page = browser.get_ok("/accounts/login/")
    response = browser.submit(page, lambda f: f["action"].endswith("/accounts/login/"),
                              {"login": email, "password": password})
    if response.status_code != 200 or "/accounts/login/" in response.url:
        fail(f"{email} could not log in ({response.status_code} at {response.url})")
    return response


# --- The stage ---------------------------------------------------------------------------------


def prepare_services(env: dict) -> None:
    import redis

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    redis.Redis.from_url(REDIS_URL).flushdb()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)


def main() -> None:
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    host = "127.0.0.1"
    base = f"http://{host}:{port}"
    env = {
        "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "LANG": "C.UTF-8",
        **env_example(),
        # what differs on this machine from the compose deployment:
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PORTAL_HOST": host,
        "ALLOWED_HOSTS": host,
        "CSRF_TRUSTED_ORIGINS": f"https://{host}:{port}",
        "SITE_URL": f"https://{host}:{port}",
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "REDIS_URL": REDIS_URL,
        "PORTAL_VAR_DIR": str(WORK / "data"),
        "STATIC_ROOT": str(WORK / "static-collected"),
        "PORTAL_BIND": f"{host}:{port}",
        "WEB_CONCURRENCY": "2",
        "CELERY_CONCURRENCY": "1",
        "PORTAL_PYTHON": sys.executable,
        "PORTAL_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
        "PORTAL_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PORTAL_BOOTSTRAP_ADMIN_FAMILY_NAME": "煙",
        "PORTAL_BOOTSTRAP_ADMIN_GIVEN_NAME": "試験",
    }
    assert env["DEBUG"] == "0" and env["SECURE_PROXY_SSL_HEADER"] == "X-Forwarded-Proto"
    commands = compose_commands()
    prepare_services(env)

    for i, argv in enumerate(dockerfile_build_commands()):
        run(f"build-{i}", argv, env)

    log("init twice at once")
    inits = [start(f"init-{i}", commands["init"], env) for i in (1, 2)]
    for proc in inits:
        try:
            proc.wait(timeout=300)
        except subprocess.TimeoutExpired:
            fail("init did not finish within 300 s")
    PROCESSES[:] = [(n, p) for n, p in PROCESSES if p not in inits]
    if [p.returncode for p in inits] != [0, 0]:
        fail(f"init exited with {[p.returncode for p in inits]}")
    for i in (1, 2):
        if "portal init: done" not in (WORK / f"init-{i}.log").read_text():
            fail(f"init-{i} did not finish")

    run("demo_setup", ["bin/portal", "manage", "demo_setup"], env)
    out = run("bootstrap", ["bin/portal", "manage", "bootstrap", "--noinput"], env)
    if ADMIN_EMAIL not in out:
        fail("bootstrap did not report the administrator")

    for name in ("web", "worker", "beat"):
        start(name, commands[name], env)

    def healthy():
        try:
            r = requests.get(f"{base}/healthz", timeout=2, headers={"Host": host})
        except requests.RequestException:
            return None
        return r.status_code == 200 and r.json()

    state = wait_for("web /healthz", healthy, timeout=120)
    if state != {"database": "ok", "broker": "ok"}:
        fail(f"/healthz said {state}")
    log(f"/healthz: {state}")

    # 1. The login page and its stylesheet, hashed name from the manifest.
    browser = Browser(base)
    page = browser.get_ok("/accounts/login/")
    if 'lang="ja"' not in page.text:
        fail("the login page is not in Japanese")
    manifest = json.loads((WORK / "static-collected" / "staticfiles.json").read_text())
    css = "/static/" + manifest["paths"]["css/portal.css"]
    if css not in page.text:
        fail(f"the login page does not link {css}")
    sheet = browser.get_ok(css)
    if "text/css" not in sheet.headers.get("Content-Type", "") or not sheet.content:
        fail(f"{css} is not a stylesheet")
    log(f"login page and {css}: 200")

    # 2. The researcher submits an update of their disclosure.
    researcher = Browser(base)
    login(researcher, *RESEARCHER)
    mine = researcher.get_ok("/disclosures/mine/")
    started = researcher.submit(mine, lambda f: f["action"].endswith("/disclosures/update/"), {})
    if started.status_code != 200 or not started.url.endswith("/disclosures/edit/"):
        fail(f"starting the update ended at {started.url} ({started.status_code})")
    form_page = researcher.get_ok("/disclosures/edit/submit/")
    submitted = researcher.submit(form_page, lambda f: f["action"] == "",
                                  {"attest": "on", "change_note": "smoke test"})
    if submitted.status_code != 200 or not re.search(r"/disclosures/[0-9a-f-]{36}/$", submitted.url):
        fail(f"the submission ended at {submitted.url} ({submitted.status_code})")
    log("researcher submitted the disclosure")

    # 3. The administrator sets up TOTP, requests an export, the worker builds it.
    admin = Browser(base)
    landed = login(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    if "/accounts/2fa/totp/activate/" not in landed.url:
        fail(f"the administrator was not sent to the TOTP set-up ({landed.url})")
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', landed.text).group(1)
    activated = admin.submit(landed, lambda f: "code" in f["fields"], {"code": totp(secret)})
    if "/accounts/2fa/recovery-codes/" not in activated.url:
        fail(f"TOTP activation ended at {activated.url}")
    campaigns = admin.get_ok("/disclosures/campaigns/")
    requested = admin.submit(campaigns, lambda f: f["action"].endswith("/disclosures/export/"),
                             {"format": "xlsx"})
    match = re.search(r"/files/([0-9a-f-]{36})/$", requested.url)
    if requested.status_code != 200 or not match:
        fail(f"the export request ended at {requested.url} ({requested.status_code})")
    download = f"/files/{match.group(1)}/download/"

    def built():
        r = admin.get(admin.url(download), timeout=30)
        return r if r.status_code == 200 else None

    exported = wait_for("the worker to build the export", built, timeout=120)
    if not exported.content.startswith(b"PK"):
        fail("the export is not an xlsx file")
    log(f"export built by the worker and downloaded ({len(exported.content)} bytes)")

    # 4. A scheduled reminder: every minute, and 364 days before the due date (the demo
    #    campaign runs over the fiscal year, 1 April to 31 March: today is always in reach).
    run("schedule", ["bin/portal", "manage", "shell", "-c", (
        "from django_celery_beat.models import CrontabSchedule, PeriodicTask\n"
        "from django.conf import settings\n"
        "task = PeriodicTask.objects.get(name='portal:campaign_reminders')\n"
        "task.crontab, _ = CrontabSchedule.objects.get_or_create(minute='*', hour='*', "
        "day_of_week='*', day_of_month='*', month_of_year='*', timezone=settings.TIME_ZONE)\n"
        "task.kwargs = '{\"name\": \"campaign_reminders\", \"days_before\": [364]}'\n"
        "task.save()\n")], env)

    def reminder_sent():
        with psycopg.connect(env["DATABASE_URL"]) as conn:
            row = conn.execute(
                "SELECT d.subject FROM notifications_delivery d JOIN portal_user u "
                "ON u.id = d.recipient_id WHERE d.kind = 'campaign_reminder' "
                "AND d.status = 'sent' AND u.email = %s", [PENDING_RESEARCHER]).fetchone()
        return row[0] if row else None

    subject = wait_for("beat to fire the reminder and the worker to send it", reminder_sent,
                       timeout=150, every=3)
    mails = "\n".join(p.read_text(errors="replace")
                      for p in (WORK / "data" / "mail").glob("*.log"))
    if PENDING_RESEARCHER not in mails:
        fail("the reminder's e-mail is not in the mail folder")
    log(f"scheduled reminder sent to {PENDING_RESEARCHER}: {subject}")


if __name__ == "__main__":
    try:
        main()
    finally:
        stop_all()
    print("smoke: passed")
