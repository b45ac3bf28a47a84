from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "kneeclinic.exercises"
    verbose_name = "Exercise therapy"
