from django.urls import path

from . import api, verify_views

app_name = "verify"

urlpatterns = [
    path("verify/", verify_views.verify, name="page"),
    # The short link a PDF companion prints and encodes in its QR code.
    path("verify/<uuid:credential_id>", verify_views.verify_credential, name="credential"),
    path("api/v1/verify", api.VerifyView.as_view(), name="api"),
]
