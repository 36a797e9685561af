"""What the console itself keeps: who has which ticket open right now (presence)."""

from __future__ import annotations

from django.db import models


class Viewing(models.Model):
    """An agent has a ticket open; `seen_at` is their page's last heartbeat.

    A table rather than the cache: the web runs as several gunicorn workers (and machines), and
    Django's default cache is per process, so two agents on two workers would never see each other.
    """

    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="viewings")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "ticket"], name="viewing_unique")]

    def __str__(self) -> str:
        return f"{self.agent_id} on {self.ticket_id}"
