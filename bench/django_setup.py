"""Shared by in-process benchmarks: Django on a throw-away database, migrated, without query logging."""

import os


def setup_django(database_dir: str) -> None:
    """Use `database_dir` for SQLite unless DATABASE_URL is set; migrate; turn DEBUG off."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clrportal.settings.dev")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database_dir}/bench.sqlite3")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # dev settings turn it on; query logging would be measured too
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
