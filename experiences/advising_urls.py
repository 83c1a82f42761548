"""Advisors' and admins' pages, under /institutions/<slug>/advising/."""

from django.urls import path

from . import advising_views as views

app_name = "advising"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("preferences", views.preferences, name="preferences"),
    path("experiences/<uuid:experience_id>/", views.review, name="review"),
    path("experiences/<uuid:experience_id>/notes", views.annotate, name="annotate"),
    path("experiences/<uuid:experience_id>/verify", views.verify, name="verify"),
    path("experiences/<uuid:experience_id>/changes", views.request_changes, name="request_changes"),
    path("experiences/<uuid:experience_id>/decline", views.decline, name="decline"),
    path("experiences/<uuid:experience_id>/supervisor", views.supervisor_ask, name="supervisor_ask"),
    path("experiences/<uuid:experience_id>/unverify", views.unverify, name="unverify"),
    path("experiences/<uuid:experience_id>/reopen", views.reopen, name="reopen"),
    path("assignments/", views.assignments, name="assignments"),
    path("assignments/import", views.assignments_import, name="assignments_import"),
    path("assignments/<int:assignment_id>/remove", views.assignment_remove, name="assignment_remove"),
    path("settings/", views.policy, name="policy"),
]
