import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Consumer groups with the Java consumer: the classic protocol with cooperative-sticky (a second member joins, then
 * leaves; commits after every poll; a new member resumes from the committed offsets), seek by timestamp, and the
 * KIP-848 consumer protocol (group.protocol=consumer).
 * Usage: GroupCheck <bootstrap> <topic> <group> <timestamp-topic> <base-timestamp-ms>
 */
public class GroupCheck {
  static final int PARTITIONS = 4;
  static final long WAIT_MS = 30_000;
  static String bootstrap;
  static final AtomicInteger consumed = new AtomicInteger();

  public static void main(String[] args) throws Exception {
    bootstrap = args[0];
    String topic = args[1];
    String group = args[2];
    String tsTopic = args[3];
    long baseTs = Long.parseLong(args[4]);

    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
        KafkaProducer<String, String> producer = producer()) {
      admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1), new NewTopic(tsTopic, 1, (short) 1)))
          .all().get();

      Member a = new Member("a", topic, group, "classic");
      produce(producer, topic, 0, 100);
      await("a consumed the first 100", () -> consumed.get() >= 100);

      Member b = new Member("b", topic, group, "classic");
      await("a and b share the partitions", () -> a.assigned.size() + b.assigned.size() == PARTITIONS
          && !a.assigned.isEmpty() && !b.assigned.isEmpty());
      Observations.emit("assignment", "phase", "two-members", "a", Observations.list(a.assigned), "b",
          Observations.list(b.assigned));
      Observations.step("describe-group", () -> describe(admin, group, "describe-group"));
      Observations.emit("delete-active-group", "error",
          Observations.errorOf(admin.deleteConsumerGroups(List.of(group)).all()));
      produce(producer, topic, 100, 200);
      await("200 consumed", () -> consumed.get() >= 200);

      b.stop();
      await("a owns every partition again", () -> a.assigned.size() == PARTITIONS);
      Observations.emit("assignment", "phase", "after-leave", "a", Observations.list(a.assigned));
      produce(producer, topic, 200, 300);
      await("300 consumed", () -> consumed.get() >= 300);
      a.stop();

      produce(producer, topic, 300, 350);
      Member c = new Member("c", topic, group, "classic");
      await("c consumed what came after the commits", () -> consumed.get() >= 350);
      c.stop();

      Observations.step("offsets-for-times", () -> seekByTimestamp(producer, tsTopic, baseTs));

      consumed.set(0);
      Observations.step("kip848", () -> {
        String g848 = group + "-kip848";
        Member n1 = new Member("kip848-1", topic, g848, "consumer");
        Member n2 = null;
        try {
          await("the first KIP-848 member consumed the topic", () -> consumed.get() >= 350 || n1.failure != null);
          if (n1.failure != null) throw n1.failure;
          Observations.emit("kip848-alone", "assigned", Observations.list(n1.assigned));
          Member second = n2 = new Member("kip848-2", topic, g848, "consumer");
          await("the KIP-848 members share the partitions", () -> n1.assigned.size() + second.assigned.size()
              == PARTITIONS && !n1.assigned.isEmpty() && !second.assigned.isEmpty() || second.failure != null);
          if (second.failure != null) throw second.failure;
          Observations.emit("kip848-shared", "a", Observations.list(n1.assigned), "b",
              Observations.list(second.assigned));
          Observations.step("kip848-describe", () -> {
            describe(admin, g848, "kip848-describe");
            for (var listing : admin.listGroups().all().get()) {
              if (listing.groupId().equals(g848)) {
                Observations.emit("kip848-listed", "type", String.valueOf(listing.type().orElse(null)), "protocol",
                    listing.protocol(), "state", String.valueOf(listing.groupState().orElse(null)));
              }
            }
          });
          produce(producer, topic, 350, 390);
          await("the KIP-848 members consumed the new records", () -> consumed.get() >= 390);
          second.stop();
          n2 = null;
          await("the remaining KIP-848 member owns every partition", () -> n1.assigned.size() == PARTITIONS);
          Observations.emit("kip848-after-leave", "a", Observations.list(n1.assigned));
        } finally {
          if (n2 != null) n2.stop();
          n1.stop();
        }
      });
    }
  }

  static void describe(Admin admin, String group, String check) throws Exception {
    ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
    List<Map<String, Object>> members = new ArrayList<>();
    for (MemberDescription m : d.members()) {
      Set<Integer> parts = new TreeSet<>();
      for (TopicPartition tp : m.assignment().topicPartitions()) parts.add(tp.partition());
      members.add(Map.of("clientId", m.clientId(), "partitions", Observations.list(parts)));
    }
    Observations.emit(check, "group", group, "state", d.groupState().toString(), "type",
        d.type().toString(), "assignor", d.partitionAssignor(), "members", members);
  }

  static void seekByTimestamp(KafkaProducer<String, String> producer, String topic, long baseTs) throws Exception {
    for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>(topic, 0, baseTs + i * 1000L, "k", "t-" + i)).get();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(null, "classic"))) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(Map.of(tp, baseTs + 4_500));
      OffsetAndTimestamp at = found.get(tp);
      consumer.seek(tp, at.offset());
      ConsumerRecords<String, String> records = ConsumerRecords.empty();
      long deadline = System.currentTimeMillis() + WAIT_MS;
      while (records.isEmpty() && System.currentTimeMillis() < deadline) records = consumer.poll(Duration.ofMillis(200));
      ConsumerRecord<String, String> first = records.iterator().next();
      OffsetAndTimestamp beyond = consumer.offsetsForTimes(Map.of(tp, baseTs + 60_000)).get(tp);
      Observations.emit("offsets-for-times", "offset", at.offset(), "timestamp", at.timestamp(), "firstValue",
          first.value(), "firstTimestamp", first.timestamp(), "beyondLast", beyond == null ? null : beyond.offset(),
          "beginning", consumer.beginningOffsets(List.of(tp)).get(tp), "end", consumer.endOffsets(List.of(tp)).get(tp));
    }
  }

  static void produce(KafkaProducer<String, String> producer, String topic, int from, int to) throws Exception {
    for (int i = from; i < to; i++) producer.send(new ProducerRecord<>(topic, "key-" + i, "r-" + i));
    producer.flush();
  }

  static KafkaProducer<String, String> producer() {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  static Properties consumerProps(String group, String protocol) {
    Properties c = new Properties();
    c.put("bootstrap.servers", bootstrap);
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    c.put("enable.auto.commit", "false");
    c.put("auto.offset.reset", "earliest");
    if (group != null) {
      c.put("group.id", group);
      c.put("group.protocol", protocol);
      if (protocol.equals("classic")) {
        c.put("partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
        c.put("heartbeat.interval.ms", "300");
        c.put("session.timeout.ms", "10000");
      }
    }
    return c;
  }

  static void await(String what, BooleanSupplier done) throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (!done.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) throw new IllegalStateException("timed out waiting until " + what);
      Thread.sleep(50);
    }
  }

  /** A group member on its own thread: polls, records what it consumed, commits after every poll. */
  static final class Member implements ConsumerRebalanceListener {
    final String name;
    final String topic;
    final Set<Integer> assigned = new ConcurrentSkipListSet<>();
    final Set<Integer> everAssigned = new ConcurrentSkipListSet<>();
    final KafkaConsumer<String, String> consumer;
    final Thread thread;
    volatile boolean stopping;
    volatile Exception failure;

    Member(String name, String topic, String group, String protocol) {
      this.name = name;
      this.topic = topic;
      Properties p = consumerProps(group, protocol);
      p.put("client.id", "member-" + name);
      consumer = new KafkaConsumer<>(p);
      thread = new Thread(this::run, "member-" + name);
      thread.start();
    }

    void run() {
      try {
        consumer.subscribe(List.of(topic), this);
        while (!stopping) {
          ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
          for (ConsumerRecord<String, String> r : records) {
            Observations.emit("consumed", "member", name, "partition", r.partition(), "offset", r.offset(), "value",
                r.value());
            consumed.incrementAndGet();
          }
          if (!records.isEmpty()) consumer.commitSync();
        }
      } catch (Exception e) {
        failure = e;
        Observations.emit("member-error", "member", name, "error", e.getClass().getSimpleName(), "message",
            String.valueOf(e.getMessage()));
      } finally {
        if (name.equals("c")) emitCommitted();
        consumer.close();
      }
    }

    void emitCommitted() {
      Set<TopicPartition> tps = new java.util.HashSet<>();
      for (int p : assigned) tps.add(new TopicPartition(topic, p));
      Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      for (TopicPartition tp : tps) {
        OffsetAndMetadata om = committed.get(tp);
        Observations.emit("committed", "partition", tp.partition(), "offset", om == null ? null : om.offset(), "end",
            end.get(tp));
      }
    }

    /** Ends the poll loop after its current poll and commit (a wakeup could cut the commit short). */
    void stop() throws InterruptedException {
      stopping = true;
      thread.join(WAIT_MS);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      for (TopicPartition tp : partitions) assigned.add(tp.partition());
      for (TopicPartition tp : partitions) everAssigned.add(tp.partition());
      Observations.emit("rebalance", "member", name, "event", "assigned", "partitions", partitionsOf(partitions));
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      for (TopicPartition tp : partitions) assigned.remove(tp.partition());
      Observations.emit("rebalance", "member", name, "event", "revoked", "partitions", partitionsOf(partitions));
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      for (TopicPartition tp : partitions) assigned.remove(tp.partition());
      Observations.emit("rebalance", "member", name, "event", "lost", "partitions", partitionsOf(partitions));
    }

    static List<Integer> partitionsOf(Collection<TopicPartition> partitions) {
      Set<Integer> s = new TreeSet<>();
      for (TopicPartition tp : partitions) s.add(tp.partition());
      return new ArrayList<>(s);
    }
  }
}
