from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from . import views

handler400 = "clrportal.errors.bad_request"
handler403 = "clrportal.errors.permission_denied"
handler404 = "clrportal.errors.page_not_found"
handler500 = "clrportal.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("accounts/", include("allauth.urls")),
    path("institutions/", include("institutions.urls")),
    path("institutions/<slug:slug>/", include("achievements.urls")),
    path("", include("credentials.urls")),
    path("", include("wallet.urls")),
    path("", include("wallet.verify_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
if settings.PORTAL_ADMIN_ENABLED:
    # Its login page sends people to allauth's (institutions/admin.py), so two-factor applies.
    urlpatterns.append(path("admin/", admin.site.urls))
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
