import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Java Admin client against a broker with tenants, over SASL SCRAM-SHA-512: two tenant admins (acme, globex)
 * create topics, groups and ACLs under the same names and each sees only its own; a tenant's idempotent producer and
 * consumer work on its topic; the platform superuser sets and
 * reads a tenant quota, which a tenant admin may not.
 * Usage: TenantCheck <bootstrap> <acme-key> <acme-secret> <globex-key> <globex-secret> <superuser> <superuser-password>
 */
public class TenantCheck {
  static String bootstrap;

  public static void main(String[] args) throws Exception {
    bootstrap = args[0];
    try (Admin acme = Admin.create(sasl(args[1], args[2]));
        Admin globex = Admin.create(sasl(args[3], args[4]));
        Admin superuser = Admin.create(sasl(args[5], args[6]))) {
      Observations.step("create-topics", () -> {
        acme.createTopics(List.of(new NewTopic("orders", 2, (short) 1), new NewTopic("acme-only", 1, (short) 1)))
            .all().get();
        globex.createTopics(List.of(new NewTopic("orders", 1, (short) 1), new NewTopic("globex-only", 1, (short) 1)))
            .all().get();
        Observations.emit("create-topics", "ok", true);
      });
      Observations.step("commit", () -> {
        commit(args[1], args[2], "billing", 2);
        commit(args[3], args[4], "shipping", 0);
        Observations.emit("commit", "ok", true);
      });

      Observations.step("produce-consume", () -> {
        Properties p = sasl(args[1], args[2]);
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
          for (int i = 0; i < 3; i++) producer.send(new ProducerRecord<>("orders", 1, "k" + i, "order-" + i)).get();
        }
        Properties c = sasl(args[1], args[2]);
        c.put("key.deserializer", StringDeserializer.class.getName());
        c.put("value.deserializer", StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
          TopicPartition tp = new TopicPartition("orders", 1);
          consumer.assign(List.of(tp));
          consumer.seekToBeginning(List.of(tp));
          long deadline = System.currentTimeMillis() + 30_000;
          while (values.size() < 3 && System.currentTimeMillis() < deadline) {
            for (var r : consumer.poll(Duration.ofMillis(200))) values.add(r.value());
          }
        }
        Observations.emit("produce-consume", "values", values);
        // The same records through a KIP-848 group, inside the tenant.
        c.put("group.id", "kip848");
        c.put("group.protocol", "consumer");
        c.put("auto.offset.reset", "earliest");
        List<String> viaGroup = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
          consumer.subscribe(List.of("orders"));
          long deadline = System.currentTimeMillis() + 30_000;
          while (viaGroup.size() < 3 && System.currentTimeMillis() < deadline) {
            for (var r : consumer.poll(Duration.ofMillis(200))) viaGroup.add(r.value());
          }
          consumer.commitSync();
        }
        Observations.emit("kip848-in-tenant", "values", viaGroup);
      });
      Observations.step("create-acls", () -> {
        acme.createAcls(List.of(
            acl("User:reader", ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.READ),
            acl("User:reader", ResourceType.TOPIC, "ord", PatternType.PREFIXED, AclOperation.DESCRIBE),
            acl("User:reader", ResourceType.GROUP, "billing", PatternType.LITERAL, AclOperation.READ))).all().get();
        globex.createAcls(List.of(
            acl("User:packer", ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.WRITE))).all().get();
        Observations.emit("create-acls", "ok", true);
      });
      Observations.step("describe-acls", () -> {
        Observations.emit("describe-acls", "tenant", "acme", "acls", acls(acme));
        Observations.emit("describe-acls", "tenant", "globex", "acls", acls(globex));
      });
      Observations.step("delete-acls", () -> {
        AclBindingFilter groupAcls = new AclBindingFilter(
            new ResourcePatternFilter(ResourceType.GROUP, "billing", PatternType.ANY), AccessControlEntryFilter.ANY);
        Collection<AclBinding> deleted = acme.deleteAcls(List.of(groupAcls)).all().get();
        Observations.emit("delete-acls", "deleted", deleted.size(), "after", acls(acme));
      });

      for (Map.Entry<String, Admin> e : Map.of("acme", acme, "globex", globex, "superuser", superuser).entrySet()) {
        Observations.step("visible", () -> {
          TreeSet<String> groups = new TreeSet<>();
          for (GroupListing g : e.getValue().listGroups().all().get()) groups.add(g.groupId());
          Observations.emit("visible", "who", e.getKey(), "topics",
              Observations.list(new TreeSet<>(e.getValue().listTopics().names().get())), "groups",
              Observations.list(groups));
        });
      }
      Observations.step("describe-topics", () -> {
        var d = acme.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
        Observations.emit("describe-topics", "partitions", d.partitions().size(), "leaders",
            d.partitions().stream().map(p -> p.leader() == null ? -1 : p.leader().id()).toList());
      });
      Observations.emit("other-tenant-topic", "error",
          Observations.errorOf(globex.describeTopics(List.of("acme-only")).allTopicNames()));
      Observations.step("other-tenant-group", () -> {
        ConsumerGroupDescription d = globex.describeConsumerGroups(List.of("billing")).all().get().get("billing");
        Map<TopicPartition, OffsetAndMetadata> offsets = globex.listConsumerGroupOffsets("billing")
            .partitionsToOffsetAndMetadata().get();
        Observations.emit("other-tenant-group", "state", d.groupState().toString(), "offsets", offsets.size());
      });
      Observations.step("own-group-offsets", () -> {
        Map<TopicPartition, OffsetAndMetadata> offsets = acme.listConsumerGroupOffsets("billing")
            .partitionsToOffsetAndMetadata().get();
        Map<String, Object> m = new TreeMap<>();
        for (var o : offsets.entrySet()) m.put(o.getKey().toString(), o.getValue().offset());
        Observations.emit("own-group-offsets", "offsets", m);
      });

      ClientQuotaEntity acmeEntity = new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, "acme"));
      ClientQuotaFilter acmeFilter = ClientQuotaFilter.containsOnly(
          List.of(ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "acme")));
      Observations.emit("tenant-describe-quotas", "error",
          Observations.errorOf(acme.describeClientQuotas(acmeFilter).entities()));
      Observations.emit("tenant-alter-quotas", "error", Observations.errorOf(acme.alterClientQuotas(List.of(
          new ClientQuotaAlteration(acmeEntity, List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 1.0)))))
          .all()));
      Observations.step("quotas", () -> {
        superuser.alterClientQuotas(List.of(new ClientQuotaAlteration(acmeEntity, List.of(
            new ClientQuotaAlteration.Op("producer_byte_rate", 1048576.0),
            new ClientQuotaAlteration.Op("samsa.max_topics", 50.0))))).all().get();
        Map<ClientQuotaEntity, Map<String, Double>> got = superuser.describeClientQuotas(acmeFilter).entities().get();
        Map<String, Object> values = new TreeMap<>();
        Map<String, Double> forAcme = got.get(acmeEntity);
        if (forAcme != null) values.putAll(forAcme);
        Observations.emit("quotas", "entities", got.size(), "values", values);
      });
    }
  }

  static AclBinding acl(String principal, ResourceType type, String name, PatternType pattern, AclOperation op) {
    return new AclBinding(new ResourcePattern(type, name, pattern),
        new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
  }

  static List<String> acls(Admin admin) throws Exception {
    List<String> out = new ArrayList<>();
    for (AclBinding b : admin.describeAcls(AclBindingFilter.ANY).values().get()) {
      out.add(b.entry().principal() + " " + b.entry().permissionType() + " " + b.entry().operation() + " "
          + b.pattern().resourceType() + ":" + b.pattern().patternType() + ":" + b.pattern().name());
    }
    out.sort(null);
    return out;
  }

  static void commit(String user, String password, String group, long offset) {
    Properties c = sasl(user, password);
    c.put("group.id", group);
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      TopicPartition tp = new TopicPartition("orders", 0);
      consumer.assign(List.of(tp));
      consumer.commitSync(Map.of(tp, new OffsetAndMetadata(offset)));
    }
  }

  static Properties sasl(String user, String password) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("security.protocol", "SASL_PLAINTEXT");
    p.put("sasl.mechanism", "SCRAM-SHA-512");
    p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + user + "\" password=\"" + password + "\";");
    return p;
  }
}
