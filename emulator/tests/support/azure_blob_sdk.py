"""Microsoft's Python blob SDK (azure-storage-blob) against fileSasUri URLs.

Usage: python azure_blob_sdk.py SINGLE_URL BLOCKS_URL

Uploads through each URL exactly as issued: a single Put Blob to the first,
a parallel block upload to the second (blocks smaller than the data, four at
a time), then reads both back: whole, by parallel ranged download, and by one
range. Checks every byte and the properties the SDK reads; prints one JSON
line with what it did. Exits non-zero on any difference.
"""
import hashlib
import json
import random
import sys

from azure.storage.blob import BlobClient, ContentSettings

KIB = 1024


def data(seed, size):
    return random.Random(seed).randbytes(size)


class Counter:
    """Counts the requests the SDK sends, by kind."""

    def __init__(self):
        self.block = 0
        self.block_list = 0
        self.put_blob = 0
        self.ranged_get = 0

    def __call__(self, pipeline_request):
        req = pipeline_request.http_request
        url = req.url
        if req.method == "PUT" and "comp=blocklist" in url:
            self.block_list += 1
        elif req.method == "PUT" and "comp=block" in url:
            self.block += 1
        elif req.method == "PUT":
            self.put_blob += 1
        elif req.method == "GET" and ("x-ms-range" in req.headers or "Range" in req.headers):
            self.ranged_get += 1


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def main():
    single_url, blocks_url = sys.argv[1], sys.argv[2]
    counts = Counter()

    small = data(1, 300 * KIB + 7)
    c = BlobClient.from_blob_url(single_url)
    c.upload_blob(small, overwrite=True, raw_request_hook=counts)
    check(counts.put_blob == 1 and counts.block == 0, f"one Put Blob, got {vars(counts)}")
    props = c.get_blob_properties()
    check(props.size == len(small), f"size {props.size}")
    check(bytes(props.content_settings.content_md5 or b"") == hashlib.md5(small).digest(), "Content-MD5 of Put Blob")
    check(props.etag, "an etag")
    check(props.last_modified is not None and props.creation_time is not None, "times")
    check(c.download_blob().readall() == small, "single upload read back")

    big = data(2, 3 * 1024 * KIB + 123)
    md5 = hashlib.md5(big).digest()
    b = BlobClient.from_blob_url(
        blocks_url,
        max_single_put_size=256 * KIB,
        max_block_size=256 * KIB,
        max_single_get_size=512 * KIB,
        max_chunk_get_size=256 * KIB,
    )
    b.upload_blob(
        big,
        overwrite=True,
        max_concurrency=4,
        content_settings=ContentSettings(content_type="application/zip", content_md5=md5),
        raw_request_hook=counts,
    )
    check(counts.block >= 12 and counts.block_list == 1, f"a parallel block upload, got {vars(counts)}")
    props = b.get_blob_properties()
    check(props.size == len(big), f"size {props.size}")
    check(props.content_settings.content_type == "application/zip", f"content type {props.content_settings.content_type}")
    check(bytes(props.content_settings.content_md5 or b"") == md5, "x-ms-blob-content-md5 kept")

    before = counts.ranged_get
    got = b.download_blob(max_concurrency=4, raw_request_hook=counts).readall()
    check(got == big, "parallel ranged download is byte for byte")
    check(counts.ranged_get - before >= 4, f"ranged GETs, got {counts.ranged_get - before}")
    part = b.download_blob(offset=1000, length=5000).readall()
    check(part == big[1000:6000], "one range")
    tail = b.download_blob(offset=len(big) - 10).readall()
    check(tail == big[-10:], "the last bytes")

    # An empty blob: the SDK's first ranged read is refused (416) and it reads it whole.
    c.upload_blob(b"", overwrite=True)
    check(c.download_blob().readall() == b"", "an empty blob reads back empty")
    c.upload_blob(small, overwrite=True)

    print(json.dumps({
        "single": hashlib.sha256(small).hexdigest(),
        "blocks": hashlib.sha256(big).hexdigest(),
        "blockRequests": counts.block,
        "rangedGets": counts.ranged_get,
    }))


if __name__ == "__main__":
    main()
