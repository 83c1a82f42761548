from django.urls import path

from . import views

app_name = "wallet"

urlpatterns = [
    path("wallet/", views.dashboard, name="dashboard"),
    path("wallet/records/<uuid:credential_id>/", views.record, name="record"),
    path("wallet/records/<uuid:credential_id>/share", views.record_share, name="record_share"),
    path("wallet/shares/", views.shares, name="shares"),
    path("wallet/shares/new", views.share_new, name="share_new"),
    path("wallet/shares/<uuid:share_id>/", views.share_detail, name="share_detail"),
    path("wallet/shares/<uuid:share_id>/revoke", views.share_revoke, name="share_revoke"),
    path("wallet/imports/", views.imports, name="imports"),
    path("wallet/imports/<uuid:import_id>/", views.import_detail, name="import_detail"),
    path("wallet/imports/<uuid:import_id>/confirm", views.import_confirm, name="import_confirm"),
    path("wallet/imports/<uuid:import_id>/delete", views.import_delete, name="import_delete"),
    path("s/<str:token>", views.share_public, name="share_public"),
    path("s/<str:token>/clr/<uuid:credential_id>.json", views.share_clr, name="share_clr"),
    path("s/<str:token>/clr/<uuid:credential_id>.pdf", views.share_pdf, name="share_pdf"),
]
