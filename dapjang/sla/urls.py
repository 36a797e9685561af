"""Console pages of the sla domain, for agents (mounted at /sla/)."""

from django.urls import URLPattern

app_name = "sla"
urlpatterns: list[URLPattern] = []
