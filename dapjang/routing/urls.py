"""Console pages of the routing domain, for agents (mounted at /routing/)."""

from django.urls import URLPattern

app_name = "routing"
urlpatterns: list[URLPattern] = []
