"""confluent-kafka (librdkafka) through the gateway with SASL/SCRAM: produce N records idempotently (acks=all), then
consume them with a group and commit. Prints one JSON line: what was consumed."""
import json
import sys

from confluent_kafka import Consumer, Producer


def main(bootstrap, username, password, topic, group, count):
    auth = {
        "bootstrap.servers": bootstrap,
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanisms": "SCRAM-SHA-512",
        "sasl.username": username,
        "sasl.password": password,
    }
    producer = Producer({**auth, "enable.idempotence": True, "acks": "all"})
    for i in range(count):
        producer.produce(topic, value=f"ck-{i}".encode())
    if producer.flush(30) != 0:
        raise SystemExit("records left unsent")
    consumer = Consumer({**auth, "group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    values = []
    idle = 0
    while len(values) < count and idle < 60:
        message = consumer.poll(1.0)
        if message is None:
            idle += 1
            continue
        if message.error():
            raise SystemExit(str(message.error()))
        values.append(message.value().decode())
    consumer.commit(asynchronous=False)
    consumer.close()
    print(json.dumps({"consumed": sorted(values)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
