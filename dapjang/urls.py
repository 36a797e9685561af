"""URL map: the admin for now; the console, portal and API mount here as they arrive."""

from django.contrib import admin
from django.urls import include, path

from dapjang.server.views import healthz

admin.site.site_header = "답장 Dapjang"
admin.site.site_title = "답장 Dapjang"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", include("dapjang.api.urls")),
    path("", include("dapjang.console.urls")),
]
