from django.urls import path

from . import claim_views

app_name = "claims"

urlpatterns = [
    path("claim/<str:claim_token>", claim_views.invitation, name="invitation"),
    path("wallet/waiting/", claim_views.waiting, name="waiting"),
]
