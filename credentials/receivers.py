"""What the credentials app does when achievements change (achievements cannot import this app).

The services are imported when a signal arrives: connecting the receivers at start-up must not load
signing and the catalog's services into a process that never changes a record (the PDF worker).
"""

from django.dispatch import receiver

from achievements.models import Award
from achievements.signals import award_withdrawn, awards_updated


@receiver(award_withdrawn, sender=Award, dispatch_uid="credentials.revoke_withdrawn_award")
def revoke_credentials_of_withdrawn_award(sender, award, reason, actor=None, **kwargs):
    from . import services

    services.award_credentials_revoke(award=award, reason=f"The award was withdrawn: {reason}", actor=actor)


@receiver(awards_updated, sender=Award, dispatch_uid="credentials.reissue_updated_awards")
def reissue_credentials_of_updated_awards(sender, award_ids, source="", actor=None, **kwargs):
    from . import services

    services.awards_reissue(
        award_ids=award_ids,
        reason=f"Replaced by a corrected credential ({source or 'record updated'}).",
        actor=actor,
    )


@receiver(awards_updated, sender=Award, dispatch_uid="credentials.revoke_outdated_holder_copies")
def revoke_holder_copies_of_updated_awards(sender, award_ids, source="", actor=None, **kwargs):
    from .holder_binding import holder_copies_revoke

    holder_copies_revoke(
        award_ids=award_ids,
        reason=f"The record changed ({source or 'record updated'}): claim the corrected credential again.",
        actor=actor,
    )
