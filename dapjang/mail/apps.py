from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "dapjang.mail"
    label = "mail"
