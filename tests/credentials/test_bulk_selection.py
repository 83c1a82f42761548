"""A bulk job issues exactly what the registrar chose: a choice that names nothing of theirs is refused,
never widened to every award of the institution."""

import pytest

from credentials.models import IssuanceJob, IssuedCredential
from tests.factories import make_achievement

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("chosen", [["{foreign}"], ["abc"], ["99999999999999999999999"], ["{foreign}", "x"]])
def test_a_job_whose_chosen_achievements_are_all_foreign_or_invalid_is_refused(
    client, login, registrar_user, awards, institution, other_institution, chosen
):
    foreign = make_achievement(other_institution, "CS 999")
    login(registrar_user)
    response = client.post(
        f"/institutions/{institution.slug}/issuance/",
        {"achievement": [value.format(foreign=foreign.pk) for value in chosen]},
        follow=True,
    )
    assert response.status_code == 200
    assert b"None of the chosen achievements is in your catalog" in response.content
    assert not IssuanceJob.objects.exists()
    assert not IssuedCredential.objects.exists()


def test_a_job_of_chosen_achievements_is_scoped_to_them(
    client, login, registrar_user, awards, institution, catalog
):
    login(registrar_user)
    chosen = catalog["courses"][0]
    client.post(f"/institutions/{institution.slug}/issuance/", {"achievement": [str(chosen.pk), "junk"]})
    job = IssuanceJob.objects.get()
    assert job.selection["achievement_ids"] == [chosen.pk]
    assert job.description == "All awards of 1 achievement(s)"
