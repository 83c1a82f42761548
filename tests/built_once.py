"""Objects built once for many tests: inside one transaction that is rolled back after the last of them.

Each test then runs in a savepoint of it (pytest-django's `db`), so what a test changes is undone before the
next; the objects' files (logos, SIS imports, evidence) live in one media folder for all of them.
"""

from contextlib import contextmanager

from django.db import transaction
from django.test import override_settings


@contextmanager
def built_once(django_db_blocker, media_root, private_media_root, build):
    """What `build()` returns, for a fixture of module or package scope to yield."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media_root, PORTAL_PRIVATE_MEDIA_ROOT=private_media_root),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
