from django.urls import path

from . import api, verify_views

app_name = "verify"

urlpatterns = [
    path("verify/", verify_views.verify, name="page"),
    path("api/v1/verify", api.VerifyView.as_view(), name="api"),
]
