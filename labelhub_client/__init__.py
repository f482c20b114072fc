"""LabelHub client: a small Python library and the `labelhub` command for API clients of one tenant.

It needs only urllib3 and tqdm (no Django), so it can be installed wherever training code runs.

Library::

    from labelhub_client import Client, LabelHubError, verify_webhook

    client = Client("https://labelhub.example.com", tenant="acme", api_key="lh_xxxx_yyyy")
    client.projects()                                   # [{"id": 3, "name": ..., "item_count": ..., ...}]
    job = client.create_items(3, "items.jsonl")         # uploads, waits for the import job, returns it
    job = client.create_items(3, [{"external_id": "a1", "text": "hello"}])   # records are sent as JSONL
    client.progress(3)                                  # {"items": 100, "final": 40, "percent": 40.0, ...}
    v = client.create_dataset(3, formats=["jsonl", "parquet"], filters={"min_confidence": 0.9})  # waits
    path = client.download(3, v["version"], "parquet", "data/")   # streamed, size + sha256 checked

    import pandas as pd; df = pd.read_parquet(path)
    from datasets import load_dataset; ds = load_dataset("parquet", data_files=str(path))

Errors: every refusal raises ``LabelHubError(status, code, message, field)`` with the server's words
(``str(e)`` is e.g. ``400 invalid_dataset_request (formats): format coco does not fit ...``); an unreachable server
raises ``ConnectionFailed`` naming the URL; a failed import raises ``ImportFailed`` (``.errors`` has the line
numbers); a failed dataset raises ``DatasetFailed``; a download that does not match its manifest raises
``DownloadFailed`` and leaves no file behind.

Webhooks: ``verify_webhook(secret, request.headers["X-LabelHub-Signature"], raw_body)`` is True for a genuine,
fresh (5 minutes) delivery.

Command line (``labelhub --help`` for all options)::

    labelhub login --url https://labelhub.example.com --tenant acme --api-key lh_xxxx_yyyy
    labelhub projects
    labelhub items create 3 items.jsonl
    labelhub progress 3
    labelhub datasets create 3 --format jsonl --format parquet --min-confidence 0.9 --wait
    labelhub datasets list 3
    labelhub datasets download 3 1 --format parquet -o train.parquet

``login`` stores its values in ~/.config/labelhub/config.json (0600; ``LABELHUB_CONFIG`` names another file);
LABELHUB_URL, LABELHUB_TENANT and LABELHUB_API_KEY override them. Exit codes: 0 ok, 1 API error, 2 usage error.
"""

from labelhub_client.client import Client
from labelhub_client.errors import (
    ConnectionFailed,
    DatasetFailed,
    DownloadFailed,
    ImportFailed,
    LabelHubError,
    WaitTimeout,
)
from labelhub_client.webhooks import sign_webhook, verify_webhook

__version__ = "0.1.0"
__all__ = [
    "Client",
    "ConnectionFailed",
    "DatasetFailed",
    "DownloadFailed",
    "ImportFailed",
    "LabelHubError",
    "WaitTimeout",
    "sign_webhook",
    "verify_webhook",
]
