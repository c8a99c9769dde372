"""ExtractImageMetadata: format, size and checksum of the uploaded image."""

import hashlib
import os

import pnm
from lambda_shim import run

FORMATS = {"P2": ("PGM", "ascii"), "P3": ("PPM", "ascii"), "P5": ("PGM", "binary"), "P6": ("PPM", "binary")}


def handler(event, context):
    path = pnm.path_of(event)
    with open(path, "rb") as f:
        data = f.read()
    head = pnm.header(data)
    meta = {"sizeBytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if head is None:
        return {**meta, "format": "unknown"}
    magic, w, h, maxval, _ = head
    fmt, encoding = FORMATS[magic]
    return {**meta, "format": fmt, "encoding": encoding, "width": w, "height": h, "maxval": maxval,
            "extension": os.path.splitext(path)[1].lstrip(".")}


if __name__ == "__main__":
    run(handler)
