"""The student's pages of their experiences (signed in, their own only)."""

from django.urls import path

from . import student_views as views

app_name = "experiences"

urlpatterns = [
    path("", views.experience_list, name="list"),
    path("new", views.experience_create, name="create"),
    path("<uuid:experience_id>/", views.experience_mine, name="mine"),
    path("<uuid:experience_id>/edit", views.experience_edit, name="edit"),
    path("<uuid:experience_id>/hours", views.hours_add, name="hours_add"),
    path("<uuid:experience_id>/evidence", views.evidence_add, name="evidence_add"),
    path("<uuid:experience_id>/evidence/<uuid:evidence_id>", views.evidence_file, name="evidence_file"),
    path("<uuid:experience_id>/submit", views.experience_submit, name="submit"),
    path("<uuid:experience_id>/supervisor", views.supervisor_ask, name="supervisor_ask"),
]
