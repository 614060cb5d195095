"""librdkafka load generator (confluent-kafka on the system /usr/bin/python3): the bench's peer workload through a
real Kafka client against Samsa. Talks to the orchestrator over Node's IPC channel (NODE_CHANNEL_FD, one JSON
object per line), with the same ready -> go -> result lifecycle as the Node workers (bench/worker-ipc.ts).

Modes (options in argv[1], JSON): produce, consume, latency-producer, latency-consumer; see bench/peers.ts.
"""

import json
import math
import os
import resource
import select
import struct
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

CHANNEL_FD = int(os.environ["NODE_CHANNEL_FD"])
_inbox = b""
# Byte offsets of a latency record's send time and warm-up flag (bench/workload.ts).
SEND_TIME_AT = 0
WARMUP_FLAG_AT = 8


def tell_parent(msg):
    data = (json.dumps(msg) + "\n").encode()
    while data:
        data = data[os.write(CHANNEL_FD, data):]


def from_parent(msg_type, timeout_s=None):
    """The next message of this type, or None if none came within timeout_s (0: only what is already there)."""
    global _inbox
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while True:
        while b"\n" in _inbox:
            line, _inbox = _inbox.split(b"\n", 1)
            msg = json.loads(line)
            if msg.get("type") == msg_type:
                return msg
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([CHANNEL_FD], [], [], wait)
        if not ready:
            return None
        chunk = os.read(CHANNEL_FD, 65536)
        if not chunk:
            sys.exit(1)
        _inbox += chunk


def cpu_usage():
    """CPU microseconds of this process and every librdkafka thread, shaped like Node's process.cpuUsage()."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return {"user": r.ru_utime * 1e6, "system": r.ru_stime * 1e6}


def cpu_since(start):
    now = cpu_usage()
    return {"user": now["user"] - start["user"], "system": now["system"] - start["system"]}


def percentiles(samples):
    """Nearest-rank percentiles, as bench/percentiles.ts."""
    s = sorted(samples)
    n = len(s)

    def at(q):
        if n == 0:
            return None
        return s[max(0, math.ceil(q * n) - 1)]

    return {"count": n, "p50": at(0.5), "p99": at(0.99), "p999": at(0.999), "max": at(1)}


def producer_config(o, linger_ms):
    return {
        "bootstrap.servers": o["target"]["bootstrap"],
        "acks": str(o["target"]["acks"]),
        "linger.ms": linger_ms,
        "batch.size": o["batchSizeBytes"],
        "compression.type": "none",
        "socket.nagle.disable": True,
        "queue.buffering.max.kbytes": 256 * 1024,
    }


def produce(o):
    failed = [0]

    def on_delivery(err, _msg):
        if err is not None:
            failed[0] += 1

    p = Producer({**producer_config(o, 5), "delivery.report.only.error": True, "on_delivery": on_delivery})
    value = os.urandom(o["recordValueBytes"])
    topic, partitions = o["topic"], o["partitions"]
    p.list_topics(topic, timeout=10)
    tell_parent({"type": "ready"})
    from_parent("go")
    cpu_start = cpu_usage()
    start = time.monotonic()
    deadline = start + o["durationMs"] / 1000
    max_records = o["maxBytes"] // o["recordValueBytes"]
    produced = 0
    while produced < max_records:
        if produced % 1000 == 0:
            p.poll(0)
            if time.monotonic() >= deadline:
                break
        try:
            p.produce(topic, value, partition=produced % partitions)
            produced += 1
        except BufferError:
            p.poll(0.001)
    remaining = p.flush(60)
    seconds = time.monotonic() - start
    records = produced - failed[0] - remaining
    return {
        "records": records,
        "bytes": records * o["recordValueBytes"],
        "seconds": seconds,
        "failed": failed[0] + remaining,
        "cpu": cpu_since(cpu_start),
    }


def consumer(o):
    c = Consumer(
        {
            "bootstrap.servers": o["target"]["bootstrap"],
            "group.id": f"bench-{o['topic']}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": o["maxWaitMs"],
            "socket.nagle.disable": True,
        }
    )
    c.assign([TopicPartition(o["topic"], p, 0) for p in range(o["partitions"])])
    return c


def check(m):
    if m.error() is not None and m.error().code() != KafkaError._PARTITION_EOF:
        raise RuntimeError(f"consume error: {m.error()}")
    return m.error() is None


def consume(o):
    c = consumer(o)
    tell_parent({"type": "ready"})
    from_parent("go")
    cpu_start = cpu_usage()
    start = time.monotonic()
    deadline = start + o["durationMs"] / 1000
    records = 0
    while records < o["expectedRecords"] and time.monotonic() < deadline:
        # Batches of 1,000: with 10,000, librdkafka 2.0's consume_batch waits out its timeout and reads 4x slower.
        for m in c.consume(num_messages=1000, timeout=0.5):
            if check(m):
                records += 1
    seconds = time.monotonic() - start
    c.close()
    return {"records": records, "bytes": records * o["recordValueBytes"], "seconds": seconds, "cpu": cpu_since(cpu_start)}


def latency_producer(o):
    p = Producer(producer_config(o, 1))
    topic, partitions, rate = o["topic"], o["partitions"], o["recordsPerSecond"]
    p.list_topics(topic, timeout=10)
    padding = b"a" * (o["recordValueBytes"] - WARMUP_FLAG_AT - 1)
    ack_latency_us = []
    counts = {"acked": 0, "errors": 0}
    tell_parent({"type": "ready"})
    from_parent("go")
    cpu_start = cpu_usage()
    start = time.monotonic_ns()
    warmup_end = start + o["warmupMs"] * 1_000_000
    end = warmup_end + o["durationMs"] * 1_000_000
    sent = 0

    def on_delivery_for(send_ns, warmup):
        def on_delivery(err, _msg):
            if err is not None:
                counts["errors"] += 1
                return
            counts["acked"] += 1
            if not warmup:
                ack_latency_us.append((time.monotonic_ns() - send_ns) / 1e3)

        return on_delivery

    while True:
        now = time.monotonic_ns()
        if now >= end:
            break
        due = int((now - start) / 1e9 * rate)
        warmup = 1 if now < warmup_end else 0
        for _ in range(due - sent):
            value = struct.pack(">qB", now, warmup) + padding
            p.produce(topic, value, partition=sent % partitions, on_delivery=on_delivery_for(now, warmup))
            sent += 1
        p.poll(0)
        time.sleep(0.0005)
    p.flush(30)
    return {
        "sent": sent,
        "acked": counts["acked"],
        "errors": counts["errors"],
        "ackLatencyUs": percentiles(ack_latency_us),
        "cpu": cpu_since(cpu_start),
    }


def latency_consumer(o):
    c = consumer(o)
    latency_us = []
    received = 0
    expected = None
    drain_deadline = None
    tell_parent({"type": "ready"})
    from_parent("go")
    cpu_start = cpu_usage()
    while expected is None or (received < expected and time.monotonic() < drain_deadline):
        if expected is None:
            msg = from_parent("expect", 0)
            if msg is not None:
                expected = msg["records"]
                drain_deadline = time.monotonic() + o["drainTimeoutMs"] / 1000
        # consume() waits for its whole batch or the timeout: poll() for the first record, then take what is queued.
        first = c.poll(0.05)
        batch = [first] + c.consume(num_messages=1000, timeout=0) if first is not None else []
        now = time.monotonic_ns()
        for m in batch:
            if not check(m):
                continue
            received += 1
            send_ns, warmup = struct.unpack_from(">qB", m.value(), SEND_TIME_AT)
            if warmup == 0:
                latency_us.append((now - send_ns) / 1e3)
    c.close()
    return {"received": received, "latencyUs": percentiles(latency_us), "cpu": cpu_since(cpu_start)}


MODES = {
    "produce": produce,
    "consume": consume,
    "latency-producer": latency_producer,
    "latency-consumer": latency_consumer,
}


def main():
    options = json.loads(sys.argv[1])
    try:
        result = MODES[options["mode"]](options)
    except Exception as err:  # reported to the orchestrator like a Node worker's error
        tell_parent({"type": "error", "message": f"{type(err).__name__}: {err}"})
        sys.exit(1)
    tell_parent({"type": "result", **result})


main()
