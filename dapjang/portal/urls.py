"""The customer portal: contact form, FAQ pages, a customer's own tickets (MISSION A10)."""

from django.urls import URLPattern

app_name = "portal"
urlpatterns: list[URLPattern] = []
