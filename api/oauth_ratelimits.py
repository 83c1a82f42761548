"""Rate limits of the OAuth endpoints nobody has to be signed in for: discovery, registration, authorization,
token (with revocation). Per client address (clrportal.ratelimits.client_address), counted in the shared
cache by clrportal.ratelimits.ClientRateThrottle's fixed windows; the rates are settings.PORTAL_OAUTH_RATES.

A refused request is a 429 with Retry-After: JSON in the endpoint's own error shape for programs, the
portal's 429 page for the authorization page a person sees.
"""

import functools
import math
from types import SimpleNamespace

from django.conf import settings
from django.http import JsonResponse

from clrportal.ratelimits import ClientRateThrottle, too_many_requests


class OAuthRateThrottle(ClientRateThrottle):
    def get_rate(self):
        return settings.PORTAL_OAUTH_RATES[self.scope]


def retry_after(request, scope: str) -> int | None:
    """Seconds to wait when this request is over the scope's rate (and counted), else None."""
    throttle = OAuthRateThrottle()
    if throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
        return None
    return max(1, math.ceil(throttle.wait()))


def rate_limited(scope: str, *, page: bool = False):
    """Decorate a view: over the rate, answer 429 with Retry-After instead of running it."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            wait = retry_after(request, scope)
            if wait is None:
                return view(request, *args, **kwargs)
            if page:
                return too_many_requests(request, retry_after=wait)
            response = JsonResponse(
                {
                    "error": "slow_down",
                    "error_description": f"Too many requests; try again in {wait} seconds.",
                },
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response

        return wrapper

    return decorate
