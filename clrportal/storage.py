"""Where uploaded files live: public assets under MEDIA_ROOT, private files where no URL reaches them.

STORAGES["default"] holds what anyone may fetch (achievement images, institution logos; served at MEDIA_URL
by clrportal.views.public_media). STORAGES["private"] holds SIS import files and evidence files: it has no
URL, and only views that decide who may read a file serve it.
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property


class PrivateFileSystemStorage(FileSystemStorage):
    """Files under PORTAL_PRIVATE_MEDIA_ROOT (unless given a location); asking for a URL is an error."""

    def __init__(self, location=None, **kwargs):
        kwargs.pop("base_url", None)
        super().__init__(location=location, **kwargs)

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PORTAL_PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PORTAL_PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        # FileSystemStorage would fall back to MEDIA_URL: a private file must never get a public address.
        raise ValueError("Private files have no URL: a view that checks who asks serves them.")
