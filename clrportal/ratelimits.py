"""Rate limits: who the client is, counters every web process shares, and 429 with Retry-After.

- `client_address(request)` is the one answer to "which client is this": REMOTE_ADDR, unless
  PORTAL_TRUSTED_PROXIES proxies of ours stand in front; then the address the outermost of them saw,
  that many entries from the right of X-Forwarded-For (what a client writes itself is further left).
- POST /api/v1/verify counts per client address (`ClientRateThrottle`); allauth's login, signup and
  reset limits too (`AccountAdapter.get_client_ip`). Both keep their counters in the default cache,
  which the settings make shared: Redis, or a table in the database.
- A login refused by allauth's failed-login limits (per address, per account) is a 429 page with
  Retry-After, as are allauth's other limits (`too_many_requests`, the project's handler429).
"""

import ipaddress

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import ScopedRateThrottle

# allauth's limits answered by its own 429 (login, signup, password reset) are per minute.
ALLAUTH_RETRY_AFTER_SECONDS = 60


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's IP address, trusting X-Forwarded-For only as far as PORTAL_TRUSTED_PROXIES says."""
    peer = request.META.get("REMOTE_ADDR", "")
    trusted = settings.PORTAL_TRUSTED_PROXIES
    forwarded = request.headers.get("x-forwarded-for", "")
    if trusted <= 0 or not forwarded:
        return peer
    entries = forwarded.split(",")
    if len(entries) < trusted:
        # Fewer hops than our proxies add: not what they send, so nothing in it is trusted.
        return peer
    return _address(entries[-trusted]) or peer


class ClientRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle per `client_address`, counted in fixed windows by one increment a request.

    DRF's own keeps a list of timestamps that it reads and writes back whole: requests handled at the same
    time by different processes overwrite each other's counts, and each request rewrites the whole list.
    An increment is atomic in Redis (and in memory); the database cache only approximates it.
    """

    def get_ident(self, request):
        return client_address(request)

    def allow_request(self, request, view):
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        now = self.timer()
        window = int(now // self.duration)
        key = self.cache_format % {"scope": self.scope, "ident": f"{self.get_ident(request)}:{window}"}
        self.wait_seconds = (window + 1) * self.duration - now
        self.cache.add(key, 0, self.duration)
        try:
            count = self.cache.incr(key)
        except ValueError:  # expired between the two calls
            self.cache.add(key, 1, self.duration)
            count = 1
        return count <= self.num_requests

    def wait(self):
        return self.wait_seconds


def too_many_requests(
    request: HttpRequest, exception=None, *, retry_after: int = ALLAUTH_RETRY_AFTER_SECONDS
) -> HttpResponse:
    """The 429 page, saying when to try again (and the Retry-After header saying the same)."""
    response = render(request, "errors/429.html", {"retry_after_minutes": -(-retry_after // 60)}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        return client_address(request)

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        # allauth answers a spent failed-login limit with a form error; a 429 tells programs too.
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            window = settings.PORTAL_LOGIN_FAILURE_WINDOW
            raise ImmediateHttpResponse(too_many_requests(request, retry_after=window)) from None
