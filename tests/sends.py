"""Messages a test keeps instead of sending: a lost message, or one whose options the test looks at."""

from collections.abc import Callable


def keep_instead_of_sending(monkeypatch, task, keep: Callable) -> None:
    """Nothing `task` sends reaches the broker: `keep(first argument, options)` is called instead.

    Patches `apply_async`, which `delay` calls too, so every way of sending is caught."""
    monkeypatch.setattr(task, "apply_async", lambda args=(), kwargs=None, **options: keep(args[0], options))
