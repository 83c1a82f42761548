import os

from django.apps import AppConfig


class ClrPortalConfig(AppConfig):
    name = "clrportal"
    verbose_name = "CLR Portal"

    def ready(self):
        from django.conf import settings

        # The file broker's folders must exist before a worker or the web server touches them.
        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            for folder in settings.CELERY_BROKER_TRANSPORT_OPTIONS.values():
                if isinstance(folder, str):
                    os.makedirs(folder, exist_ok=True)
