"""Signals for apps above this one (credentials), which achievements must not import.

Both are sent inside the transaction that makes the change, so a receiver's writes commit or roll back
with it. Receivers hold no rules: they call a service of their own app.
"""

from django.dispatch import Signal

# sender=Award; award=<Award>, reason=str, actor=<User | None>. The credentials app revokes the
# award's credentials.
award_withdrawn = Signal()

# sender=Award; award_ids=list[int] (awards whose results, credits or dates changed), source=str (e.g. the
# import file), actor=<User | None>. Credentials issued for the old values may need reissuing.
awards_updated = Signal()
