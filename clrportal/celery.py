import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clrportal.settings.dev")

app = Celery("clrportal")
app.config_from_object("django.conf:settings", namespace="CELERY")


def _apps_with_tasks() -> list[str]:
    """Every installed app's `tasks` module, except in the PDF worker: CELERY_IMPORTS names its one task."""
    from django.apps import apps
    from django.conf import settings

    if settings.PORTAL_PDF_WORKER:
        return []
    return [config.name for config in apps.get_app_configs()]


app.autodiscover_tasks(_apps_with_tasks)
