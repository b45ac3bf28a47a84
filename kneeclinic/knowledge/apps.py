from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "kneeclinic.knowledge"
    verbose_name = "The knee clinic"
