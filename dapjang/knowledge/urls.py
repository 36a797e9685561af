"""Console pages of the knowledge domain, for agents (mounted at /knowledge/)."""

from django.urls import URLPattern, path

from dapjang.knowledge.views import automation, ticket

app_name = "knowledge"
urlpatterns: list[URLPattern] = [
    path("automation/", automation.automation_page, name="automation"),
    path("t/<str:number>/rate/", ticket.rate, name="rate"),
    path("t/<str:number>/insert/", ticket.insert, name="insert"),
    path("t/<str:number>/keep/", ticket.keep, name="keep"),
]
