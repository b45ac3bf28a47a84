from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "kneeclinic.training"
    verbose_name = "Training load"
