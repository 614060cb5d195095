import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.cloud.stream.schema.registry.SchemaRegistrationResponse;
import org.springframework.cloud.stream.schema.registry.client.ConfluentSchemaRegistryClient;
import org.springframework.http.client.support.BasicAuthenticationInterceptor;
import org.springframework.web.client.RestTemplate;

/**
 * Registers an Avro schema with Spring Cloud Stream's ConfluentSchemaRegistryClient, writes a record in Confluent's
 * wire format (magic byte 0, the 4-byte schema id, Avro binary) with the Kafka Java client, reads it back, fetches
 * the schema by the id in the record and decodes it. Args: BOOTSTRAP KEY_ID SECRET REGISTRY_URL TOPIC SCHEMA (the
 * key for both SASL/PLAIN and the registry's basic auth). Prints one JSON line per step.
 */
public class AvroRoundTrip {
  static final ObjectMapper JSON = new ObjectMapper();

  static void print(Map<String, Object> line) throws Exception {
    System.out.println(JSON.writeValueAsString(line));
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], keyId = args[1], secret = args[2], topic = args[4];
    RestTemplate rest = new RestTemplate();
    rest.getInterceptors().add(new BasicAuthenticationInterceptor(keyId, secret));
    ConfluentSchemaRegistryClient registry = new ConfluentSchemaRegistryClient(rest);
    registry.setEndpoint(args[3]);

    SchemaRegistrationResponse registered = registry.register(topic + "-value", "avro", args[5]);
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("step", "registered");
    line.put("id", registered.getId());
    line.put("version", registered.getSchemaReference().getVersion());
    print(line);

    Schema schema = new Schema.Parser().parse(args[5]);
    GenericRecord order = new GenericData.Record(schema);
    order.put("id", "o-1");
    order.put("cents", 1250L);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(registered.getId()).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(order, encoder);
    encoder.flush();

    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("security.protocol", "SASL_PLAINTEXT");
    props.put("sasl.mechanism", "PLAIN");
    props.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + keyId + "\" password=\"" + secret + "\";");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, out.toByteArray())).get();
    }

    TopicPartition partition = new TopicPartition(topic, 0);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long deadline = System.currentTimeMillis() + 30_000;
      while (System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          ByteBuffer value = ByteBuffer.wrap(record.value());
          byte magic = value.get();
          int id = value.getInt();
          Schema writer = new Schema.Parser().parse(registry.fetch(id));
          GenericRecord decoded = new GenericDatumReader<GenericRecord>(writer)
              .read(null, DecoderFactory.get().binaryDecoder(record.value(), 5, record.value().length - 5, null));
          Map<String, Object> got = new LinkedHashMap<>();
          got.put("step", "decoded");
          got.put("magic", magic);
          got.put("id", id);
          got.put("value", JSON.readTree(GenericData.get().toString(decoded)));
          print(got);
          return;
        }
      }
      throw new IllegalStateException("no record read from " + topic + " in 30 s");
    }
  }
}
