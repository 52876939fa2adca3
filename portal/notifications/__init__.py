"""Notifications: reminders and notices, e-mailed and listed in the portal.

How it works
------------
* Other code stores notifications with ``services.notifications_create(drafts)`` (or
  ``notification_create``) inside its own transaction: the notification rows and their e-mail
  ``Delivery`` rows are written with the change they report ("stored first"). After the commit,
  ``send_due_deliveries`` is queued; if the broker is unreachable nothing fails, the rows stay
  ``pending`` and the ``send_due`` schedule (every minute) sends them once a worker runs.
* Every periodic job is declared in ``schedules.py`` (one place, each with its cron line).
  ``manage.py sync_schedules`` copies them into django-celery-beat (``PeriodicTask`` +
  ``CrontabSchedule``; idempotent, keeps times an administrator changed; ``--reset`` restores
  them). ``demo.py`` runs the sync, so ``make run`` has them. Administrators preview and run any
  schedule at /notifications/schedules/ and read every send at /notifications/deliveries/.
* Exactly once: a unique ``dedupe_key`` (kind, object, recipient, period) with
  ``bulk_create(ignore_conflicts=True)`` means a schedule run twice, or on two workers at once,
  stores each reminder once; sending claims rows with ``select_for_update(skip_locked=True)``.
* Failed e-mails are retried with exponential back-off (1, 4, 16, 64 minutes) by
  ``send_delivery``; after 5 attempts the delivery is ``failed`` and shown in the log.

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
