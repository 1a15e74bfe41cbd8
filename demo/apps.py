from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for trying the product (``manage.py load_demo``). It sits above every other app,
    so it may use all their services; no app imports it."""

    name = "demo"
    verbose_name = "Demo"
