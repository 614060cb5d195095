// The Java client (kafka-clients) through the gateway with SASL/SCRAM: an idempotent acks=all producer writes N
// records, a group consumer reads and commits them. Prints one JSON line: how many were acknowledged and read.
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class GatewayClients {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], user = args[1], secret = args[2], topic = args[3], group = args[4];
    int count = Integer.parseInt(args[5]);
    Properties auth = new Properties();
    auth.put("bootstrap.servers", bootstrap);
    auth.put("security.protocol", "SASL_PLAINTEXT");
    auth.put("sasl.mechanism", "SCRAM-SHA-512");
    auth.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\"" + secret + "\";");
    Properties p = new Properties();
    p.putAll(auth);
    p.put("enable.idempotence", "true");
    p.put("acks", "all");
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    int acked = 0;
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < count; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, "java-" + i)).get();
        acked++;
      }
    }
    Properties c = new Properties();
    c.putAll(auth);
    c.put("group.id", group);
    c.put("auto.offset.reset", "earliest");
    c.put("enable.auto.commit", "false");
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 60_000;
      while (values.size() < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
      }
      consumer.commitSync();
    }
    System.out.println("{\"acked\":" + acked + ",\"read\":" + values.size() + "}");
  }
}
