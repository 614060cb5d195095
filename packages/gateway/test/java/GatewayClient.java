import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Kafka Java client through Samsa gateways, signed in with a Samsa API key over SASL/SCRAM-SHA-512.
 * Usage:
 *   GatewayClient produce BOOTSTRAP USER PASSWORD TOPIC COUNT PREFIX
 *     idempotent acks=all producer (the client's defaults); prints {"delivered":N,"errors":[...]}.
 *   GatewayClient consume BOOTSTRAP USER PASSWORD TOPIC GROUP EXPECTED TIMEOUT_MS
 *     group consumer from the earliest offset, commits what it read; prints {"values":[...]}.
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
      p.put("group.id", group);
      p.put("auto.offset.reset", "earliest");
      p.put("enable.auto.commit", "false");
      p.put("key.deserializer", StringDeserializer.class.getName());
      p.put("value.deserializer", StringDeserializer.class.getName());
      List<String> values = new ArrayList<>();
      try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
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
    } else {
      throw new IllegalArgumentException("unknown mode " + mode);
    }
  }
}
