from django.apps import AppConfig


class ServerConfig(AppConfig):
    name = "dapjang.server"
    label = "server"
