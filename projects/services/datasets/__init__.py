"""Dataset versions: snapshot final labels (snapshot.py), export files with manifests (export.py)."""

from projects.services.datasets.export import download_target, export_for_token, request_export, run_export
from projects.services.datasets.snapshot import build_version, create_version

__all__ = ["build_version", "create_version", "download_target", "export_for_token", "request_export", "run_export"]
