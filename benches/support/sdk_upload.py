"""Uploads a file to a blob SAS URL with Microsoft's Python SDK
(azure-storage-blob), as `cargo bench --bench publishing` compares it:
`upload_blob(max_concurrency=4)` with the SDK's default block sizes.

Usage: python sdk_upload.py SAS_URL PATH
Prints one line: `seconds peak_rss_kib` (the upload's wall time, and the
process's peak resident memory, interpreter included).
"""

import os
import resource
import sys
import time

from azure.storage.blob import BlobClient


def main() -> None:
    sas, path = sys.argv[1], sys.argv[2]
    blob = BlobClient.from_blob_url(sas)
    size = os.path.getsize(path)
    with open(path, "rb") as data:
        started = time.perf_counter()
        blob.upload_blob(data, length=size, overwrite=True, max_concurrency=4)
        elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{elapsed:.6f} {peak}")


if __name__ == "__main__":
    main()
