from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "dapjang.tickets"
    label = "tickets"
