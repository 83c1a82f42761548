"""Wallet delivery: claim offers, the VC-API exchange, OID4VCI 1.0 (routes added with the views)."""

app_name = "delivery"
urlpatterns: list = []
