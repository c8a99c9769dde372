"""GenerateThumbnail: a downscaled copy (box filter) in thumbnails/, as a binary PPM.

Flaky on purpose, like a busy image service: the first FLAKY_FAILURES attempts (counted by
the state's retry count, passed in as `attempt`) fail with ThumbnailServiceBusy, which the
state retries. Images smaller than 8x8 fail with ImageTooSmall, which the state catches."""

import os

import pnm
from lambda_shim import run


class ThumbnailServiceBusy(Exception):
    pass


class ImageTooSmall(Exception):
    pass


def handler(event, context):
    if int(event.get("attempt", 0)) < int(os.environ.get("FLAKY_FAILURES", "1")):
        raise ThumbnailServiceBusy("the thumbnail service is busy, try again")
    w, h, pixels = pnm.read(pnm.path_of(event))
    if w < 8 or h < 8:
        raise ImageTooSmall(f"{w}x{h} is too small for a thumbnail")
    factor = max(1, -(-w // int(event.get("maxWidth", 16))))
    tw, th = w // factor, h // factor
    out = []
    for ty in range(th):
        for tx in range(tw):
            block = [pixels[(ty * factor + dy) * w + tx * factor + dx] for dy in range(factor) for dx in range(factor)]
            out.append(tuple(round(sum(p[i] for p in block) / len(block)) for i in range(3)))
    stem = os.path.splitext(event["key"])[0]
    key = f"{stem}.thumb.ppm"
    pnm.write_ppm(os.path.join("thumbnails", key), tw, th, out)
    return {"bucket": "thumbnails", "key": key, "width": tw, "height": th}


if __name__ == "__main__":
    run(handler)
