"""Entry module for `dramatiq labelhub.worker`: set Django up, then import every app's actors."""

import importlib
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labelhub.settings")
django.setup()

from django.apps import apps  # noqa: E402

import labelhub.broker  # noqa: E402,F401  (configures the broker before actors register)

for app_config in apps.get_app_configs():
    module_name = f"{app_config.name}.actors"
    try:
        importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
