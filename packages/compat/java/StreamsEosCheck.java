import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Materialized;

/**
 * A stateless Kafka Streams application with processing.guarantee=exactly_once_v2 (transactions, offsets committed
 * in them, a classic consumer group): it upper-cases every record of an input topic into an output topic. A
 * read_committed consumer then reads the output, which must hold each input record exactly once. With a produce
 * interval the input is written slowly while the application runs, and "progress" lines say how much output a
 * read_committed consumer has seen, so a test can kill -9 the broker mid-run.
 * With the mode "count" the application is stateful instead: it counts the records per key (8 keys) in a state store
 * whose changelog Kafka Streams creates as a compacted topic, with the record cache off so every update is written;
 * exactly once then means each key's counts read back are 1, 2, ... n with none repeated or missing, and the
 * changelog's cleanup.policy is reported.
 * Usage: StreamsEosCheck <bootstrap> <prefix> <records> [produce-interval-ms] [map|count]
 */
public class StreamsEosCheck {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String prefix = args[1];
    int count = Integer.parseInt(args[2]);
    long intervalMs = args.length > 3 ? Long.parseLong(args[3]) : 0;
    boolean counting = args.length > 4 && args[4].equals("count");
    int keys = 8;
    String in = prefix + "in";
    String out = prefix + "out";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(in, 2, (short) 1), new NewTopic(out, 2, (short) 1))).all().get();
    }
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    p.put("delivery.timeout.ms", "120000");
    Thread input = new Thread(() -> {
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
        for (int i = 0; i < count; i++) {
          producer.send(new ProducerRecord<>(in, counting ? "k" + (i % keys) : "k" + i, "v" + i));
          if (intervalMs > 0) Thread.sleep(intervalMs);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    input.start();

    Properties s = new Properties();
    s.put(StreamsConfig.APPLICATION_ID_CONFIG, prefix + "app");
    s.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    s.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    s.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
    s.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    s.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    s.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/" + prefix + System.nanoTime());
    s.put("consumer.auto.offset.reset", "earliest");
    StreamsBuilder builder = new StreamsBuilder();
    if (counting) {
      s.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
      builder.<String, String>stream(in).groupByKey().count(Materialized.as("counts")).toStream()
          .mapValues(n -> String.valueOf(n)).to(out);
    } else {
      builder.<String, String>stream(in).mapValues(v -> v.toUpperCase()).to(out);
    }
    KafkaStreams streams = new KafkaStreams(builder.build(), s);
    streams.start();

    Properties c = new Properties();
    c.put("bootstrap.servers", bootstrap);
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    c.put("isolation.level", "read_committed");
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      List<TopicPartition> tps = List.of(new TopicPartition(out, 0), new TopicPartition(out, 1));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.currentTimeMillis() + 90_000;
      long nextProgress = 0;
      while (values.size() < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200)))
          values.add(counting ? r.key() + "=" + r.value() : r.value());
        if (System.currentTimeMillis() >= nextProgress) {
          Observations.emit("progress", "received", values.size());
          nextProgress = System.currentTimeMillis() + 300;
        }
      }
      // A little longer: a duplicate would arrive now.
      long settle = System.currentTimeMillis() + 1_000;
      while (System.currentTimeMillis() < settle) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200)))
          values.add(counting ? r.key() + "=" + r.value() : r.value());
      }
    }
    input.join(5_000);
    String state = streams.state().toString();
    streams.close(Duration.ofSeconds(20));
    List<String> expected = new ArrayList<>();
    if (counting) {
      // Each key's updates in the order read (one partition per key keeps them in order): 1, 2, ... n.
      for (int k = 0; k < keys; k++) {
        int n = 0;
        for (int i = k; i < count; i += keys) expected.add("k" + k + "=" + (++n));
      }
      List<String> byKey = new ArrayList<>();
      for (int k = 0; k < keys; k++) {
        String key = "k" + k + "=";
        for (String v : values) if (v.startsWith(key)) byKey.add(v);
      }
      values = byKey;
      String changelog = prefix + "app-counts-changelog";
      String policy;
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, changelog);
        Config config = admin.describeConfigs(List.of(r)).all().get().get(r);
        policy = config.get("cleanup.policy").value();
      }
      Observations.emit("streams-changelog", "topic", changelog, "cleanupPolicy", policy);
    } else {
      for (int i = 0; i < count; i++) expected.add("V" + i);
      Collections.sort(expected);
      Collections.sort(values);
    }
    Observations.emit("streams-eos", "state", state, "received", values.size(), "exactlyOnce", values.equals(expected));
  }
}
