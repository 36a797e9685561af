from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dapjang.api"
    label = "api"
    verbose_name = "REST API"
