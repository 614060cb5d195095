"""kafka-python and confluent-kafka (librdkafka) over SASL/SCRAM, for the gateway's client matrix.

usage: sasl_clients.py FAMILY produce BOOTSTRAP USER PASSWORD TOPIC COUNT PREFIX
       sasl_clients.py FAMILY consume BOOTSTRAP USER PASSWORD TOPIC GROUP EXPECTED TIMEOUT_S
FAMILY is kafka-python or confluent-kafka. The producer is idempotent (confluent-kafka) or acks=all (kafka-python,
which has no idempotence); the consumer joins GROUP, reads EXPECTED records and commits them. Prints one JSON object;
exits non-zero on failure. With SASL_CLIENTS_CA_FILE set, confluent-kafka uses SASL_SSL and trusts that PEM CA.
"""
import json
import os
import sys
import time

MECHANISM = "SCRAM-SHA-512"


def confluent_common(bootstrap, user, password):
    ca_file = os.environ.get("SASL_CLIENTS_CA_FILE")
    tls = {"security.protocol": "SASL_SSL", "ssl.ca.location": ca_file} if ca_file else {}
    return {
        "bootstrap.servers": bootstrap,
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanisms": MECHANISM,
        "sasl.username": user,
        "sasl.password": password,
        **tls,
    }


def confluent_produce(bootstrap, user, password, topic, count, prefix):
    from confluent_kafka import Producer

    p = Producer({
        **confluent_common(bootstrap, user, password),
        "enable.idempotence": True,
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
    remaining = p.flush(60)
    print(json.dumps({"delivered": len(delivered), "errors": errors, "remaining": remaining}))
    return 0 if len(delivered) == count and not errors else 1


def confluent_consume(bootstrap, user, password, topic, group, expected, timeout_s):
    from confluent_kafka import Consumer

    c = Consumer({
        **confluent_common(bootstrap, user, password),
        "group.id": group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": 10000,
    })
    c.subscribe([topic])
    values, errors = [], []
    deadline = time.time() + timeout_s
    while len(values) < expected and time.time() < deadline:
        msg = c.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            errors.append(str(msg.error()))
            continue
        values.append(msg.value().decode())
    if values:
        c.commit(asynchronous=False)
    c.close()
    print(json.dumps({"values": values, "errors": errors}))
    return 0


def kp_common(bootstrap, user, password):
    return {
        "bootstrap_servers": bootstrap.split(","),
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": MECHANISM,
        "sasl_plain_username": user,
        "sasl_plain_password": password,
    }


def kp_produce(bootstrap, user, password, topic, count, prefix):
    from kafka import KafkaProducer

    p = KafkaProducer(acks="all", retries=5, **kp_common(bootstrap, user, password))
    futures = [p.send(topic, key=f"k{i}".encode(), value=f"{prefix}-{i}".encode()) for i in range(count)]
    delivered, errors = 0, []
    for f in futures:
        try:
            f.get(timeout=60)
            delivered += 1
        except Exception as e:  # noqa: BLE001 - reported to the test
            errors.append(repr(e))
    p.close()
    print(json.dumps({"delivered": delivered, "errors": errors}))
    return 0 if delivered == count else 1


def kp_consume(bootstrap, user, password, topic, group, expected, timeout_s):
    from kafka import KafkaConsumer

    c = KafkaConsumer(
        topic,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=int(timeout_s * 1000),
        **kp_common(bootstrap, user, password),
    )
    values = []
    deadline = time.time() + timeout_s
    for msg in c:
        values.append(msg.value.decode())
        if len(values) >= expected or time.time() > deadline:
            break
    if values:
        c.commit()
    c.close()
    print(json.dumps({"values": values}))
    return 0


if __name__ == "__main__":
    family, cmd = sys.argv[1], sys.argv[2]
    a = sys.argv[3:]
    if family not in ("kafka-python", "confluent-kafka"):
        sys.exit(f"unknown family {family}")
    if cmd == "produce":
        fn = confluent_produce if family == "confluent-kafka" else kp_produce
        sys.exit(fn(a[0], a[1], a[2], a[3], int(a[4]), a[5]))
    fn = confluent_consume if family == "confluent-kafka" else kp_consume
    sys.exit(fn(a[0], a[1], a[2], a[3], a[4], int(a[5]), float(a[6])))
