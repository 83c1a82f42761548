from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "credentials"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the signal receivers)
