import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Java Admin client against a broker without tenants: topics, configs, partitions, offsets, records, groups,
 * cluster and log dirs. Every call is one step printing what it observed (or the error it failed with).
 * Usage: AdminCheck <bootstrap> <prefix> <base-timestamp-ms>
 */
public class AdminCheck {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String prefix = args[1];
    long baseTs = Long.parseLong(args[2]);
    String topic = prefix + "main";
    String doomed = prefix + "doomed";
    String group = prefix + "group";
    TopicPartition p0 = new TopicPartition(topic, 0);
    TopicPartition p1 = new TopicPartition(topic, 1);

    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Observations.step("create-topics", () -> {
        admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1).configs(Map.of("retention.ms", "3600000")),
            new NewTopic(doomed, 1, (short) 1))).all().get();
        Observations.emit("create-topics", "ok", true);
      });
      Observations.emit("create-existing", "error",
          Observations.errorOf(admin.createTopics(List.of(new NewTopic(doomed, 1, (short) 1))).all()));
      Observations.step("list-topics", () -> Observations.emit("list-topics", "names",
          Observations.list(new TreeSet<>(admin.listTopics().names().get()))));
      Observations.step("describe-topics", () -> describeTopic(admin, topic, "describe-topics"));
      Observations.emit("describe-missing-topic", "error",
          Observations.errorOf(admin.describeTopics(List.of(prefix + "missing")).allTopicNames()));

      int[] nodeId = {0};
      Observations.step("describe-cluster", () -> {
        DescribeClusterResult c = admin.describeCluster();
        Collection<Node> nodes = c.nodes().get();
        nodeId[0] = nodes.iterator().next().id();
        List<Map<String, Object>> ns = new ArrayList<>();
        for (Node n : nodes) ns.add(Map.of("id", n.id(), "host", n.host(), "port", n.port()));
        Observations.emit("describe-cluster", "clusterId", c.clusterId().get(), "controller", c.controller().get().id(),
            "nodes", ns);
      });

      ConfigResource topicResource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Observations.step("describe-configs", () -> {
        Config cfg = admin.describeConfigs(List.of(topicResource)).all().get().get(topicResource);
        ConfigEntry retention = cfg.get("retention.ms");
        ConfigEntry cleanup = cfg.get("cleanup.policy");
        Observations.emit("describe-configs", "retention.ms", retention.value(), "retentionSource",
            retention.source().name(), "cleanup.policy", cleanup == null ? null : cleanup.value(), "cleanupSource",
            cleanup == null ? null : cleanup.source().name(), "entries", cfg.entries().size());
      });
      Observations.step("describe-broker-configs", () -> {
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(nodeId[0]));
        Config cfg = admin.describeConfigs(List.of(broker)).all().get().get(broker);
        Observations.emit("describe-broker-configs", "entries", cfg.entries().size());
      });
      Observations.step("incremental-alter-configs", () -> {
        admin.incrementalAlterConfigs(Map.of(topicResource, List.of(
            new AlterConfigOp(new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET),
            new AlterConfigOp(new ConfigEntry("max.message.bytes", "500000"), AlterConfigOp.OpType.SET))))
            .all().get();
        admin.incrementalAlterConfigs(Map.of(topicResource, List.of(
            new AlterConfigOp(new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE)))).all().get();
        Config cfg = admin.describeConfigs(List.of(topicResource)).all().get().get(topicResource);
        Observations.emit("incremental-alter-configs", "retention.ms", cfg.get("retention.ms").value(),
            "retentionSource", cfg.get("retention.ms").source().name(), "maxMessageBytesSource",
            cfg.get("max.message.bytes").source().name());
      });
      Observations.emit("alter-invalid-value", "error", Observations.errorOf(admin.incrementalAlterConfigs(Map.of(
          topicResource, List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "soon"),
              AlterConfigOp.OpType.SET)))).all()));
      Observations.emit("alter-unknown-name", "error", Observations.errorOf(admin.incrementalAlterConfigs(Map.of(
          topicResource, List.of(new AlterConfigOp(new ConfigEntry("no.such.config", "1"),
              AlterConfigOp.OpType.SET)))).all()));
      ConfigResource missing = new ConfigResource(ConfigResource.Type.TOPIC, prefix + "missing");
      Observations.emit("alter-missing-topic", "error", Observations.errorOf(admin.incrementalAlterConfigs(Map.of(
          missing, List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "1000"),
              AlterConfigOp.OpType.SET)))).all()));

      Observations.step("create-partitions", () -> {
        admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all().get();
        describeTopic(admin, topic, "create-partitions");
      });
      Observations.emit("create-partitions-fewer", "error",
          Observations.errorOf(admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(2))).all()));

      Observations.step("produce", () -> {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
          for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>(topic, 0, baseTs + i * 1000L, "k", "v" + i));
          producer.send(new ProducerRecord<>(topic, 1, baseTs, "k", "v")).get();
          producer.flush();
        }
        Observations.emit("produce", "ok", true);
      });
      Observations.step("list-offsets", () -> Observations.emit("list-offsets",
          "earliest", offset(admin, p0, OffsetSpec.earliest()), "latest", offset(admin, p0, OffsetSpec.latest()),
          "forTimestamp", offset(admin, p0, OffsetSpec.forTimestamp(baseTs + 3_500)),
          "afterLast", offset(admin, p0, OffsetSpec.forTimestamp(baseTs + 60_000)),
          "maxTimestamp", offset(admin, p0, OffsetSpec.maxTimestamp())));
      Observations.step("delete-records", () -> {
        long low = admin.deleteRecords(Map.of(p0, RecordsToDelete.beforeOffset(3))).lowWatermarks().get(p0).get()
            .lowWatermark();
        Observations.emit("delete-records", "lowWatermark", low, "earliest", offset(admin, p0, OffsetSpec.earliest()),
            "latest", offset(admin, p0, OffsetSpec.latest()));
      });

      Observations.step("commit", () -> {
        Properties c = new Properties();
        c.put("bootstrap.servers", bootstrap);
        c.put("group.id", group);
        c.put("key.deserializer", StringDeserializer.class.getName());
        c.put("value.deserializer", StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
          consumer.assign(List.of(p0));
          consumer.commitSync(Map.of(p0, new OffsetAndMetadata(5, "five")));
        }
        Observations.emit("commit", "ok", true);
      });
      Observations.step("list-groups", () -> {
        List<String> ids = new ArrayList<>();
        for (GroupListing g : admin.listGroups().all().get()) if (g.groupId().equals(group)) ids.add(g.groupId());
        List<String> consumerIds = new ArrayList<>();
        @SuppressWarnings("deprecation")
        var listings = admin.listConsumerGroups().all().get();
        for (var g : listings) if (g.groupId().equals(group)) consumerIds.add(g.groupId());
        Observations.emit("list-groups", "groups", ids, "consumerGroups", consumerIds);
      });
      Observations.step("describe-group", () -> {
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        Observations.emit("describe-group", "state", d.groupState().toString(), "members", d.members().size());
      });
      Observations.step("list-group-offsets", () -> emitGroupOffsets(admin, group, "list-group-offsets"));
      Observations.step("alter-group-offsets", () -> {
        admin.alterConsumerGroupOffsets(group, Map.of(p0, new OffsetAndMetadata(7), p1, new OffsetAndMetadata(1)))
            .all().get();
        emitGroupOffsets(admin, group, "alter-group-offsets");
      });
      Observations.step("delete-group-offsets", () -> {
        admin.deleteConsumerGroupOffsets(group, Set.of(p1)).all().get();
        emitGroupOffsets(admin, group, "delete-group-offsets");
      });
      Observations.step("delete-groups", () -> {
        admin.deleteConsumerGroups(List.of(group)).all().get();
        boolean listed = false;
        for (GroupListing g : admin.listGroups().all().get()) listed |= g.groupId().equals(group);
        Observations.emit("delete-groups", "stillListed", listed, "offsetsAfter",
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().size());
      });
      Observations.emit("delete-missing-group", "error",
          Observations.errorOf(admin.deleteConsumerGroups(List.of(prefix + "no-group")).all()));

      Observations.step("describe-log-dirs", () -> {
        Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(nodeId[0])).allDescriptions().get()
            .get(nodeId[0]);
        Map<String, Object> sizes = new TreeMap<>();
        for (LogDirDescription d : dirs.values()) {
          for (Map.Entry<TopicPartition, ReplicaInfo> e : d.replicaInfos().entrySet()) {
            if (e.getKey().topic().equals(topic)) sizes.put(Integer.toString(e.getKey().partition()), e.getValue().size());
          }
        }
        Observations.emit("describe-log-dirs", "dirs", dirs.size(), "sizes", sizes);
      });

      // Without tenants there is no authorizer and no quota store: Kafka's answer for ACLs is SecurityDisabled.
      Observations.emit("describe-acls-without-auth", "error",
          Observations.errorOf(admin.describeAcls(org.apache.kafka.common.acl.AclBindingFilter.ANY).values()));
      Observations.emit("describe-quotas-without-tenants", "error", Observations.errorOf(admin.describeClientQuotas(
          org.apache.kafka.common.quota.ClientQuotaFilter.all()).entities()));

      // Calls whose APIs Samsa does not implement: each must end at once with a clear error, never hang.
      try (Admin quick = Admin.create(Map.of("bootstrap.servers", bootstrap, "default.api.timeout.ms", "15000",
          "request.timeout.ms", "10000"))) {
        Map<String, org.apache.kafka.common.KafkaFuture<?>> calls = new java.util.LinkedHashMap<>();
        calls.put("describeFeatures", quick.describeFeatures().featureMetadata());
        calls.put("describeProducers", quick.describeProducers(List.of(p0)).all());
        calls.put("describeUserScramCredentials", quick.describeUserScramCredentials().all());
        calls.put("listTransactions", quick.listTransactions().all());
        calls.put("describeMetadataQuorum", quick.describeMetadataQuorum().quorumInfo());
        calls.put("listPartitionReassignments", quick.listPartitionReassignments().reassignments());
        calls.put("electLeaders", quick.electLeaders(org.apache.kafka.common.ElectionType.PREFERRED, Set.of(p0)).all());
        calls.put("describeDelegationToken", quick.describeDelegationToken().delegationTokens());
        Map<String, Object> outcomes = new TreeMap<>();
        for (var call : calls.entrySet()) outcomes.put(call.getKey(), Observations.errorOf(call.getValue()));
        Observations.emit("unimplemented-apis", "outcomes", outcomes);
      }

      Observations.step("delete-topics", () -> {
        admin.deleteTopics(List.of(doomed)).all().get();
        Observations.emit("delete-topics", "stillListed", admin.listTopics().names().get().contains(doomed),
            "describeError", Observations.errorOf(admin.describeTopics(List.of(doomed)).allTopicNames()));
      });
    }
  }

  static long offset(Admin admin, TopicPartition tp, OffsetSpec spec) throws Exception {
    return admin.listOffsets(Map.of(tp, spec)).partitionResult(tp).get().offset();
  }

  static void emitGroupOffsets(Admin admin, String group, String check) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
        .partitionsToOffsetAndMetadata().get();
    Map<String, Object> byPartition = new TreeMap<>();
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
      byPartition.put(Integer.toString(e.getKey().partition()),
          Map.of("offset", e.getValue().offset(), "metadata", e.getValue().metadata()));
    }
    Observations.emit(check, "offsets", byPartition);
  }

  static void describeTopic(Admin admin, String topic, String check) throws Exception {
    TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    List<Map<String, Object>> partitions = new ArrayList<>();
    for (TopicPartitionInfo p : d.partitions()) {
      partitions.add(Map.of("partition", p.partition(), "leader", p.leader() == null ? -1 : p.leader().id(),
          "replicas", p.replicas().size(), "isr", p.isr().size()));
    }
    Observations.emit(check, "name", d.name(), "internal", d.isInternal(), "topicId", d.topicId().toString(),
        "partitions", partitions);
  }
}
