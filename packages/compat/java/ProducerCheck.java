import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Java producer with its defaults (idempotent, acks=all) and every compression codec: keyed records (one with a
 * null key), headers (one with a null value) and explicit timestamps, then read back with the Java consumer.
 * Usage: ProducerCheck <bootstrap> <topic-prefix> <records-per-codec> <base-timestamp-ms>
 * Prints "sent" (what the producer was acknowledged with) and "received" (what the consumer read) lines.
 */
public class ProducerCheck {
  static final String[] CODECS = {"none", "gzip", "snappy", "lz4", "zstd"};

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String prefix = args[1];
    int count = Integer.parseInt(args[2]);
    long baseTs = Long.parseLong(args[3]);

    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      List<NewTopic> topics = new ArrayList<>();
      for (String codec : CODECS) topics.add(new NewTopic(prefix + codec, 2, (short) 1));
      admin.createTopics(topics).all().get();
    }

    Properties defaults = new Properties();
    defaults.put("bootstrap.servers", bootstrap);
    ProducerConfig effective = new ProducerConfig(withSerializers(defaults));
    Observations.emit("producer-defaults", "enable.idempotence",
        effective.getBoolean(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG), "acks",
        effective.getString(ProducerConfig.ACKS_CONFIG));

    int total = 0;
    for (String codec : CODECS) {
      Properties p = new Properties();
      p.put("bootstrap.servers", bootstrap);
      p.put("compression.type", codec);
      p.put("linger.ms", "20");
      String topic = prefix + codec;
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(withSerializers(p))) {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          RecordHeaders headers = new RecordHeaders();
          headers.add("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
          headers.add("codec", codec.getBytes(StandardCharsets.UTF_8));
          headers.add("empty", null);
          String key = i == 0 ? null : "key-" + (i % 5);
          acks.add(producer.send(new ProducerRecord<>(topic, null, baseTs + i * 1000L, key, value(codec, i), headers)));
        }
        producer.flush();
        for (int i = 0; i < count; i++) {
          RecordMetadata md = acks.get(i).get();
          Observations.emit("sent", "codec", codec, "seq", i, "partition", md.partition(), "offset", md.offset(),
              "timestamp", md.timestamp());
        }
        total += count;
      }
    }

    Properties c = new Properties();
    c.put("bootstrap.servers", bootstrap);
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    c.put("enable.auto.commit", "false");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (String codec : CODECS) for (int p = 0; p < 2; p++) tps.add(new TopicPartition(prefix + codec, p));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      int received = 0;
      long deadline = System.currentTimeMillis() + 30_000;
      while (!caughtUp(consumer, end) && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          List<List<String>> headers = new ArrayList<>();
          for (Header h : r.headers()) {
            List<String> kv = new ArrayList<>();
            kv.add(h.key());
            kv.add(h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
            headers.add(kv);
          }
          Observations.emit("received", "codec", r.topic().substring(prefix.length()), "partition", r.partition(),
              "offset", r.offset(), "key", r.key(), "value", r.value(), "headers", headers, "timestamp",
              r.timestamp(), "timestampType", r.timestampType().name);
          received++;
        }
      }
      Observations.emit("consumer-done", "received", received, "expected", total);
    }
  }

  static String value(String codec, int i) {
    return codec + "-" + i + "-" + "compressible ".repeat(20);
  }

  static Properties withSerializers(Properties p) {
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    return p;
  }

  static boolean caughtUp(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) return false;
    }
    return true;
  }
}
