import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The transactional-produce row of `pnpm bench`: Kafka's Java producer sends records as fast as it can and commits
 * its transaction every <commit-interval-ms> (begin, send until the interval is over, commitTransaction, which flushes
 * what is still buffered and ends the transaction). A warm-up of <warmup-ms> is not counted.
 * Usage: TxnProduceBench <bootstrap> <topic> <transactional-id> <warmup-ms> <duration-ms> <commit-interval-ms>
 *        <record-bytes> [buffer-memory-bytes, default 2 MiB]
 * Prints one JSON line: records committed (and in the warm-up), seconds measured, each commitTransaction's duration
 * in ms.
 */
public class TxnProduceBench {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    String transactionalId = args[2];
    long warmupMs = Long.parseLong(args[3]);
    long durationMs = Long.parseLong(args[4]);
    long intervalNs = Long.parseLong(args[5]) * 1_000_000L;
    int recordBytes = Integer.parseInt(args[6]);

    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("transactional.id", transactionalId);
    p.put("transaction.timeout.ms", "60000");
    p.put("batch.size", "65536");
    p.put("linger.ms", "5");
    // A bounded buffer (send() blocks when it is full), so a commit flushes at most this much before EndTxn.
    p.put("buffer.memory", args.length > 7 ? args[7] : "2097152");
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    byte[] value = new byte[recordBytes];
    new Random(42).nextBytes(value);

    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      producer.initTransactions();
      long warmupRecords = runFor(producer, topic, value, warmupMs, intervalNs, null);
      List<Double> commitMs = new ArrayList<>();
      long start = System.nanoTime();
      long records = runFor(producer, topic, value, durationMs, intervalNs, commitMs);
      double seconds = (System.nanoTime() - start) / 1e9;
      StringBuilder commits = new StringBuilder();
      for (double ms : commitMs) commits.append(commits.length() == 0 ? "" : ",").append(String.format("%.3f", ms));
      System.out.println("{\"records\":" + records + ",\"warmupRecords\":" + warmupRecords + ",\"seconds\":"
          + seconds + ",\"commitMs\":[" + commits + "]}");
    }
  }

  /** Transactions of `intervalNs` each until `durationMs` is over; returns the records committed. */
  static long runFor(KafkaProducer<byte[], byte[]> producer, String topic, byte[] value, long durationMs,
      long intervalNs, List<Double> commitMs) {
    long end = System.nanoTime() + durationMs * 1_000_000L;
    long records = 0;
    while (System.nanoTime() < end) {
      long txnStart = System.nanoTime();
      producer.beginTransaction();
      long sent = 0;
      while (System.nanoTime() - txnStart < intervalNs) {
        producer.send(new ProducerRecord<>(topic, value));
        sent++;
      }
      long commitStart = System.nanoTime();
      producer.commitTransaction();
      if (commitMs != null) commitMs.add((System.nanoTime() - commitStart) / 1e6);
      records += sent;
    }
    return records;
  }
}
