"""Benchmark of the 1EdTech service API: GET credentials for 10 and 300 credentials of a learner; tokens/s.

Run as `python bench/ims_api_bench.py [--credentials N] [--requests R]` from the repository root.
Each learner holds N signed AchievementCredentials and N ClrCredentials (copies of one real credential of
each kind, issued and signed by the portal, each with its own id and its VC-JWT already made). Through
Django's full request path in-process, with a bearer token, it measures:

  GET /ims/clr/v2p0/credentials                  (the default page: up to 100 CLRs)
  GET /ims/ob/v3p0/credentials?limit=100         (a full page of badges)
  GET /ims/ob/v3p0/credentials?limit=2&offset=N-2 (the last page, as a client paging with limit=2 ends)

printing the median and best times and the number of SQL queries beside the targets (queries bounded
whatever the number of credentials: never more for N than for 10, at most 8; a page that ends among the
portal's credentials skips the wallet's query; median under 150 ms for a page of 100 at N). Then the
token endpoint: a client registered dynamically, authorised by the learner on the consent page, exchanges
its refresh token again and again (each exchange rotates it); exchanges per second beside the target
(>= 20/s; each one checks the client's hashed secret, at the cost of the password hasher in settings).
Fails (exit 1) only if a query count grows with the number of credentials or exceeds its target.
Uses a throw-away SQLite file, or the database in DATABASE_URL if set.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.django_setup import setup_django  # noqa: E402

TARGET_QUERIES = 8
TARGET_MS = 150.0
TARGET_TOKENS_PER_SECOND = 20.0
REDIRECT_URI = "https://wallet.example.org/callback"


def _template_credentials(institution):
    """One real AchievementCredential and one real ClrCredential, signed through the issuing pipeline."""
    from achievements.models import Learner
    from achievements.services import achievement_create, award_create
    from credentials import services as credential_services
    from credentials.selectors import credential_jwt
    from credentials.signing import document_jwt

    course = achievement_create(
        institution=institution, human_code="BENCH 101", fields={
            "achievement_type": "Course", "name": "Benchmarking", "description": "Measuring things.",
            "criteria_narrative": "Pass the course.", "credits_available": 3,
        },
    )  # fmt: skip
    learner = Learner.objects.create(
        institution=institution, student_id="TEMPLATE", given_name="Tem", family_name="Plate"
    )
    award = award_create(learner=learner, achievement=course, term="Fall 2025")
    badge = credential_services.credential_issue(award=award)
    clr = credential_services.clr_issue(learner=learner)
    badge.refresh_from_db()
    clr.refresh_from_db()
    assert badge.state == clr.state == "signed", (badge.error, clr.error)
    credential_jwt(credential=badge, sign=document_jwt)
    credential_jwt(credential=clr, sign=document_jwt)
    return badge, clr


def _learner_with_credentials(institution, templates, count: int, email: str):
    """A user whose learner record holds `count` AchievementCredentials and `count` ClrCredentials."""
    import datetime
    import uuid

    from django.utils import timezone

    from achievements.models import Learner
    from credentials.models import IssuedCredential
    from institutions.models import User

    user = User.objects.create_user(email=email, password="bench-password-0123")
    learner = Learner.objects.create(
        institution=institution, user=user, student_id=f"B{count}", given_name="Bench", family_name="Learner"
    )
    start = timezone.now() - datetime.timedelta(days=count)
    rows = []
    for template in templates:
        for n in range(count):
            pk = uuid.uuid4()
            rows.append(
                IssuedCredential(
                    id=pk, institution=institution, kind=template.kind, learner=learner, state="signed",
                    document=dict(template.document, id=f"urn:uuid:{pk}"), jwt=template.jwt, is_current=True,
                    signing_key=template.signing_key, signed_at=start + datetime.timedelta(days=n),
                )
            )  # fmt: skip
    IssuedCredential.objects.bulk_create(rows, batch_size=200)
    return user


def _token(user) -> str:
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application, set_token_value

    from api import scopes

    application = Application.objects.create(
        name="Bench wallet", client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE, redirect_uris=REDIRECT_URI,
    )  # fmt: skip
    raw = secrets.token_urlsafe(32)
    token = AccessToken(
        user=user,
        application=application,
        scope=" ".join(scopes.ALL),
        expires=timezone.now() + timedelta(hours=1),
    )
    set_token_value(token, raw)
    token.save()
    return raw


def _measure(client, path: str, token: str, requests: int) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    first = client.get(path, **headers)  # warm up (URL resolver, schema of nothing: no caches of ours)
    assert first.status_code == 200, first.content[:300]
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path, **headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(path, **headers)
    return times, len(queries.captured_queries), len(first.content)


def _hidden_inputs(html: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="hidden"' in tag:
            fields[name.group(1)] = value.group(1).replace("&amp;", "&") if value else ""
    return fields


def _refresh_token(user) -> tuple[dict, str]:
    """Register a client, let `user` allow it on the consent page and exchange the code: (client, refresh)."""
    from django.test import Client

    from api import scopes

    registration = Client().post(
        "/oauth/register", {
            "client_name": "Bench Wallet", "client_uri": "https://wallet.example.org/",
            "logo_uri": "https://wallet.example.org/logo.png", "tos_uri": "https://wallet.example.org/terms",
            "policy_uri": "https://wallet.example.org/privacy", "software_id": "bench-wallet",
            "software_version": "1.0", "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
            "scope": scopes.CLR_CREDENTIAL_READONLY,
        }, content_type="application/json", HTTP_HOST="localhost",
    )  # fmt: skip
    assert registration.status_code == 201, registration.content[:500]
    client_info = registration.json()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    browser = Client(HTTP_HOST="localhost")
    browser.force_login(user)
    query = urlencode({
        "response_type": "code", "client_id": client_info["client_id"], "redirect_uri": REDIRECT_URI,
        "scope": scopes.CLR_CREDENTIAL_READONLY, "state": "bench", "code_challenge": challenge,
        "code_challenge_method": "S256",
    })  # fmt: skip
    page = browser.get("/oauth/authorize?" + query)
    assert page.status_code == 200, page.content[:500]
    answer = browser.post("/oauth/authorize", {**_hidden_inputs(page.content.decode()), "allow": "on"})
    assert answer.status_code == 302, answer.content[:500]
    code = parse_qs(urlsplit(answer["Location"]).query)["code"][0]
    response = _token_request(
        client_info, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
                      "code_verifier": verifier},
    )  # fmt: skip
    assert response.status_code == 200, response.content[:500]
    return client_info, response.json()["refresh_token"]


def _token_request(client_info: dict, data: dict):
    from django.test import Client

    basic = base64.b64encode(f"{client_info['client_id']}:{client_info['client_secret']}".encode()).decode()
    return Client(HTTP_HOST="localhost").post(
        "/oauth/token", urlencode(data), content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )  # fmt: skip


def _tokens_per_second(user, exchanges: int) -> float:
    client_info, refresh = _refresh_token(user)
    started = time.perf_counter()
    for _ in range(exchanges):
        response = _token_request(client_info, {"grant_type": "refresh_token", "refresh_token": refresh})
        assert response.status_code == 200, response.content[:500]
        refresh = response.json()["refresh_token"]
    return exchanges / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--credentials", type=int, default=300)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--exchanges", type=int, default=30)
    args = parser.parse_args()
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"  # the two template credentials sign in-process
    os.environ.setdefault("PORTAL_OAUTH_TOKEN_RATE", "1000000/minute")  # measure the endpoint, not the limit
    with tempfile.TemporaryDirectory(prefix="clr-ims-bench-") as folder:
        setup_django(folder)
        from django.test import Client

        from institutions.models import Institution
        from institutions.services import signing_keys_rotate

        slug = f"bench-{os.getpid()}"
        institution = Institution.objects.create(slug=slug, name=f"Bench University {slug}")
        signing_keys_rotate(institution=institution)
        templates = _template_credentials(institution)
        n = args.credentials
        print(f"1EdTech service API benchmark: learners with 10 and {n} credentials of each kind, "
              f"{args.requests} requests each (load average {os.getloadavg()[0]:.2f})")  # fmt: skip
        paths = {
            "GET /ims/clr/v2p0/credentials": lambda size: "/ims/clr/v2p0/credentials",
            "GET /ims/ob/v3p0/credentials?limit=100": lambda size: "/ims/ob/v3p0/credentials?limit=100",
            "GET /ims/ob/v3p0/credentials?limit=2 (last page)": (
                lambda size: f"/ims/ob/v3p0/credentials?limit=2&offset={size - 2}"
            ),
        }
        users = {size: _learner_with_credentials(institution, templates, size, f"b{size}@example.org")
                 for size in (10, n)}  # fmt: skip
        tokens = {size: _token(user) for size, user in users.items()}
        client = Client(HTTP_HOST="localhost")
        constant = True
        for label, path_for in paths.items():
            print(f"  {label}")
            counts = {}
            for size in (10, n):
                times, counts[size], length = _measure(client, path_for(size), tokens[size], args.requests)
                target = f"(target < {TARGET_MS:.0f} ms)" if size == n else ""
                print(f"    {size:>5} credentials: median {statistics.median(times):7.1f} ms  best "
                      f"{min(times):7.1f} ms  {length / 1000:8.0f} kB  {counts[size]} queries "
                      f"(target <= {TARGET_QUERIES}) {target}")  # fmt: skip
            constant = constant and counts[n] <= counts[10] <= TARGET_QUERIES
        rate = _tokens_per_second(users[10], args.exchanges)
        print(f"  POST /oauth/token (refresh_token grant, rotated): {rate:6.1f} tokens/s "
              f"(target >= {TARGET_TOKENS_PER_SECOND:.0f}/s), {args.exchanges} exchanges")  # fmt: skip
    print(f"queries bounded whatever the number of credentials: {'yes' if constant else 'NO'}")
    return 0 if constant else 1


if __name__ == "__main__":
    sys.exit(main())
