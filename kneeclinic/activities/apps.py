from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "kneeclinic.activities"
    verbose_name = "Runs and imports"
