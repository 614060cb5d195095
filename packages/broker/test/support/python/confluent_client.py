"""confluent-kafka (librdkafka) test client for Samsa's client matrix.

usage: confluent_client.py produce BOOTSTRAP TOPIC COUNT PREFIX COMPRESSION
       confluent_client.py consume BOOTSTRAP TOPIC GROUP EXPECTED TIMEOUT_S
Prints one JSON object with what happened; exits non-zero on failure.
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer


def produce(bootstrap, topic, count, prefix, compression):
    p = Producer({
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "compression.type": compression,
        "linger.ms": 5,
    })
    delivered, errors = [], []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            delivered.append(msg.offset())

    for i in range(count):
        p.produce(topic, key=f"k{i}".encode(), value=f"{prefix}-{i}".encode(), on_delivery=on_delivery)
        p.poll(0)
    remaining = p.flush(30)
    print(json.dumps({"delivered": len(delivered), "errors": errors, "remaining": remaining}))
    return 0 if len(delivered) == count and not errors else 1


def consume(bootstrap, topic, group, expected, timeout_s):
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": 6000,
    })
    c.subscribe([topic])
    values = []
    deadline = time.time() + timeout_s
    while len(values) < expected and time.time() < deadline:
        msg = c.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            print(json.dumps({"error": str(msg.error())}), file=sys.stderr)
            continue
        values.append(msg.value().decode())
    if values:
        c.commit(asynchronous=False)
    c.close()
    print(json.dumps({"values": values}))
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "produce":
        sys.exit(produce(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]))
    sys.exit(consume(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6])))
