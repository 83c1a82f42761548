from django.urls import path

from . import views

app_name = "institutions"

urlpatterns = [
    path("<slug:slug>/", views.profile, name="profile"),
    path("<slug:slug>/logo", views.logo, name="logo"),
    path("<slug:slug>/did.json", views.did_document, name="did_document"),
    path("<slug:slug>/settings/", views.settings_page, name="settings"),
    path("<slug:slug>/settings/keys/rotate", views.keys_rotate, name="keys_rotate"),
    path("<slug:slug>/settings/keys/<str:key_id>/compromise", views.key_compromise, name="key_compromise"),
]
