from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kneeclinic.core"
    verbose_name = "Core"
