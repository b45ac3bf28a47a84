from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kneeclinic.accounts"
    verbose_name = "Accounts"
