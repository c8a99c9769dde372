"""DominantColours: the most common colours (each channel quantised to 4 levels), named after
the nearest of a small palette, with their share of the picture."""

from collections import Counter

import pnm
from lambda_shim import run

PALETTE = {
    "black": (0, 0, 0), "white": (255, 255, 255), "grey": (128, 128, 128), "red": (200, 30, 30),
    "orange": (240, 140, 30), "yellow": (240, 220, 40), "green": (40, 150, 40), "dark green": (20, 80, 20),
    "blue": (40, 80, 220), "sky blue": (110, 170, 240), "navy": (20, 30, 90), "purple": (120, 50, 150),
    "brown": (110, 70, 30), "pink": (240, 150, 180),
}


def nearest(rgb):
    return min(PALETTE, key=lambda name: sum((a - b) ** 2 for a, b in zip(PALETTE[name], rgb)))


def handler(event, context):
    _, _, pixels = pnm.read(pnm.path_of(event))
    buckets = Counter(tuple(c // 64 * 64 + 32 for c in p) for p in pixels)
    top = int(event.get("top", 3))
    out = []
    for rgb, count in buckets.most_common(top):
        out.append({"hex": "#%02x%02x%02x" % rgb, "name": nearest(rgb), "share": round(count / len(pixels), 3)})
    return out


if __name__ == "__main__":
    run(handler)
