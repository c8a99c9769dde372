"""What the end-to-end scripts share: numbered checks (TAP-like lines) and polling with a
deadline. Scripts run from any directory; they import this module from their own folder."""

import time

ROLE = "arn:aws:iam::123456789012:role/statecraft-e2e"
DEADLINE = 60.0
_passed = 0


def check(cond, what):
    """Fails the script with `what` unless `cond`; prints one numbered line when it holds."""
    global _passed
    if not cond:
        raise AssertionError(what)
    _passed += 1
    print(f"ok {_passed} - {what}", flush=True)


def passed():
    """How many checks have passed so far."""
    return _passed


def eventually(what, probe, within=DEADLINE):
    """Polls probe() until it returns something truthy; fails after `within` seconds."""
    end = time.monotonic() + within
    pause = 0.02
    while True:
        v = probe()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(pause)  # polling interval
        pause = min(pause * 2, 0.25)
