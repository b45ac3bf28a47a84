from django.apps import AppConfig


class SymptomsConfig(AppConfig):
    name = "kneeclinic.symptoms"
    verbose_name = "Symptoms and diary"
