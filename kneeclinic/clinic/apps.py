from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "kneeclinic.clinic"
    verbose_name = "Clinic"
