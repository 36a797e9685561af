"""URL map: the agent console at /, the REST API at /api/, the admin, and /healthz."""

from django.contrib import admin
from django.urls import include, path

from dapjang.server.views import healthz

handler500 = "dapjang.console.views.errors.server_error"

admin.site.site_header = "답장 Dapjang"
admin.site.site_title = "답장 Dapjang"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", include("dapjang.api.urls")),
    path("help/", include("dapjang.portal.urls")),
    path("routing/", include("dapjang.routing.urls")),
    path("knowledge/", include("dapjang.knowledge.urls")),
    path("sla/", include("dapjang.sla.urls")),
    path("", include("dapjang.console.urls")),
]
