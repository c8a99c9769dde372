"""DetectLabels: what is in the picture, Rekognition-style ({"Name", "Confidence"}), from
simple colour statistics of its regions (a stand-in for a real model)."""

import pnm
from lambda_shim import run


def mean(pixels):
    n = max(len(pixels), 1)
    return tuple(sum(p[i] for p in pixels) / n for i in range(3))


def share(pixels, test):
    return sum(1 for p in pixels if test(*p)) / max(len(pixels), 1)


def handler(event, context):
    w, h, pixels = pnm.read(pnm.path_of(event))
    rows = [pixels[y * w:(y + 1) * w] for y in range(h)]
    top = [p for r in rows[: max(h // 3, 1)] for p in r]
    bottom = [p for r in rows[h - max(h // 3, 1):] for p in r]
    labels = []
    sky = share(top, lambda r, g, b: b > 120 and b >= r and b >= g)
    if sky > 0.5:
        labels.append(("Sky", sky))
    green = share(bottom, lambda r, g, b: g > 80 and g > r * 1.15 and g > b * 1.15)
    if green > 0.4:
        labels.append(("Grass", green))
    sun = share(pixels, lambda r, g, b: r > 200 and g > 140 and b < 120)
    if sun > 0.02:
        labels.append(("Sun", min(1.0, sun * 10)))
    brightness = sum(mean(pixels)) / 3
    if brightness < 60:
        labels.append(("Night", 1 - brightness / 60))
    if labels and any(n in ("Sky", "Grass") for n, _ in labels):
        labels.append(("Outdoors", max(c for _, c in labels)))
    if not labels:
        labels.append(("Abstract", 0.5))
    labels.sort(key=lambda nc: -nc[1])
    return [{"Name": n, "Confidence": round(c * 100, 1)} for n, c in labels]


if __name__ == "__main__":
    run(handler)
