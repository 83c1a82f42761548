from django.urls import path

from . import views

app_name = "achievements"

# Included under institutions/<slug:slug>/, so every page knows its institution.
urlpatterns = [
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/new", views.achievement_create, name="create"),
    path("catalog/<int:achievement_id>/", views.achievement_detail, name="detail"),
    path("catalog/<int:achievement_id>/edit", views.achievement_edit, name="edit"),
    path("catalog/<int:achievement_id>/associations", views.association_create, name="association_create"),
    path(
        "catalog/<int:achievement_id>/associations/<int:association_id>/delete",
        views.association_delete,
        name="association_delete",
    ),
    path("learners/", views.learners, name="learners"),
    path("learners/invite", views.learners_invite, name="learners_invite"),
    path("learners/<int:learner_id>/", views.learner_detail, name="learner"),
    path("learners/<int:learner_id>/edit", views.learner_edit, name="learner_edit"),
    path("learners/<int:learner_id>/awards", views.award_add, name="award_add"),
    path("awards/<int:award_id>/withdraw", views.award_withdraw, name="award_withdraw"),
    path("imports/", views.import_upload, name="imports"),
    path("imports/<int:run_id>/", views.import_preview, name="import_preview"),
    path("imports/<int:run_id>/file", views.import_file, name="import_file"),
    path("imports/<int:run_id>/changes.csv", views.import_changes, name="import_changes"),
]
