"""The REST API (django-ninja); OpenAPI at /api/openapi.json, browsable at /api/docs."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
