import pytest


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """These tests log in many times; allauth's login rate limit lives in the cache, so start each clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
