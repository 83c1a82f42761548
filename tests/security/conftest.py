"""Fixtures of the security suite: the world (tests/security/world.py), built once, rolled back at the end."""

import pytest

from tests.built_once import built_once

from .world import build_world


@pytest.fixture(scope="package")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="package")
def private_media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("private")


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, media_root, private_media_root):
    """Overrides the suite's per-test media folders: the world's logos, import and evidence files live in one."""
    settings.MEDIA_ROOT = media_root
    settings.PORTAL_PRIVATE_MEDIA_ROOT = private_media_root


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker, media_root, private_media_root):
    """The world, built once for tests/security and rolled back when they end."""
    with built_once(django_db_blocker, media_root, private_media_root, build_world) as built:
        yield built
