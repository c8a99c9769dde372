"""Writes the sample uploads (checked in; run again to regenerate them):
  uploads/meadow.ppm  64x48 binary PPM: sky, a sun, a meadow
  uploads/icon.ppm    4x3 ASCII PPM: too small for a thumbnail (the Catch path)
  uploads/notes.txt   not an image (the NotSupportedImageType path)"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "handlers"))
import pnm  # noqa: E402

os.chdir(os.path.dirname(os.path.abspath(__file__)))
W, H = 64, 48
pixels = []
for y in range(H):
    for x in range(W):
        if (x - 48) ** 2 + (y - 10) ** 2 <= 36:
            p = (250, 190, 60)  # sun
        elif y < 30:
            p = (90 + y, 150 + y, 235)  # sky, lighter towards the horizon
        else:
            p = (40 + (x * 7 + y * 3) % 20, 140 + (x * 5) % 30, 40)  # meadow
        pixels.append(p)
pnm.write_ppm("uploads/meadow.ppm", W, H, pixels)
with open("uploads/icon.ppm", "w") as f:
    f.write("P3\n# a tiny icon\n4 3\n255\n")
    for y in range(3):
        f.write(" ".join("200 30 30" if (x + y) % 2 else "240 240 240" for x in range(4)) + "\n")
with open("uploads/notes.txt", "w") as f:
    f.write("This is not an image.\n")
