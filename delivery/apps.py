from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    """Claim offers into the learner's own wallet: VC-API exchanges, OID4VCI 1.0, holder-bound credentials."""

    name = "delivery"
