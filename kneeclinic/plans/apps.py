from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "kneeclinic.plans"
    verbose_name = "Back to running"
