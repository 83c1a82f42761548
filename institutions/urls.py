from django.urls import path

from . import views

app_name = "institutions"

urlpatterns = [
    # Before the institution patterns; "invitations" is a reserved slug (models.RESERVED_SLUGS).
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("<slug:slug>/", views.profile, name="profile"),
    path("<slug:slug>/logo", views.logo, name="logo"),
    path("<slug:slug>/did.json", views.did_document, name="did_document"),
    path("<slug:slug>/settings/", views.settings_page, name="settings"),
    path("<slug:slug>/settings/keys/rotate", views.keys_rotate, name="keys_rotate"),
    path("<slug:slug>/settings/keys/<str:key_id>/compromise", views.key_compromise, name="key_compromise"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/invite", views.member_invite, name="member_invite"),
    path("<slug:slug>/members/invitations/revoke", views.invitation_revoke, name="invitation_revoke"),
    path("<slug:slug>/members/<int:member_id>/roles", views.member_roles, name="member_roles"),
    path("<slug:slug>/members/<int:member_id>/remove", views.member_remove, name="member_remove"),
    path("<slug:slug>/audit/", views.audit, name="audit"),
    path("<slug:slug>/audit.csv", views.audit_csv, name="audit_csv"),
]
