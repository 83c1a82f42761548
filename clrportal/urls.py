from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from achievements import views as achievement_views

from . import views

handler400 = "clrportal.errors.bad_request"
handler403 = "clrportal.errors.permission_denied"
handler404 = "clrportal.errors.page_not_found"
handler429 = "clrportal.ratelimits.too_many_requests"  # allauth's rate limits answer with it
handler500 = "clrportal.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("switch", views.switch_context, name="switch_context"),
    path("healthz", views.health, name="health"),
    path("accounts/", include("allauth.urls")),
    path("institutions/", include("institutions.urls")),
    path("institutions/<slug:slug>/", include("achievements.urls")),
    path("institutions/<slug:slug>/advising/", include("experiences.advising_urls")),
    path("experiences/", include("experiences.student_urls")),
    path("supervisors/", include("experiences.supervisor_urls")),
    path("", include("credentials.urls")),
    path("", include("wallet.urls")),
    path("", include("wallet.verify_urls")),
    path("", include("wallet.claim_urls")),
    path("", include("api.urls")),
    path("", include("delivery.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Public assets (achievement images, logos); private files have views that check who asks.
    path("media/<path:path>", views.public_media, name="public_media"),
    path(
        "evidence/<uuid:evidence_id>/<str:file_name>", achievement_views.evidence_file, name="evidence_file"
    ),
]
if settings.PORTAL_ADMIN_ENABLED:
    # Its login page sends people to allauth's (institutions/admin.py), so two-factor applies.
    urlpatterns.append(path("admin/", admin.site.urls))
