"""Admin screen for agents: capacity, languages and absences (MISSION A8, A9) next to their queues.

An absence saved here takes effect at the scheduled pass (`dapjang.assign_sweep`): the agent gets
no new tickets from its start, and their open tickets move then. `dapjang agent away` does the same
from a script and moves the tickets at once.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from dapjang.agents.models import Agent, Membership


class MembershipInline(admin.TabularInline[Membership, Agent]):
    model = Membership
    extra = 0


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin[Agent]):
    list_display = ["name", "role", "capacity", "away_from", "away_until", "reclaim_on_return"]
    list_filter = ["role"]
    search_fields = ["name", "user__email"]
    fields = [
        "user",
        "name",
        "role",
        "signature",
        "languages",
        "capacity",
        "away_from",
        "away_until",
        "reclaim_on_return",
        "last_assigned_at",
    ]
    readonly_fields = ["user", "last_assigned_at"]
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agent]:
        return super().get_queryset(request).select_related("user")
