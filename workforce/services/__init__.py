"""State changes for the workforce (public schema). Callers import from here; the modules split by subject."""

from workforce.services.people import add_vendor_manager, enroll_annotator, ensure_vendor, publish_project_listing

__all__ = ["add_vendor_manager", "enroll_annotator", "ensure_vendor", "publish_project_listing"]
