import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Kafka Java client through Samsa gateways, signed in with a Samsa API key over SASL/SCRAM-SHA-512.
 * Usage:
 *   GatewayClient produce BOOTSTRAP USER PASSWORD TOPIC COUNT PREFIX
 *     idempotent acks=all producer (the client's defaults); prints {"delivered":N,"errors":[...]}.
 *   GatewayClient consume BOOTSTRAP USER PASSWORD TOPIC GROUP EXPECTED TIMEOUT_MS
 *     read_committed group consumer from the earliest offset, commits what it read; prints {"values":[...]}.
 *   GatewayClient transact BOOTSTRAP USER PASSWORD IN_TOPIC OUT_TOPIC GROUP TRANSACTIONAL_ID EXPECTED TIMEOUT_MS
 *     consume-transform-produce: reads EXPECTED records of IN_TOPIC with GROUP (read_committed), then in one
 *     transaction writes each value with "aborted-" to OUT_TOPIC with the group's offsets and aborts it, and in the
 *     next writes each value upper-cased with the offsets and commits; prints {"transformed":N}.
 *   GatewayClient streams BOOTSTRAP USER PASSWORD IN_TOPIC OUT_TOPIC APPLICATION_ID EXPECTED TIMEOUT_MS
 *     a Kafka Streams application with exactly_once_v2 upper-cases IN_TOPIC into OUT_TOPIC; a read_committed
 *     consumer reads OUT_TOPIC until EXPECTED values (and 1 s more, for duplicates); prints
 *     {"state":"RUNNING","values":[...]}.
 *   GatewayClient produce-for BOOTSTRAP USER PASSWORD TOPIC DURATION_MS
 *     sends "0", "1", ... one after another (at most 5 in flight) for DURATION_MS, printing "started" once the
 *     first is acknowledged and "acked N" every 500 ms; then {"acked":[...],"failed":N,"maxAckGapMs":G} with every acknowledged value and the
 *     longest time without an acknowledgement while sending (the stall a failover costs).
 */
public class GatewayClient {
  static Properties base(String bootstrap, String user, String password) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("security.protocol", "SASL_PLAINTEXT");
    p.put("sasl.mechanism", "SCRAM-SHA-512");
    p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + user + "\" password=\"" + password + "\";");
    // A client whose gateway is gone starts again from its bootstrap list (the other gateway): at once when no known
    // node answers, and after 5 s without metadata (KIP-1102; the client's default waits 5 minutes).
    p.put("metadata.recovery.strategy", "rebootstrap");
    p.put("metadata.recovery.rebootstrap.trigger.ms", "5000");
    return p;
  }

  static String json(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ") + "\"";
  }

  /** A group consumer's settings: from the earliest offset, read_committed, commits only when asked. */
  static Properties consumerProps(Properties base, String group) {
    Properties c = new Properties();
    c.putAll(base);
    c.put("group.id", group);
    c.put("auto.offset.reset", "earliest");
    c.put("enable.auto.commit", "false");
    c.put("isolation.level", "read_committed");
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    return c;
  }

  static void transact(String[] a, Properties base) throws Exception {
    String in = a[4];
    String out = a[5];
    int expected = Integer.parseInt(a[8]);
    long deadline = System.currentTimeMillis() + Long.parseLong(a[9]);
    Properties c = consumerProps(base, a[6]);
    Properties p = new Properties();
    p.putAll(base);
    p.put("transactional.id", a[7]);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c);
        KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      producer.initTransactions();
      consumer.subscribe(List.of(in));
      List<ConsumerRecord<String, String>> read = new ArrayList<>();
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      while (read.size() < expected && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          read.add(r);
          offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
      }
      if (read.size() < expected) throw new IllegalStateException("read " + read.size() + " of " + expected);
      for (boolean commit : new boolean[] {false, true}) {
        producer.beginTransaction();
        for (ConsumerRecord<String, String> r : read) {
          String value = commit ? r.value().toUpperCase() : "aborted-" + r.value();
          producer.send(new ProducerRecord<>(out, r.key(), value));
        }
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        // Written before the abort (abortTransaction drops records still unsent): the reader must skip them.
        producer.flush();
        if (commit) producer.commitTransaction();
        else producer.abortTransaction();
      }
      System.out.println("{\"transformed\":" + read.size() + "}");
    }
  }

  static void streams(String[] a, Properties base) throws Exception {
    String in = a[4];
    String out = a[5];
    int expected = Integer.parseInt(a[7]);
    long deadline = System.currentTimeMillis() + Long.parseLong(a[8]);
    Properties s = new Properties();
    s.putAll(base);
    s.put(StreamsConfig.APPLICATION_ID_CONFIG, a[6]);
    s.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    s.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
    s.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    s.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    s.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/" + a[6] + System.nanoTime());
    s.put("consumer.auto.offset.reset", "earliest");
    StreamsBuilder builder = new StreamsBuilder();
    builder.<String, String>stream(in).mapValues(v -> v.toUpperCase()).to(out);
    List<String> values = new ArrayList<>();
    String state;
    try (KafkaStreams streams = new KafkaStreams(builder.build(), s)) {
      streams.start();
      try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(base, a[6] + "-reader"))) {
        consumer.subscribe(List.of(out));
        long settle = Long.MAX_VALUE;
        while (System.currentTimeMillis() < Math.min(deadline, settle)) {
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) values.add(json(r.value()));
          if (values.size() >= expected && settle == Long.MAX_VALUE) settle = System.currentTimeMillis() + 1_000;
        }
      }
      state = streams.state().toString();
      streams.close(Duration.ofSeconds(20));
    }
    System.out.println("{\"state\":" + json(state) + ",\"values\":[" + String.join(",", values) + "]}");
  }

  public static void main(String[] a) throws Exception {
    String mode = a[0];
    Properties p = base(a[1], a[2], a[3]);
    String topic = a[4];
    if (mode.equals("produce")) {
      int count = Integer.parseInt(a[5]);
      p.put("key.serializer", StringSerializer.class.getName());
      p.put("value.serializer", StringSerializer.class.getName());
      p.put("linger.ms", "5");
      ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
      AtomicInteger delivered = new AtomicInteger();
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
        for (int i = 0; i < count; i++) {
          producer.send(new ProducerRecord<>(topic, "k" + i, a[6] + "-" + i), (md, err) -> {
            if (err != null) errors.add(err.toString());
            else delivered.incrementAndGet();
          });
        }
        producer.flush();
      }
      List<String> e = new ArrayList<>();
      for (String s : errors) e.add(json(s));
      System.out.println("{\"delivered\":" + delivered.get() + ",\"errors\":[" + String.join(",", e) + "]}");
    } else if (mode.equals("consume")) {
      String group = a[5];
      int expected = Integer.parseInt(a[6]);
      long deadline = System.currentTimeMillis() + Long.parseLong(a[7]);
      List<String> values = new ArrayList<>();
      try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(p, group))) {
        consumer.subscribe(List.of(topic));
        while (values.size() < expected && System.currentTimeMillis() < deadline) {
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(json(r.value()));
        }
        if (!values.isEmpty()) consumer.commitSync();
      }
      System.out.println("{\"values\":[" + String.join(",", values) + "]}");
    } else if (mode.equals("produce-for")) {
      long durationMs = Long.parseLong(a[5]);
      p.put("key.serializer", StringSerializer.class.getName());
      p.put("value.serializer", StringSerializer.class.getName());
      p.put("max.in.flight.requests.per.connection", "5");
      p.put("delivery.timeout.ms", "120000");
      ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
      AtomicInteger failed = new AtomicInteger();
      AtomicLong lastAck = new AtomicLong(0);
      AtomicLong maxGap = new AtomicLong(0);
      java.util.concurrent.ScheduledExecutorService progress =
          java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
          });
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
        producer.send(new ProducerRecord<>(topic, "0")).get();
        acked.add("0");
        lastAck.set(System.currentTimeMillis());
        System.out.println("started");
        System.out.flush();
        progress.scheduleAtFixedRate(() -> {
          System.out.println("acked " + acked.size());
          System.out.flush();
        }, 500, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
        long end = System.currentTimeMillis() + durationMs;
        int i = 1;
        java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(5);
        while (System.currentTimeMillis() < end) {
          window.acquire();
          String v = Integer.toString(i++);
          producer.send(new ProducerRecord<>(topic, v), (md, err) -> {
            long now = System.currentTimeMillis();
            if (err != null) failed.incrementAndGet();
            else {
              acked.add(v);
              long prev = lastAck.getAndSet(now);
              maxGap.accumulateAndGet(now - prev, Math::max);
            }
            window.release();
          });
        }
        producer.flush();
      }
      // No "acked N" line may follow the closing JSON line.
      progress.shutdownNow();
      progress.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
      System.out.println("{\"acked\":[" + String.join(",", acked.stream().map(GatewayClient::json).toList())
          + "],\"failed\":" + failed.get() + ",\"maxAckGapMs\":" + maxGap.get() + "}");
    } else if (mode.equals("transact")) {
      transact(a, p);
    } else if (mode.equals("streams")) {
      streams(a, p);
    } else {
      throw new IllegalArgumentException("unknown mode " + mode);
    }
  }
}
