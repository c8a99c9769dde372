"""moto in server mode for the tests (infra/moto/start.sh runs this).

    python server.py HOST PORT THREADED

THREADED 0 serves one request at a time: moto's backends are not thread-safe, and the
serverless tests commit concurrently.

One change to moto, for speed only: DynamoDB's TransactWriteItems backs up every table it
touches with a deep copy of the whole table before it starts (moto 5.x), so each transaction
costs time proportional to the table, and a test that writes a few thousand items (a Map
over 1,000 items) spends minutes copying. Here the backup covers only the items the
transaction names, which is all a rollback restores: the same all-or-nothing outcome, at a
cost proportional to the transaction. If moto's internals differ from what this expects,
the patch is skipped and moto runs unchanged.
"""

import copy
import sys
import types

from werkzeug.serving import make_server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


def patch_transactions():
    try:
        import moto.dynamodb.models as models
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models.table import Table
    except ImportError:
        return False
    if getattr(models, "copy", None) is not copy or not hasattr(DynamoDBBackend, "transact_write_items"):
        return False

    # The module's own deep copies, except of whole tables: those become the table itself, so
    # moto's "restore the backup" is a no-op and the item-level restore below does the work.
    shim = types.SimpleNamespace(**{k: getattr(copy, k) for k in dir(copy) if not k.startswith("__")})
    shim.deepcopy = lambda x, memo=None: x if isinstance(x, Table) else copy.deepcopy(x, memo)
    models.copy = shim
    original = DynamoDBBackend.transact_write_items

    def key_of(backend, op_type, op):
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            return None, None
        if op_type == "Put":
            attrs = op.get("Item", {})
            key = {table.hash_key_attr: attrs.get(table.hash_key_attr)}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = attrs.get(table.range_key_attr)
            if any(v is None for v in key.values()):
                return None, None
            return op["TableName"], key
        return op["TableName"], op.get("Key")

    def transact_write_items(self, transact_items):
        saved = []
        for entry in transact_items:
            if len(entry) != 1:
                continue
            op_type, op = next(iter(entry.items()))
            name, key = key_of(self, op_type, op)
            if name is None or not key:
                continue
            try:
                current = self.get_item(name, key)
            except Exception:
                continue
            saved.append((name, key, copy.deepcopy(current) if current is not None else None))
        try:
            return original(self, transact_items)
        except Exception:
            for name, key, item in reversed(saved):
                table = self.tables.get(name)
                if table is None:
                    continue
                hash_value, range_value = self.get_keys_value(table, key)
                if item is None:
                    if table.get_item(hash_value, range_value) is not None:
                        table.delete_item(hash_value, range_value)
                else:
                    table.put_item(item.to_json()["Attributes"], overwrite=True)
            raise

    DynamoDBBackend.transact_write_items = transact_write_items
    return True


if __name__ == "__main__":
    host, port, threaded = sys.argv[1], int(sys.argv[2]), sys.argv[3] != "0"
    if not patch_transactions():
        print("moto: TransactWriteItems left unpatched (unexpected moto internals)", file=sys.stderr)
    app = DomainDispatcherApplication(create_backend_app)
    make_server(host, port, app, threaded=threaded).serve_forever()
