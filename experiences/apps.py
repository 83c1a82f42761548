from django.apps import AppConfig


class ExperiencesConfig(AppConfig):
    name = "experiences"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the signal receivers)
