"""The delivery room's part of the security world (called at the end of world.build_world)."""


def build(world) -> None:
    """Add this room's objects to `world.extras` (keys prefixed with the room's name).

    An open claim offer of A1's first credential, made by A1, and its token.
    """
    from delivery.services import offer_create

    offer, token = offer_create(
        user=world.a.students[0], scope="credential", credential_id=world.a.credentials[0].id
    )
    world.extras["delivery_offer"] = offer
    world.extras["delivery_offer_token"] = token
