"""What the experiences room does when achievements change (achievements cannot import this room)."""

from django.dispatch import receiver

from achievements.models import Award
from achievements.signals import award_withdrawn

from . import services


@receiver(award_withdrawn, sender=Award, dispatch_uid="experiences.reopen_withdrawn_experience")
def reopen_experience_of_withdrawn_award(sender, award, reason, actor=None, **kwargs):
    services.award_withdrawn_elsewhere(award=award, reason=reason, actor=actor)
