"""Notifications: reminders and notices, e-mailed and listed in the portal.

How it works
------------
* The engine is here; the content is in the apps. Each app declares its notification kinds
  (``kinds.register``), its reminder schedules (``schedules.register``), its lines of the
  staff digest (``sources.waiting_item``) and its event functions in ``<app>/notices.py``,
  imported by autodiscovery when this app is ready. The core imports no app
  (tests/notifications/test_core_imports_no_app.py).
* Who is told comes from the permission declarations: ``portal.permissions.users_with_perm``
  (one queryset, the mirror of ``has_perm``).
* An app's service calls its event function (e.g. ``disclosures.notices.version_returned``)
  inside its own atomic block; that calls ``services.notice_send`` → ``notifications_create``,
  so the notification rows and their e-mail ``Delivery`` rows are written in the transaction
  of the change they report: if the change rolls back, so does the notice, and a failing
  notice fails the change rather than being lost. In the same transaction a
  ``notifications.send_due`` job is recorded in the outbox (:mod:`portal.outbox`), which sends
  them after the commit; if the broker is unreachable nothing fails, the rows stay ``pending``
  and the outbox's sweep and the ``send_due`` schedule (every minute) send them once a worker
  runs.
* A notification stores its kind and parameters; its title and body are rendered in the
  reader's language when read (the request's language) and when e-mailed (the recipient's
  ``User.language``). Rows stored before that keep their stored text.
* A reminder resolves itself when its task is done: the app resolves it in the service that
  does the task (``notifications_resolve``), and kinds that declare ``resolved`` are also
  swept every 10 minutes (``resolve_done``); a resolved notice counts as read and its e-mail,
  if not yet sent, is dropped.
* Every periodic job is declared with its cron line, by the app that owns it.
  ``manage.py sync_schedules`` copies them into django-celery-beat (``PeriodicTask`` +
  ``CrontabSchedule``; idempotent, keeps times an administrator changed; ``--reset`` restores
  them). ``demo.py`` runs the sync, so ``make run`` has them. Administrators preview and run any
  schedule at /notifications/schedules/ and read every send at /notifications/deliveries/.
* Exactly once: a unique ``dedupe_key`` (kind, object, recipient, period) with
  ``bulk_create(ignore_conflicts=True)`` means a schedule run twice, or on two workers at once,
  stores each reminder once; sending claims rows with ``select_for_update(skip_locked=True)``.
* Failed e-mails are retried with exponential back-off (1, 4, 16, 64 minutes): each delivery
  keeps its attempts and next attempt time, and the every-minute ``send_due`` schedule sends
  what is due; after 5 attempts the delivery is ``failed`` and shown in the log.

Running it
----------
* With ``REDIS_URL``: ``celery -A portal worker`` and ``celery -A portal beat`` (the
  DatabaseScheduler reads the synced PeriodicTask rows), as in docker-compose.yml.
* Without ``REDIS_URL`` (the embedded default): the broker is kombu's filesystem transport in
  ``var/celery``; ``make run`` (``manage.py runportal``) starts one worker with embedded beat
  (``-B``), so schedules fire and e-mails are written to ``var/mail/`` (or sent through SMTP
  when ``EMAIL_HOST`` is set). Without any worker, notifications still appear in the portal at
  once; their e-mails wait in the delivery log as "waiting" until a worker runs
  (``manage.py shell -c "from portal.notifications.services import deliveries_send_due;
  deliveries_send_due()"`` sends them by hand).
"""
