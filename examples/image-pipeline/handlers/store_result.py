"""StoreImageMetadata: the pipeline's findings as one JSON document in results/ (the
reference architecture's DynamoDB table)."""

import json
import os

from lambda_shim import run


def handler(event, context):
    stem = os.path.splitext(event["image"]["key"])[0]
    key = f"{stem}.json"
    os.makedirs("results", exist_ok=True)
    path = os.path.join("results", key)
    with open(path + ".tmp", "w") as f:
        json.dump(event, f, indent=2, sort_keys=True)
    os.replace(path + ".tmp", path)
    return {"bucket": "results", "key": key}


if __name__ == "__main__":
    run(handler)
