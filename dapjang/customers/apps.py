from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "dapjang.customers"
    label = "customers"
