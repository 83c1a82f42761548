"""The 1EdTech service API's resources for Open Badges 3.0 and CLR 2.0 (discovery: api/oauth_urls.py)."""

from django.urls import path

from . import ims_views
from .models import Standard

app_name = "ims"

urlpatterns = []
for _standard, _base in ((Standard.OB, "ims/ob/v3p0/"), (Standard.CLR, "ims/clr/v2p0/")):
    _kwargs = {"standard": _standard}
    urlpatterns += [
        path(_base + "credentials", ims_views.credentials, _kwargs, name=f"{_standard}_credentials"),
        path(_base + "profile", ims_views.profile, _kwargs, name=f"{_standard}_profile"),
        path(_base + "<path:resource>", ims_views.not_found, _kwargs, name=f"{_standard}_not_found"),
    ]
