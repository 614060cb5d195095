"""confluent-kafka's schema-registry clients against Samsa's registry, with a tenant's API key.

usage: registry_client.py avro|json BOOTSTRAP REGISTRY_URL KEY_ID SECRET TOPIC
       registry_client.py breaking REGISTRY_URL KEY_ID SECRET SUBJECT
avro: AvroProducer / AvroConsumer (confluent_kafka.avro, Debian's python3-avro); json: SerializingProducer with
JSONSerializer / DeserializingConsumer with JSONDeserializer (python3-jsonschema). Each produces three records,
consumes them back and prints one JSON object with the decoded values and the ids the registry gave.
breaking: SchemaRegistryClient registers an Avro schema, checks and tries an incompatible one.
"""
import json
import sys
import time

from confluent_kafka import DeserializingConsumer, SerializingProducer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import StringDeserializer, StringSerializer

VALUE_AVRO = json.dumps({
    "type": "record", "name": "Reading", "namespace": "py",
    "fields": [{"name": "sensor", "type": "string"}, {"name": "celsius", "type": "double"}],
})
KEY_AVRO = json.dumps({"type": "string"})
VALUE_JSON = json.dumps({
    "$schema": "http://json-schema.org/draft-07/schema#", "title": "Reading", "type": "object",
    "properties": {"sensor": {"type": "string"}, "celsius": {"type": "number"}},
    "required": ["sensor", "celsius"], "additionalProperties": False,
})
READINGS = [{"sensor": f"s{i}", "celsius": 20.5 + i} for i in range(3)]


def kafka_conf(bootstrap, key_id, secret):
    return {
        "bootstrap.servers": bootstrap,
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanisms": "PLAIN",
        "sasl.username": key_id,
        "sasl.password": secret,
    }


def registry_conf(url, key_id, secret):
    return {"url": url, "basic.auth.user.info": f"{key_id}:{secret}"}


def consume_all(consumer, topic, expected, timeout_s=60):
    consumer.subscribe([topic])
    values = []
    deadline = time.time() + timeout_s
    while len(values) < expected and time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            print(json.dumps({"error": str(msg.error())}), file=sys.stderr)
            continue
        values.append({"key": msg.key(), "value": msg.value()})
    consumer.close()
    return values


def avro_round_trip(bootstrap, url, key_id, secret, topic):
    from confluent_kafka import avro
    from confluent_kafka.avro import AvroConsumer, AvroProducer

    conf = kafka_conf(bootstrap, key_id, secret)
    sr = {
        "schema.registry.url": url,
        "schema.registry.basic.auth.credentials.source": "USER_INFO",
        "schema.registry.basic.auth.user.info": f"{key_id}:{secret}",
    }
    producer = AvroProducer({**conf, **sr}, default_key_schema=avro.loads(KEY_AVRO),
                            default_value_schema=avro.loads(VALUE_AVRO))
    for r in READINGS:
        producer.produce(topic=topic, key=r["sensor"], value=r)
    remaining = producer.flush(30)
    consumer = AvroConsumer({**conf, **sr, "group.id": f"{topic}-py", "auto.offset.reset": "earliest"})
    values = consume_all(consumer, topic, len(READINGS))
    client = SchemaRegistryClient(registry_conf(url, key_id, secret))
    latest = client.get_latest_version(f"{topic}-value")
    return {"remaining": remaining, "values": values, "valueId": latest.schema_id, "subjects": client.get_subjects()}


def json_round_trip(bootstrap, url, key_id, secret, topic):
    from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer

    client = SchemaRegistryClient(registry_conf(url, key_id, secret))
    conf = kafka_conf(bootstrap, key_id, secret)
    producer = SerializingProducer({
        **conf,
        "key.serializer": StringSerializer("utf_8"),
        "value.serializer": JSONSerializer(VALUE_JSON, client, to_dict=lambda obj, ctx: obj),
    })
    for r in READINGS:
        producer.produce(topic=topic, key=r["sensor"], value=r)
    remaining = producer.flush(30)
    consumer = DeserializingConsumer({
        **conf,
        "key.deserializer": StringDeserializer("utf_8"),
        "value.deserializer": JSONDeserializer(VALUE_JSON, from_dict=lambda d, ctx: d),
        "group.id": f"{topic}-py",
        "auto.offset.reset": "earliest",
    })
    values = consume_all(consumer, topic, len(READINGS))
    latest = client.get_latest_version(f"{topic}-value")
    return {"remaining": remaining, "values": values, "valueId": latest.schema_id, "schemaType": latest.schema.schema_type}


def breaking(url, key_id, secret, subject):
    client = SchemaRegistryClient(registry_conf(url, key_id, secret))
    first = client.register_schema(subject, Schema(VALUE_AVRO, "AVRO"))
    again = client.register_schema(subject, Schema(VALUE_AVRO, "AVRO"))
    bad = json.loads(VALUE_AVRO)
    bad["fields"].append({"name": "unit", "type": "string"})
    bad_schema = Schema(json.dumps(bad), "AVRO")
    compatible = client.test_compatibility(subject, bad_schema)
    try:
        client.register_schema(subject, bad_schema)
        refused = None
    except SchemaRegistryError as e:
        refused = {"http_status": e.http_status_code, "error_code": e.error_code, "message": e.error_message}
    try:
        client.get_version(subject, 99)
        missing = None
    except SchemaRegistryError as e:
        missing = {"http_status": e.http_status_code, "error_code": e.error_code}
    return {"first": first, "again": again, "compatible": compatible, "refused": refused, "missing": missing}


def main(argv):
    mode = argv[1]
    if mode == "avro":
        out = avro_round_trip(*argv[2:7])
    elif mode == "json":
        out = json_round_trip(*argv[2:7])
    elif mode == "breaking":
        out = breaking(*argv[2:6])
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
