"""Starts moto in server mode on 127.0.0.1 for the serverless tests and stops it when its
standard input closes (the test process that started it holds the other end, so moto never
outlives the tests, even if they are killed).

    python3 infra/serverless/moto.py PORT      prints "ready http://127.0.0.1:PORT" when up
"""
import sys

from moto.server import ThreadedMotoServer


def main() -> None:
    port = int(sys.argv[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    print(f"ready http://127.0.0.1:{port}", flush=True)
    try:
        sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
