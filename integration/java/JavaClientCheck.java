// The Java client (kafka-clients, whichever version is on the class path)
// against a broker: admin, idempotent produce with every codec, a group
// consumer, and transactions read with read_committed. Run in source-file
// mode by integration/java-client.test.ts:
//   java -cp <kafka-clients and its codec jars> JavaClientCheck.java <bootstrap> <topic>
// Prints one JSON object per line ({"step": ...}); exits non-zero on an error.
import java.time.Duration;
import java.util.*;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class JavaClientCheck {
  static final String[] CODECS = {"none", "gzip", "snappy", "lz4", "zstd"};
  static final int PER_CODEC = 200;

  static void emit(String json) {
    System.out.println(json);
    System.out.flush();
  }

  static String q(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    String txTopic = topic + "-tx";

    Properties common = new Properties();
    common.put("bootstrap.servers", bootstrap);

    // Admin: create two topics, see them described, see the cluster.
    try (AdminClient admin = AdminClient.create(common)) {
      admin.createTopics(Arrays.asList(new NewTopic(topic, 3, (short) 1), new NewTopic(txTopic, 1, (short) 1))).all().get();
      TopicDescription d = admin.describeTopics(Collections.singletonList(topic)).all().get().get(topic);
      DescribeClusterResult cluster = admin.describeCluster();
      emit("{\"step\":\"admin\",\"partitions\":" + d.partitions().size() + ",\"nodes\":" + cluster.nodes().get().size()
          + ",\"controller\":" + cluster.controller().get().id() + ",\"listed\":" + admin.listTopics().names().get().contains(topic) + "}");
    }

    // Idempotent produce, acks=all, one producer per codec; every acknowledgement kept.
    Map<String, String> acked = new HashMap<>(); // "partition:offset" -> value
    for (String codec : CODECS) {
      Properties p = new Properties();
      p.putAll(common);
      p.put("key.serializer", StringSerializer.class.getName());
      p.put("value.serializer", StringSerializer.class.getName());
      p.put("enable.idempotence", "true");
      p.put("acks", "all");
      p.put("compression.type", codec);
      p.put("linger.ms", "5");
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < PER_CODEC; i++) {
          String value = codec + "-" + i;
          values.add(value);
          sent.add(producer.send(new ProducerRecord<>(topic, "key-" + i, value)));
        }
        producer.flush();
        for (int i = 0; i < sent.size(); i++) {
          RecordMetadata m = sent.get(i).get();
          acked.put(m.partition() + ":" + m.offset(), values.get(i));
        }
      }
    }
    emit("{\"step\":\"produce\",\"acked\":" + acked.size() + "}");

    // A group consumer reads everything back and commits.
    Properties c = new Properties();
    c.putAll(common);
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    c.put("group.id", topic + "-group");
    c.put("auto.offset.reset", "earliest");
    c.put("enable.auto.commit", "false");
    int read = 0;
    int mismatched = 0;
    int duplicates = 0;
    Set<String> seen = new HashSet<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      consumer.subscribe(Collections.singletonList(topic));
      long deadline = System.currentTimeMillis() + 60_000;
      while (seen.size() < acked.size() && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          String at = r.partition() + ":" + r.offset();
          read++;
          if (!seen.add(at)) duplicates++;
          if (!r.value().equals(acked.get(at))) mismatched++;
        }
      }
      consumer.commitSync();
      long committed = 0;
      for (int partition = 0; partition < 3; partition++) {
        OffsetAndMetadata o = consumer.committed(new TopicPartition(topic, partition));
        if (o != null) committed += o.offset();
      }
      emit("{\"step\":\"consume\",\"read\":" + read + ",\"distinct\":" + seen.size() + ",\"mismatched\":" + mismatched
          + ",\"duplicates\":" + duplicates + ",\"committed\":" + committed + "}");
    }

    // The admin client on what the run left: configs, groups, offsets, records, partitions, deletion.
    try (AdminClient admin = AdminClient.create(common)) {
      org.apache.kafka.common.config.ConfigResource res = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
      admin.incrementalAlterConfigs(Collections.singletonMap(res, Collections.singletonList(
          new AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET)))).all().get();
      org.apache.kafka.clients.admin.ConfigEntry retention = admin.describeConfigs(Collections.singletonList(res)).all().get().get(res).get("retention.ms");
      String group = topic + "-group";
      boolean listed = false;
      for (ConsumerGroupListing g : admin.listConsumerGroups().all().get()) listed |= g.groupId().equals(group);
      ConsumerGroupDescription described = admin.describeConsumerGroups(Collections.singletonList(group)).all().get().get(group);
      long committedSum = 0;
      for (OffsetAndMetadata o : admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values()) committedSum += o.offset();
      TopicPartition p0 = new TopicPartition(topic, 0);
      // (The 2.4 admin client has no listOffsets: a consumer asks.)
      long before;
      long start;
      try (KafkaConsumer<String, String> offsets = new KafkaConsumer<>(c)) {
        before = offsets.endOffsets(Collections.singletonList(p0)).get(p0);
        admin.deleteRecords(Collections.singletonMap(p0, RecordsToDelete.beforeOffset(before / 2))).all().get();
        start = offsets.beginningOffsets(Collections.singletonList(p0)).get(p0);
      }
      admin.createPartitions(Collections.singletonMap(topic, NewPartitions.increaseTo(4))).all().get();
      int partitions = admin.describeTopics(Collections.singletonList(topic)).all().get().get(topic).partitions().size();
      admin.deleteConsumerGroups(Collections.singletonList(group)).all().get();
      boolean groupGone = true;
      for (ConsumerGroupListing g : admin.listConsumerGroups().all().get()) groupGone &= !g.groupId().equals(group);
      String scratch = topic + "-scratch";
      admin.createTopics(Collections.singletonList(new NewTopic(scratch, 1, (short) 1))).all().get();
      admin.deleteTopics(Collections.singletonList(scratch)).all().get();
      boolean scratchGone = !admin.listTopics().names().get().contains(scratch);
      emit("{\"step\":\"admin2\",\"retention\":" + q(retention.value()) + ",\"retentionSource\":" + q(retention.source().name())
          + ",\"groupListed\":" + listed + ",\"groupState\":" + q(described.state().name()) + ",\"committedSum\":" + committedSum
          + ",\"logStartAfterDelete\":" + start + ",\"deletedBefore\":" + (before / 2) + ",\"partitions\":" + partitions
          + ",\"groupGone\":" + groupGone + ",\"scratchGone\":" + scratchGone + "}");
    }

    // Transactions: one committed, one aborted; read_committed sees only the first.
    Properties t = new Properties();
    t.putAll(common);
    t.put("key.serializer", StringSerializer.class.getName());
    t.put("value.serializer", StringSerializer.class.getName());
    t.put("transactional.id", topic + "-txn");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(t)) {
      producer.initTransactions();
      producer.beginTransaction();
      for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>(txTopic, "committed-" + i));
      producer.commitTransaction();
      producer.beginTransaction();
      for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>(txTopic, "aborted-" + i));
      producer.flush();
      producer.abortTransaction();
    }
    Properties rc = new Properties();
    rc.putAll(common);
    rc.put("key.deserializer", StringDeserializer.class.getName());
    rc.put("value.deserializer", StringDeserializer.class.getName());
    rc.put("isolation.level", "read_committed");
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(rc)) {
      TopicPartition tp = new TopicPartition(txTopic, 0);
      consumer.assign(Collections.singletonList(tp));
      consumer.seekToBeginning(Collections.singletonList(tp));
      long end = consumer.endOffsets(Collections.singletonList(tp)).get(tp);
      long deadline = System.currentTimeMillis() + 30_000;
      while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
      }
      StringBuilder list = new StringBuilder("[");
      for (int i = 0; i < values.size(); i++) list.append(i == 0 ? "" : ",").append(q(values.get(i)));
      emit("{\"step\":\"transactions\",\"end\":" + end + ",\"values\":" + list.append("]") + "}");
    }
  }
}
