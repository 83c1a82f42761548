"""The portal's REST API for institution systems (/api/v1/), its browsable docs, and the admin's page.

POST /api/v1/verify (anyone, no token) is the public verify API of wallet/verify_urls.py; the OpenAPI
schema of all of them is /api/schema/ (clrportal/urls.py).
"""

from django.urls import path
from drf_spectacular.views import SpectacularSwaggerSplitView

from . import portal_pages
from . import portal_views as views

app_name = "portal_api"

V1 = "api/v1/"

urlpatterns = [
    path(V1 + "achievements", views.AchievementListView.as_view(), name="achievements"),
    path(V1 + "achievements/<int:achievement_id>", views.AchievementDetailView.as_view(), name="achievement"),
    path(
        V1 + "achievements/<int:achievement_id>/associations",
        views.AssociationListView.as_view(),
        name="associations",
    ),
    path(
        V1 + "achievements/<int:achievement_id>/associations/<int:association_id>/delete",
        views.AssociationDeleteView.as_view(),
        name="association_delete",
    ),
    path(V1 + "learners", views.LearnerListView.as_view(), name="learners"),
    path(V1 + "learners/<int:learner_id>", views.LearnerDetailView.as_view(), name="learner"),
    path(
        V1 + "learners/<int:learner_id>/awards", views.LearnerAwardListView.as_view(), name="learner_awards"
    ),
    path(
        V1 + "learners/<int:learner_id>/credentials",
        views.LearnerCredentialListView.as_view(),
        name="learner_credentials",
    ),
    path(V1 + "learners/<int:learner_id>/clr", views.LearnerClrIssueView.as_view(), name="learner_clr"),
    path(V1 + "awards", views.AwardListView.as_view(), name="awards"),
    path(V1 + "awards/<int:award_id>", views.AwardDetailView.as_view(), name="award"),
    path(V1 + "awards/<int:award_id>/withdraw", views.AwardWithdrawView.as_view(), name="award_withdraw"),
    path(V1 + "awards/<int:award_id>/issue", views.AwardIssueView.as_view(), name="award_issue"),
    path(V1 + "imports", views.ImportListView.as_view(), name="imports"),
    path(V1 + "imports/<int:run_id>", views.ImportDetailView.as_view(), name="import"),
    path(V1 + "imports/<int:run_id>/commit", views.ImportCommitView.as_view(), name="import_commit"),
    path(V1 + "jobs", views.JobListView.as_view(), name="jobs"),
    path(V1 + "jobs/<uuid:job_id>", views.JobDetailView.as_view(), name="job"),
    path(V1 + "credentials", views.CredentialListView.as_view(), name="credentials"),
    path(V1 + "credentials/<uuid:credential_id>", views.CredentialDetailView.as_view(), name="credential"),
    path(
        V1 + "credentials/<uuid:credential_id>/revoke",
        views.CredentialRevokeView.as_view(),
        name="credential_revoke",
    ),
    path(
        V1 + "credentials/<uuid:credential_id>/suspend",
        views.CredentialSuspendView.as_view(),
        name="credential_suspend",
    ),
    path(
        V1 + "credentials/<uuid:credential_id>/unsuspend",
        views.CredentialUnsuspendView.as_view(),
        name="credential_unsuspend",
    ),
    path(V1 + "keys", views.KeyListView.as_view(), name="keys"),
    path(V1 + "keys/rotate", views.KeyRotateView.as_view(), name="keys_rotate"),
    # Last under /api/v1/ (the verify API's route comes first, in wallet/verify_urls.py): JSON, not a page.
    path(V1 + "<path:unknown_path>", views.not_found, name="not_found"),
    # Swagger UI from drf-spectacular-sidecar's bundled files; its start script is a file too (CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/portal/swagger_ui.html"
        ),
        name="docs",
    ),
    # The admin's page (institution settings): API tokens and OAuth clients.
    path("institutions/<slug:slug>/settings/api/", portal_pages.access, name="access"),
    path("institutions/<slug:slug>/settings/api/tokens", portal_pages.token_create, name="token_create"),
    path(
        "institutions/<slug:slug>/settings/api/tokens/<uuid:api_token_id>/revoke",
        portal_pages.token_revoke,
        name="token_revoke",
    ),
    path("institutions/<slug:slug>/settings/api/clients", portal_pages.client_create, name="client_create"),
    path(
        "institutions/<slug:slug>/settings/api/clients/<int:api_client_id>/delete",
        portal_pages.client_delete,
        name="client_delete",
    ),
]
