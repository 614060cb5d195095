"""kafka-python through the gateway with SASL/SCRAM: produce N records (acks=all), then consume them with a group and
commit. Prints one JSON line: what was produced and what was consumed."""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer


def main(bootstrap, username, password, topic, group, count):
    auth = dict(
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-256",
        sasl_plain_username=username,
        sasl_plain_password=password,
    )
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", **auth)
    for i in range(count):
        producer.send(topic, value=f"py-{i}".encode())
    producer.flush(30)
    producer.close()
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=20000,
        **auth,
    )
    values = []
    for message in consumer:
        values.append(message.value.decode())
        if len(values) == count:
            break
    consumer.commit()
    consumer.close()
    print(json.dumps({"produced": count, "consumed": sorted(values)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
