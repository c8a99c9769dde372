"""Reading and writing Netpbm images (PPM and PGM, ASCII and binary), so the example needs no
image library. Pixels are (r, g, b) tuples, 0-255, row by row."""

import os


class ImageNotFound(Exception):
    pass


def path_of(event):
    """The file an upload event names: `bucket` is a directory of the example, `key` a file in it."""
    bucket, key = event["bucket"], event["key"]
    if os.path.isabs(key) or ".." in key.split("/") or ".." in bucket.split("/"):
        raise ValueError(f"refusing to read outside the example: {bucket}/{key}")
    path = os.path.join(bucket, key)
    if not os.path.isfile(path):
        raise ImageNotFound(f"no such object: {bucket}/{key}")
    return path


def _tokens(data, count, pos):
    """`count` whitespace-separated header tokens from `pos`, skipping # comments."""
    out = []
    while len(out) < count:
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            while pos < len(data) and data[pos:pos + 1] not in (b"\n", b"\r"):
                pos += 1
            continue
        start = pos
        while pos < len(data) and not data[pos:pos + 1].isspace():
            pos += 1
        if start == pos:
            raise ValueError("truncated header")
        out.append(data[start:pos])
    return out, pos


def header(data):
    """(magic, width, height, maxval, offset of the pixel data) or None if not a PNM file."""
    magic = data[:2]
    if magic not in (b"P2", b"P3", b"P5", b"P6"):
        return None
    (w, h, maxval), pos = _tokens(data, 3, 2)
    return magic.decode(), int(w), int(h), int(maxval), pos + 1


def read(path):
    """(width, height, pixels)."""
    with open(path, "rb") as f:
        data = f.read()
    head = header(data)
    if head is None:
        raise ValueError(f"{path} is not a PPM or PGM image")
    magic, w, h, maxval, pos = head
    channels = 3 if magic in ("P3", "P6") else 1
    n = w * h * channels
    if magic in ("P5", "P6"):
        values = list(data[pos:pos + n])
    else:
        values = [int(t) for t in data[pos - 1:].split()[:n]]
    if len(values) < n:
        raise ValueError(f"{path}: expected {n} samples, found {len(values)}")
    scale = 255 / maxval
    values = [round(v * scale) for v in values]
    if channels == 1:
        pixels = [(v, v, v) for v in values]
    else:
        pixels = [tuple(values[i:i + 3]) for i in range(0, n, 3)]
    return w, h, pixels


def write_ppm(path, w, h, pixels):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        f.write(f"P6\n{w} {h}\n255\n".encode())
        f.write(bytes(c for p in pixels for c in p))
    os.replace(path + ".tmp", path)
