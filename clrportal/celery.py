import os

from celery import Celery, signals, states

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


# Database connections in worker processes. Celery's Django fixup would close them before and after every
# task (celery#9824: Django cannot tell a connection that a time limit interrupted mid-query from a good
# one); a new PostgreSQL connection costs ~9 ms of CPU, client and server, which on a batch of small tasks
# is ~5 % of the work. CELERY_DB_REUSE_MAX (settings) makes the fixup close them only now and then, and
# these two keep them as Django's requests do: dropped when older than CONN_MAX_AGE, proved by a query
# (CONN_HEALTH_CHECKS) before the next task's first one, and closed after any task that did not return
# normally, a time limit's interruption among them. Eager tasks run inside their caller's connection.


@signals.task_prerun.connect
def _check_kept_connections(task=None, **_kwargs) -> None:
    if not task.request.is_eager:
        from django.db import close_old_connections

        close_old_connections()


@signals.task_postrun.connect
def _drop_connections_after_failure(task=None, state=None, **_kwargs) -> None:
    if state != states.SUCCESS and not task.request.is_eager:
        from django.db import connections

        connections.close_all()
