import pytest
from django.core.cache import cache


@pytest.fixture
def fresh_rate_counters():
    """The OAuth endpoints' rate limits count in the cache: a test starts and ends with none counted."""
    cache.clear()
    yield
    cache.clear()
