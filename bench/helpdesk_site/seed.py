"""Loads the bench's ticket file into django-helpdesk (one queue per team, bulk inserts) and
prints the credentials the load needs as JSON: the API token, a staff session cookie, the queue
ids. Run inside the Django project: `python seed.py TICKETS.csv`.

The same file is imported into servq with `servq import tickets`; both stores then hold the same
tickets (statuses, priorities, times)."""

import csv
import datetime
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402
from helpdesk.models import Queue, Ticket  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

STATUS = {"open": Ticket.OPEN_STATUS, "resolved": Ticket.RESOLVED_STATUS, "closed": Ticket.CLOSED_STATUS}
PRIORITY = {"urgent": 1, "high": 2, "normal": 3, "low": 4}


def when(text):
    return datetime.datetime.fromisoformat(text) if text else None


def main(path):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True})
    user.is_staff = user.is_superuser = True
    user.set_password("bench password 123")
    user.save()
    token, _ = Token.objects.get_or_create(user=user)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    queues = {}
    batch, total = [], 0
    with open(path, newline="", encoding="utf-8") as file, transaction.atomic():
        for row in csv.DictReader(file):
            team = row["team"]
            if team not in queues:
                queues[team], _ = Queue.objects.get_or_create(slug=team, defaults={"title": team})
            created = when(row["created_at"])
            finished = when(row["closed_at"]) or when(row["resolved_at"])
            batch.append(Ticket(
                title=row["subject"], queue=queues[team], created=created, modified=finished or created,
                submitter_email=f"{row['customer_id']}@example.com", status=STATUS[row["status"]],
                description=row["description"], priority=PRIORITY[row["priority"]],
            ))
            if len(batch) == 5000:
                Ticket.objects.bulk_create(batch)
                total += len(batch)
                batch = []
        Ticket.objects.bulk_create(batch)
        total += len(batch)
    print(json.dumps({"tickets": total, "token": token.key, "session": session.session_key,
                      "queues": {name: queue.id for name, queue in queues.items()}}))


if __name__ == "__main__":
    main(sys.argv[1])
