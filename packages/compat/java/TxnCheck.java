import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Java transactional producer: commit, abort, an open transaction, zombie fencing, consume-transform-produce
 * with sendOffsetsToTransaction (committed and aborted), and a transaction that outlives its timeout; after each,
 * read_committed and read_uncommitted consumers read the topic from the start and print what they saw.
 * Usage: TxnCheck <bootstrap> <prefix> <transaction-timeout-ms>
 * Every line is deterministic for a broker that behaves as Kafka does, so the same output is expected of both.
 */
public class TxnCheck {
  static String bootstrap;
  static String prefix;

  public static void main(String[] args) throws Exception {
    bootstrap = args[0];
    prefix = args[1];
    int shortTimeoutMs = Integer.parseInt(args[2]);
    String data = prefix + "data";
    String in = prefix + "in";
    String out = prefix + "out";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(data, 2, (short) 1), new NewTopic(in, 1, (short) 1),
          new NewTopic(out, 1, (short) 1))).all().get();
    }

    // Commit, then abort, with one producer.
    try (KafkaProducer<String, String> p = producer("a", 60_000)) {
      Observations.step("init", () -> {
        p.initTransactions();
        Observations.emit("init", "ok", true);
      });
      Observations.step("commit", () -> {
        p.beginTransaction();
        for (int i = 0; i < 6; i++) p.send(new ProducerRecord<>(data, "k" + i, "committed-" + i));
        p.commitTransaction();
        Observations.emit("commit", "ok", true);
      });
      Observations.step("abort", () -> {
        p.beginTransaction();
        for (int i = 0; i < 4; i++) p.send(new ProducerRecord<>(data, "k" + i, "aborted-" + i));
        p.flush();
        p.abortTransaction();
        Observations.emit("abort", "ok", true);
      });
    }
    read("after-abort", data);

    // An open transaction is invisible to read_committed until it commits.
    try (KafkaProducer<String, String> p = producer("open", 60_000)) {
      p.initTransactions();
      p.beginTransaction();
      for (int i = 0; i < 3; i++) p.send(new ProducerRecord<>(data, "k" + i, "open-" + i));
      p.flush();
      read("while-open", data);
      describe("describe-open", List.of(prefix + "open", prefix + "a", prefix + "missing"));
      p.commitTransaction();
      read("after-open-commit", data);
    }

    // Zombie fencing: a second producer with the same transactional.id fences the first.
    KafkaProducer<String, String> zombie = producer("z", 60_000);
    zombie.initTransactions();
    zombie.beginTransaction();
    zombie.send(new ProducerRecord<>(data, "k0", "zombie-0")).get();
    try (KafkaProducer<String, String> successor = producer("z", 60_000)) {
      successor.initTransactions();
      Observations.step("zombie-commit", () -> {
        zombie.send(new ProducerRecord<>(data, "k1", "zombie-1"));
        zombie.commitTransaction();
        Observations.emit("zombie-commit", "error", "none");
      });
      zombie.close(Duration.ZERO);
      successor.beginTransaction();
      successor.send(new ProducerRecord<>(data, "k1", "successor-0"));
      successor.commitTransaction();
    }
    read("after-fencing", data);

    // Consume-transform-produce: the output and the group's offset commit or abort together.
    try (KafkaProducer<String, String> plain = new KafkaProducer<>(props(Map.of()))) {
      for (int i = 0; i < 4; i++) plain.send(new ProducerRecord<>(in, "k" + i, "in-" + i)).get();
    }
    String group = prefix + "ctp";
    try (KafkaProducer<String, String> p = producer("ctp", 60_000)) {
      p.initTransactions();
      transform(p, in, out, group, 4, true);
      try (KafkaProducer<String, String> plain = new KafkaProducer<>(props(Map.of()))) {
        for (int i = 4; i < 6; i++) plain.send(new ProducerRecord<>(in, "k" + i, "in-" + i)).get();
      }
      transform(p, in, out, group, 2, false);
    }
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      OffsetAndMetadata o = offsets.get(new TopicPartition(in, 0));
      Observations.emit("ctp-group-offset", "offset", o == null ? null : o.offset());
    }
    read("ctp-out", out);

    // A transaction that outlives transaction.timeout.ms is aborted by the coordinator, and its producer fenced.
    try (KafkaProducer<String, String> p = producer("slow", shortTimeoutMs)) {
      p.initTransactions();
      p.beginTransaction();
      p.send(new ProducerRecord<>(data, "k2", "timed-out-0")).get();
      Thread.sleep(shortTimeoutMs * 4L);
      Observations.step("timeout-commit", () -> {
        p.commitTransaction();
        Observations.emit("timeout-commit", "error", "none");
      });
    }
    read("after-timeout", data);
  }

  /**
   * What Admin.describeTransactions and listTransactions say of some ids (producer ids and epochs are left out: they
   * are the broker's to choose, and Kafka 4.1 bumps the epoch at every transaction, KIP-890's version 2).
   */
  static void describe(String check, List<String> ids) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      for (String id : ids) {
        Observations.step(check, () -> {
          TransactionDescription d = admin.describeTransactions(List.of(id)).description(id).get();
          List<String> partitions = new ArrayList<>();
          for (TopicPartition tp : d.topicPartitions()) partitions.add(tp.toString());
          Collections.sort(partitions);
          Observations.emit(check, "id", id, "state", d.state().toString(), "timeoutMs", d.transactionTimeoutMs(),
              "started", d.transactionStartTimeMs().isPresent(), "partitions", partitions);
        });
      }
      Observations.step(check + "-list", () -> {
        List<String> listed = new ArrayList<>();
        for (TransactionListing l : admin.listTransactions().all().get()) {
          if (ids.contains(l.transactionalId())) listed.add(l.transactionalId() + "=" + l.state());
        }
        Collections.sort(listed);
        Observations.emit(check + "-list", "listed", listed);
      });
    }
  }

  /** Reads `count` records of `in`, writes them transformed to `out` and commits or aborts them with the offsets. */
  static void transform(KafkaProducer<String, String> p, String in, String out, String group, int count,
      boolean commit) throws Exception {
    TopicPartition tp = new TopicPartition(in, 0);
    Map<String, Object> c = new HashMap<>();
    c.put("group.id", group);
    c.put("enable.auto.commit", "false");
    c.put("isolation.level", "read_committed");
    c.put("auto.offset.reset", "earliest");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(c))) {
      consumer.assign(List.of(tp));
      List<ConsumerRecord<String, String>> got = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 30_000;
      while (got.size() < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) got.add(r);
      }
      p.beginTransaction();
      for (ConsumerRecord<String, String> r : got) {
        p.send(new ProducerRecord<>(out, r.key(), r.value().replace("in-", commit ? "out-" : "dropped-")));
      }
      p.flush(); // the aborted round's records reach the log too (unsent ones would be dropped by the abort)
      long next = got.get(got.size() - 1).offset() + 1;
      p.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(next)), new ConsumerGroupMetadata(group));
      if (commit) p.commitTransaction();
      else p.abortTransaction();
      List<String> values = new ArrayList<>();
      for (ConsumerRecord<String, String> r : got) values.add(r.value());
      Observations.emit(commit ? "ctp-commit" : "ctp-abort", "consumed", values);
    }
  }

  /** What read_committed and read_uncommitted consumers see of `topic` from the start, and their end offsets. */
  static void read(String check, String topic) {
    for (String isolation : new String[] {"read_committed", "read_uncommitted"}) {
      try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(
          Map.of("isolation.level", isolation)))) {
        List<TopicPartition> tps = new ArrayList<>();
        int partitions = consumer.partitionsFor(topic).size();
        for (int i = 0; i < partitions; i++) tps.add(new TopicPartition(topic, i));
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
        Map<TopicPartition, Long> end = consumer.endOffsets(tps);
        List<String> values = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
          boolean done = true;
          for (TopicPartition tp : tps) if (consumer.position(tp) < end.get(tp)) done = false;
          if (done) break;
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) values.add(r.value());
        }
        Collections.sort(values);
        List<Long> ends = new ArrayList<>();
        for (TopicPartition tp : tps) ends.add(end.get(tp));
        Observations.emit(check, "isolation", isolation, "values", values, "endOffsets", ends);
      }
    }
  }

  static KafkaProducer<String, String> producer(String id, int timeoutMs) {
    return new KafkaProducer<>(props(Map.of("transactional.id", prefix + id, "transaction.timeout.ms",
        String.valueOf(timeoutMs), "max.block.ms", "20000")));
  }

  static Properties props(Map<String, String> extra) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    p.put("linger.ms", "5");
    p.putAll(extra);
    return p;
  }

  static Properties consumerProps(Map<String, Object> extra) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    p.putAll(extra);
    return p;
  }
}
