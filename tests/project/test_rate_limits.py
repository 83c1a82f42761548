"""Rate limits that limit and are fair: one client address, counters on a shared cache, 429 with Retry-After.

The client is REMOTE_ADDR unless PORTAL_TRUSTED_PROXIES says how many proxies of ours append to
X-Forwarded-For; then it is that many entries from the right (clrportal/ratelimits.py). The counters of
POST /api/v1/verify (DRF) and of allauth's login limits live in the shared cache (Redis, or a database
table), so every web process counts the same requests.
"""

import os
import sys
import uuid

import pytest
from django.core.cache import cache
from rest_framework.throttling import ScopedRateThrottle

from tests.factories import PASSWORD, UserFactory
from tests.processes import BIN, ROOT, free_port, http_get, log_text, start, stop, wait_until

API = "/api/v1/verify"
LOGIN = "/accounts/login/"


@pytest.fixture
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def verify_rate(monkeypatch, empty_cache):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"verify": "2/hour"})


@pytest.fixture
def login_limits(settings, empty_cache):
    """allauth's limits on (the test suite turns them off): 4 failures per address, 3 per account."""
    settings.ACCOUNT_RATE_LIMITS = {"login": "100/m/ip", "login_failed": "4/5m/ip,3/5m/key"}
    settings.PORTAL_LOGIN_FAILURE_WINDOW = 300


def verify(client, **headers):
    return client.post(API, "{}", content_type="application/json", headers=headers)


def log_in(client, email, password, address):
    return client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_a_spoofed_forwarded_for_does_not_change_the_bucket_when_no_proxy_is_trusted(
    client, verify_rate, settings
):
    settings.PORTAL_TRUSTED_PROXIES = 0
    codes = [verify(client, x_forwarded_for=f"198.51.100.{n}").status_code for n in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.django_db
def test_the_address_appended_by_one_trusted_proxy_is_the_client(client, verify_rate, settings):
    settings.PORTAL_TRUSTED_PROXIES = 1
    # What the client wrote itself (left) is ignored; our proxy appended the address it saw (right).
    codes = [verify(client, x_forwarded_for=f"10.0.0.{n}, 203.0.113.5").status_code for n in range(3)]
    assert codes == [200, 200, 429]
    assert verify(client, x_forwarded_for="203.0.113.5, 198.51.100.7").status_code == 200
    # No header at all (not through the proxy): the peer's address, not a free pass.
    assert verify(client).status_code == 200


@pytest.mark.django_db
def test_a_throttled_verify_request_gets_429_with_retry_after_in_the_portal_error_shape(client, verify_rate):
    verify(client), verify(client)
    response = verify(client)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    body = response.json()
    assert set(body) == {"message", "extra"}
    assert "throttled" in body["message"]
    assert body["extra"] == {"retry_after": int(response["Retry-After"])}


@pytest.mark.django_db
def test_failed_logins_with_random_emails_from_one_address_get_429_while_the_real_user_elsewhere_logs_in(
    client, login_limits
):
    user = UserFactory()
    codes = [
        log_in(client, f"{uuid.uuid4().hex}@example.com", "guess", "192.0.2.66").status_code for _ in range(4)
    ]
    assert codes == [200, 200, 200, 200]  # wrong e-mail or password, said on the form
    response = log_in(client, f"{uuid.uuid4().hex}@example.com", "guess", "192.0.2.66")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 300
    assert b"Too many" in response.content

    real = log_in(client, user.email, PASSWORD, "198.51.100.20")
    assert real.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_an_account_is_locked_after_repeated_failures_while_other_accounts_still_log_in(client, login_limits):
    victim, other = UserFactory(), UserFactory()
    # From different addresses each time: only the per-account limit can stop this.
    codes = [log_in(client, victim.email, "guess", f"192.0.2.{n}").status_code for n in range(3)]
    assert codes == [200, 200, 200]
    locked = log_in(client, victim.email, PASSWORD, "198.51.100.30")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 300
    assert "_auth_user_id" not in client.session

    assert log_in(client, other.email, PASSWORD, "192.0.2.1").status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


@pytest.mark.django_db
def test_login_failures_key_on_the_client_behind_a_trusted_proxy_not_on_the_proxy(
    client, login_limits, settings
):
    settings.PORTAL_TRUSTED_PROXIES = 1
    user = UserFactory()
    proxy = "10.0.0.1"
    for _ in range(4):
        client.post(
            LOGIN,
            {"login": f"{uuid.uuid4().hex}@example.com", "password": "guess"},
            REMOTE_ADDR=proxy,
            headers={"x-forwarded-for": "192.0.2.66"},
        )
    sprayer = client.post(
        LOGIN,
        {"login": "x@example.com", "password": "guess"},
        REMOTE_ADDR=proxy,
        headers={"x-forwarded-for": "192.0.2.66"},
    )
    assert sprayer.status_code == 429
    real = client.post(
        LOGIN,
        {"login": user.email, "password": PASSWORD},
        REMOTE_ADDR=proxy,
        headers={"x-forwarded-for": "198.51.100.20"},
    )
    assert real.status_code == 302


@pytest.mark.django_db
def test_the_429_page_of_allauths_other_limits_carries_retry_after(client, settings, empty_cache):
    settings.ACCOUNT_RATE_LIMITS = {"login": "2/m/ip"}
    for _ in range(2):
        log_in(client, "someone@example.com", "guess", "192.0.2.9")
    response = log_in(client, "someone@example.com", "guess", "192.0.2.9")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert b"Too many" in response.content


def _shell(code: str, env: dict) -> str:
    import subprocess

    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "clrportal.settings.dev", **env},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]  # after the shell's note of what it imported


def test_the_cache_is_the_database_without_redis_and_redis_with_it(tmp_path):
    show = (
        "from django.conf import settings; c = settings.CACHES['default']; print(c['BACKEND'], c['LOCATION'])"
    )
    assert _shell(show, {"PORTAL_VAR_DIR": str(tmp_path)}) == (
        "django.core.cache.backends.db.DatabaseCache portal_cache"
    )
    assert _shell(show, {"PORTAL_VAR_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/3"}) == (
        "django.core.cache.backends.redis.RedisCache redis://127.0.0.1:6379/3"
    )


def _database_url() -> str:
    from tests.e2e.conftest import database_url

    return database_url()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_verify_limit_is_shared_by_two_web_processes(tmp_path):
    """Two gunicorn processes on the production settings: the second refuses what the first used up."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="clrportal.settings.production",
        SECRET_KEY="q7-Vd0s1ZkP3xW9mN2bR8tY4uL6cJ0aHfE5gT1iO3pQ7wS9eD2rK4vB6nM8zX0yC",
        DATABASE_URL=_database_url(),
        ALLOWED_HOSTS="127.0.0.1",
        PORTAL_BASE_URL="https://records.example.edu",
        KEY_ENCRYPTION_KEY="k" * 40,
        EMAIL_URL="smtp+tls://portal:mail-password@smtp.example.edu:587",
        SECURE_SSL_REDIRECT="false",
        PORTAL_VAR_DIR=str(tmp_path),
        PORTAL_VERIFY_API_RATE="3/hour",  # counted per clock hour, so a window seldom ends mid-test
        # Its own keys in a shared Redis: other test runs count other requests.
        PORTAL_CACHE_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
    )
    processes, ports = [], []
    try:
        for n in range(2):
            port = free_port()
            command = [
                str(BIN / "gunicorn"),
                "clrportal.wsgi",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
            ]
            processes.append(start(command, env=env, log_path=tmp_path / f"web-{n}.log"))
            ports.append(port)
        for port in ports:
            wait_until(
                lambda port=port: http_get(f"http://127.0.0.1:{port}/healthz")[0] == 200,
                timeout=60, what=f"gunicorn on {port}",
            )  # fmt: skip

        def post(port):
            import urllib.error
            import urllib.request

            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{API}", data=b"{}", headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return response.status, response.headers
            except urllib.error.HTTPError as error:
                return error.code, error.headers

        first, second = ports
        assert [post(first)[0] for _ in range(3)] == [200, 200, 200]
        status, headers = post(second)
        assert status == 429, [log_text(p) for p in processes]
        assert int(headers["Retry-After"]) > 0
    finally:
        for process in processes:
            stop(process)
