from rest_framework import serializers

from projects.models import ImportJob, Item, OntologyVersion, Project
from projects.ontology import TASK_TYPES

PROJECT_SETTINGS = [
    "name", "description", "overlap_mode", "overlap_k", "overlap_min", "overlap_max", "target_confidence",
    "min_tier", "gold_rate", "calibration_items", "calibration_pass_threshold", "calibration_attempts",
    "gold_min_for_pause", "aggregation", "prelabel_backend", "prelabel_settings", "show_suggestions",
    "accuracy_floor", "auto_accept_threshold", "audit_rate", "blind", "lease_seconds", "deadline", "budget",
    "currency",
]  # fmt: skip


class OntologyVersionOut(serializers.ModelSerializer):
    class Meta:
        model = OntologyVersion
        fields = ["number", "definition", "changelog", "is_locked", "created_at"]


class ProjectOut(serializers.ModelSerializer):
    ontology_version = serializers.IntegerField(source="current_ontology.number", allow_null=True, default=None)
    item_count = serializers.IntegerField(read_only=True, default=None)
    final_count = serializers.IntegerField(read_only=True, default=None)
    prelabel_settings = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = ["id", "task_type", "status", "ontology_version", *PROJECT_SETTINGS, "prelabel_state", "item_count",
                  "final_count", "created_at", "updated_at"]  # fmt: skip

    def get_prelabel_settings(self, project) -> dict:
        """The API key is write-only: say whether one is set, never what it is."""
        shown = {k: v for k, v in (project.prelabel_settings or {}).items() if k != "api_key"}
        shown["api_key_set"] = bool((project.prelabel_settings or {}).get("api_key"))
        return shown


PRELABEL_BACKENDS = ("none", "local", "llm")
PRELABEL_KEYS = {"base_url", "model", "api_key", "samples", "second_model", "concurrency", "timeout", "price_in_per_1k",
                 "price_out_per_1k"}  # fmt: skip


def validate_prelabel_settings(value: dict) -> dict:
    unknown = sorted(set(value) - PRELABEL_KEYS)
    if unknown:
        raise serializers.ValidationError(f"unknown setting {unknown[0]!r}; known: {', '.join(sorted(PRELABEL_KEYS))}")
    return value


class ProjectIn(serializers.ModelSerializer):
    task_type = serializers.ChoiceField(choices=TASK_TYPES)
    prelabel_backend = serializers.ChoiceField(choices=PRELABEL_BACKENDS, required=False)
    prelabel_settings = serializers.DictField(required=False, validators=[validate_prelabel_settings])

    class Meta:
        model = Project
        fields = ["task_type", *PROJECT_SETTINGS]


class ProjectPatch(serializers.ModelSerializer):
    prelabel_backend = serializers.ChoiceField(choices=PRELABEL_BACKENDS, required=False)
    prelabel_settings = serializers.DictField(required=False, validators=[validate_prelabel_settings])

    class Meta:
        model = Project
        fields = PROJECT_SETTINGS
        extra_kwargs = {name: {"required": False} for name in PROJECT_SETTINGS}


class StatusIn(serializers.Serializer):
    status = serializers.CharField()


class OntologyIn(serializers.Serializer):
    definition = serializers.DictField()
    changelog = serializers.CharField(required=False, allow_blank=True, default="")


class MarkdownIn(serializers.Serializer):
    markdown = serializers.CharField(allow_blank=True, max_length=200_000)


class ImportJobOut(serializers.ModelSerializer):
    progress_records = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = ["id", "source", "format", "status", "location", "files", "records", "imported", "duplicates",
                  "error_count", "errors", "message", "progress_records", "created_at", "started_at",
                  "finished_at"]  # fmt: skip

    def get_progress_records(self, job) -> int | None:
        from projects.services.imports import live_progress

        return live_progress(job)


class UploadImportIn(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=ImportJob.Format.values, required=False, allow_null=True, default=None)


class S3ImportIn(serializers.Serializer):
    source = serializers.ChoiceField(choices=["s3"])
    bucket = serializers.CharField(max_length=63)
    prefix = serializers.CharField(allow_blank=True, default="", max_length=1024)
    pattern = serializers.CharField(default="*", max_length=200)
    format = serializers.ChoiceField(choices=ImportJob.Format.values)


class ItemOut(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "external_id", "payload", "metadata", "existing_label", "gold", "gold_explanation",
                  "is_gold", "status", "priority", "annotation_count", "created_at"]  # fmt: skip


class ItemsIn(serializers.Serializer):
    items = serializers.ListField(child=serializers.DictField(), allow_empty=False, max_length=10_000)
