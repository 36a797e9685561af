"""Console pages of the routing domain, for agents (mounted at /routing/)."""

from django.urls import URLPattern, path

from dapjang.routing import views

app_name = "routing"
urlpatterns: list[URLPattern] = [
    path("t/<str:number>/pick/", views.triage_pick, name="triage_pick"),
    path("t/<str:number>/segment/", views.segment_set, name="segment_set"),
    path("away/", views.away, name="away"),
    path("away/end/", views.away_end, name="away_end"),
]
