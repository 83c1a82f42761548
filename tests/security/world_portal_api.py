"""The portal_api room's part of the security world (called at the end of world.build_world)."""


def build(world) -> None:
    """Add this room's objects to `world.extras` (keys prefixed with the room's name)."""
