"""librdkafka (confluent-kafka on /usr/bin/python3) and transactions, one JSON line per observation.

  txn_check.py read <bootstrap> <topic> <isolation>
      Assigns every partition of <topic> from the beginning at isolation.level <isolation> and reads until librdkafka
      reports the end of each (enable.partition.eof: the high watermark, or the last stable offset for
      read_committed). Prints each partition's records as "offset:value", where the end was reported, the position
      and the end offsets the broker gives for the consumer's isolation level (ListOffsets).

  txn_check.py transact <bootstrap> <prefix> <transaction-timeout-ms>
      confluent-kafka's transactional producer on <prefix>in and <prefix>out (one partition each, created by the
      caller): a committed and an aborted transaction, consume-transform-produce with send_offsets_to_transaction
      (one round committed, one aborted), a zombie fenced by a second producer with its transactional.id, a
      transaction left past <transaction-timeout-ms>; then the group's committed offset and <prefix>out read at
      both isolation levels.

Every line is deterministic for a broker that behaves as Kafka does, so the same output is expected of both.
"""
import json
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition

TIMEOUT_S = 20.0


def emit(check, **fields):
    print(json.dumps({"check": check, **fields}), flush=True)


def read(bootstrap, topic, isolation, check="read"):
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"txn-check-reader-{isolation}",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "isolation.level": isolation,
        "fetch.wait.max.ms": 100,
    })
    try:
        partitions = sorted(c.list_topics(topic, timeout=TIMEOUT_S).topics[topic].partitions)
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        records = {p: [] for p in partitions}
        eof = {}
        deadline = time.monotonic() + TIMEOUT_S
        while len(eof) < len(partitions) and time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    eof[m.partition()] = m.offset()
                    continue
                raise KafkaException(m.error())
            records[m.partition()].append(f"{m.offset()}:{m.value().decode()}")
        positions = {tp.partition: tp.offset for tp in c.position([TopicPartition(topic, p) for p in partitions])}
        out = []
        for p in partitions:
            low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=TIMEOUT_S, cached=False)
            out.append({
                "partition": p,
                "records": records[p],
                "eofAt": eof.get(p),
                "position": positions[p],
                "watermarks": [low, high],
            })
        emit(check, isolation=isolation, partitions=out)
    finally:
        c.close()


def error_name(e):
    err = e.args[0] if e.args and isinstance(e.args[0], KafkaError) else None
    if err is None:
        return {"error": type(e).__name__}
    return {"error": err.name(), "fatal": err.fatal(), "abortable": err.txn_requires_abort()}


def transactional(bootstrap, tid):
    return Producer({
        "bootstrap.servers": bootstrap,
        "transactional.id": tid,
        "transaction.timeout.ms": 60000,
        "linger.ms": 5,
    })


def transform(p, consumer, out, count, commit):
    """Reads `count` records, writes them transformed to `out`, and commits or aborts them with the offsets."""
    got = []
    deadline = time.monotonic() + TIMEOUT_S
    while len(got) < count and time.monotonic() < deadline:
        m = consumer.poll(0.2)
        if m is None or m.error():
            continue
        got.append(m)
    p.begin_transaction()
    for m in got:
        value = m.value().decode().replace("in-", "out-" if commit else "dropped-")
        p.produce(out, key=m.key(), value=value)
    p.flush()
    p.send_offsets_to_transaction(consumer.position(consumer.assignment()), consumer.consumer_group_metadata())
    if commit:
        p.commit_transaction()
    else:
        p.abort_transaction()
    emit("ctp-commit" if commit else "ctp-abort", consumed=[m.value().decode() for m in got])


def transact(bootstrap, prefix, timeout_ms):
    src, out, group = f"{prefix}in", f"{prefix}out", f"{prefix}ctp"
    plain = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    for i in range(4):
        plain.produce(src, key=f"k{i}", value=f"in-{i}")
    plain.flush()

    p = transactional(bootstrap, f"{prefix}txn")
    p.init_transactions()
    p.begin_transaction()
    for i in range(3):
        p.produce(out, key=f"k{i}", value=f"committed-{i}")
    p.commit_transaction()
    emit("commit", ok=True)
    p.begin_transaction()
    for i in range(2):
        p.produce(out, key=f"k{i}", value=f"aborted-{i}")
    p.flush()
    p.abort_transaction()
    emit("abort", ok=True)

    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
    })
    consumer.assign([TopicPartition(src, 0, OFFSET_BEGINNING)])
    transform(p, consumer, out, 4, True)
    for i in range(4, 6):
        plain.produce(src, key=f"k{i}", value=f"in-{i}")
    plain.flush()
    transform(p, consumer, out, 2, False)
    consumer.close()
    p.flush()

    # A second producer with the same transactional.id fences the first: its commit fails, its records never show.
    zombie = transactional(bootstrap, f"{prefix}z")
    zombie.init_transactions()
    zombie.begin_transaction()
    zombie.produce(out, key="k0", value="zombie-0")
    zombie.flush()
    successor = transactional(bootstrap, f"{prefix}z")
    successor.init_transactions()
    try:
        zombie.produce(out, key="k1", value="zombie-1")
        zombie.commit_transaction(10)
        emit("zombie-commit", error="none")
    except KafkaException as e:
        emit("zombie-commit", **error_name(e))
    successor.begin_transaction()
    successor.produce(out, key="k1", value="successor-0")
    successor.commit_transaction()
    emit("successor-commit", ok=True)

    # A transaction past its transaction.timeout.ms is aborted by the broker and its producer fenced.
    slow = Producer({
        "bootstrap.servers": bootstrap,
        "transactional.id": f"{prefix}slow",
        "transaction.timeout.ms": timeout_ms,
        "linger.ms": 5,
    })
    slow.init_transactions()
    slow.begin_transaction()
    delivered = []
    slow.produce(out, key="k2", value="timed-out-0", on_delivery=lambda err, _m: delivered.append(err is None))
    slow.flush()
    emit("timeout-produce", delivered=delivered)
    time.sleep(timeout_ms * 3 / 1000)
    try:
        slow.commit_transaction(10)
        emit("timeout-commit", error="none")
    except KafkaException as e:
        emit("timeout-commit", **error_name(e))

    check = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    committed = check.committed([TopicPartition(src, 0)], timeout=TIMEOUT_S)
    emit("ctp-group-offset", offset=committed[0].offset)
    check.close()
    for isolation in ("read_committed", "read_uncommitted"):
        read(bootstrap, out, isolation, "out")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "read":
        read(sys.argv[2], sys.argv[3], sys.argv[4])
    elif mode == "transact":
        transact(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(f"unknown mode {mode}")
