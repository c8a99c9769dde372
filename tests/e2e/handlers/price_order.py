"""A Lambda-style function: prices an order (sum of quantity x unit price, plus tax)."""

from lambda_shim import run


class InvalidOrder(Exception):
    pass


def handler(event, context):
    items = event.get("items")
    if not items:
        raise InvalidOrder(f"order {event.get('orderId')} has no items")
    subtotal = sum(i["qty"] * i["unitPrice"] for i in items)
    return {
        "orderId": event["orderId"],
        "subtotal": round(subtotal, 2),
        "total": round(subtotal * 1.2, 2),
        "pricedBy": context.function_name,
    }


if __name__ == "__main__":
    run(handler)
