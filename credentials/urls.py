from django.urls import path

from . import views

app_name = "credentials"

urlpatterns = [
    path("credentials/<uuid:credential_id>", views.detail, name="detail"),
    path("credentials/<uuid:credential_id>.json", views.download_json, name="download_json"),
    path("credentials/<uuid:credential_id>.jwt", views.download_jwt, name="download_jwt"),
    path("credentials/<uuid:credential_id>.pdf", views.download_pdf, name="download_pdf"),
    path("credentials/status/<slug:slug>/<int:number>/<str:purpose>", views.status_list, name="status_list"),
    path("institutions/<slug:slug>/issuance/", views.jobs, name="jobs"),
    path("institutions/<slug:slug>/issuance/<uuid:job_id>/", views.job, name="job"),
    path("institutions/<slug:slug>/issuance/<uuid:job_id>/retry", views.job_retry, name="job_retry"),
    path("institutions/<slug:slug>/issuance/<uuid:job_id>/resend", views.job_resend, name="job_resend"),
    path(
        "institutions/<slug:slug>/learners/<int:learner_id>/credentials/",
        views.learner_credentials,
        name="learner_credentials",
    ),
    path(
        "institutions/<slug:slug>/learners/<int:learner_id>/issue-clr",
        views.learner_issue,
        name="learner_issue",
    ),
    path("institutions/<slug:slug>/awards/<int:award_id>/issue", views.award_issue, name="award_issue"),
    path(
        "institutions/<slug:slug>/credentials/<uuid:credential_id>/<str:action>",
        views.credential_action,
        name="credential_action",
    ),
]
