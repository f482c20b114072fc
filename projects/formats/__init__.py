"""Django-free readers and writers for item import/export files.

Import readers (`read_jsonl`, `read_csv`, `read_label_studio`) take a binary stream and a task type and lazily
yield one `ImportRecord` or `RecordError` per input record; they never raise on bad data. CoNLL and COCO helpers
convert between those formats and LabelHub's spans and boxes value shapes.
"""

from projects.formats.coco import coco_categories, read_coco, write_coco
from projects.formats.conll import read_conll, write_conll
from projects.formats.csvfile import read_csv
from projects.formats.dataset import (
    DATASET_FORMATS,
    FORMAT_FILES,
    FORMATS_BY_TASK,
    WriteResult,
    check_format,
    write_dataset,
)
from projects.formats.jsonl import read_jsonl
from projects.formats.label_studio import read_label_studio, write_label_studio
from projects.formats.records import TASK_TYPES, FormatError, ImportRecord, RecordError

__all__ = [
    "DATASET_FORMATS",
    "FORMATS_BY_TASK",
    "FORMAT_FILES",
    "TASK_TYPES",
    "FormatError",
    "ImportRecord",
    "RecordError",
    "WriteResult",
    "check_format",
    "coco_categories",
    "read_coco",
    "read_conll",
    "read_csv",
    "read_jsonl",
    "read_label_studio",
    "write_coco",
    "write_conll",
    "write_dataset",
    "write_label_studio",
]
