"""The outside supervisor's page: one experience, reached by a single-use link, no account."""

from django.urls import path

from . import supervisor_views as views

app_name = "supervisors"

urlpatterns = [
    path("<str:supervisor_token>", views.attest, name="attest"),
]
