"""kafka-python test client for Samsa's client matrix.

usage: kafka_python_client.py produce BOOTSTRAP TOPIC COUNT PREFIX
       kafka_python_client.py consume BOOTSTRAP TOPIC GROUP EXPECTED TIMEOUT_S
Prints one JSON object with what happened; exits non-zero on failure.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer


def produce(bootstrap, topic, count, prefix):
    p = KafkaProducer(bootstrap_servers=bootstrap, acks="all", retries=3)
    futures = [p.send(topic, key=f"k{i}".encode(), value=f"{prefix}-{i}".encode()) for i in range(count)]
    offsets = [f.get(timeout=30).offset for f in futures]
    p.flush()
    p.close()
    print(json.dumps({"delivered": len(offsets)}))
    return 0


def consume(bootstrap, topic, group, expected, timeout_s):
    c = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=1000,
    )
    values = []
    deadline = time.time() + timeout_s
    while len(values) < expected and time.time() < deadline:
        for msg in c:
            values.append(msg.value.decode())
            if len(values) >= expected:
                break
    if values:
        c.commit()
    c.close()
    print(json.dumps({"values": values}))
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "produce":
        sys.exit(produce(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]))
    sys.exit(consume(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6])))
