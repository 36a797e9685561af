"""Console pages of the knowledge domain, for agents (mounted at /knowledge/)."""

from django.urls import URLPattern

app_name = "knowledge"
urlpatterns: list[URLPattern] = []
