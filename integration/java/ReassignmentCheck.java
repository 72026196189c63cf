// The Java admin client (kafka-clients, whichever version is on the class
// path) moving a partition between brokers of a cluster (KIP-455) and electing
// its preferred leader (KIP-460). Run in source-file mode by
// integration/cluster-java-admin.test.ts:
//   java -cp <kafka-clients and its jars> ReassignmentCheck.java <bootstrap> <topic> <from> <to>
// <from> and <to> are replica lists such as 2,1 and 3,2. Prints one JSON
// object per line ({"step": ...}); exits non-zero on an unexpected error.
import java.util.*;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

public class ReassignmentCheck {
  static void emit(String json) {
    System.out.println(json);
    System.out.flush();
  }

  static List<Integer> ids(String list) {
    List<Integer> out = new ArrayList<>();
    for (String s : list.split(",")) out.add(Integer.parseInt(s.trim()));
    return out;
  }

  static TopicPartitionInfo partition0(AdminClient admin, String topic) throws Exception {
    return admin.describeTopics(Collections.singletonList(topic)).all().get().get(topic).partitions().get(0);
  }

  static List<Integer> nodeIds(List<org.apache.kafka.common.Node> nodes) {
    List<Integer> out = new ArrayList<>();
    for (org.apache.kafka.common.Node n : nodes) out.add(n.id());
    return out;
  }

  /** The simple name of the exception an operation failed with, or "none". */
  static String failure(KafkaFutureCall call) throws Exception {
    try {
      call.run();
      return "none";
    } catch (ExecutionException e) {
      return e.getCause().getClass().getSimpleName();
    }
  }

  interface KafkaFutureCall {
    void run() throws Exception;
  }

  static void waitFor(String what, java.util.concurrent.Callable<Boolean> ok) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (!ok.call()) {
      if (System.currentTimeMillis() > deadline) throw new IllegalStateException("timed out waiting for " + what);
      Thread.sleep(200);
    }
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    List<Integer> from = ids(args[2]);
    List<Integer> to = ids(args[3]);
    TopicPartition tp = new TopicPartition(topic, 0);
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    try (AdminClient admin = AdminClient.create(props)) {
      admin.createTopics(Collections.singletonList(new NewTopic(topic, Collections.singletonMap(0, from)))).all().get();
      waitFor("a full ISR", () -> {
        TopicPartitionInfo p = partition0(admin, topic);
        return p.leader() != null && p.isr().size() == from.size();
      });

      admin.alterPartitionReassignments(Collections.singletonMap(tp, Optional.of(new NewPartitionReassignment(to)))).all().get();
      waitFor("the reassignment to complete", () -> admin.listPartitionReassignments().reassignments().get().isEmpty());
      waitFor("the new replicas in sync", () -> {
        TopicPartitionInfo p = partition0(admin, topic);
        return nodeIds(p.replicas()).equals(to) && p.isr().size() == to.size();
      });
      TopicPartitionInfo moved = partition0(admin, topic);
      emit("{\"step\":\"reassigned\",\"replicas\":" + nodeIds(moved.replicas()) + ",\"leader\":" + moved.leader().id() + "}");

      // The preferred replica is the first of the new list; the leader that stayed may be another.
      Map<TopicPartition, Optional<Throwable>> elected = admin.electLeaders(ElectionType.PREFERRED, Collections.singleton(tp)).partitions().get();
      String first = elected.get(tp).map(t -> t.getClass().getSimpleName()).orElse("none");
      waitFor("the preferred leader", () -> partition0(admin, topic).leader().id() == to.get(0));
      Map<TopicPartition, Optional<Throwable>> again = admin.electLeaders(ElectionType.PREFERRED, Collections.singleton(tp)).partitions().get();
      String second = again.get(tp).map(t -> t.getClass().getSimpleName()).orElse("none");
      emit("{\"step\":\"elected\",\"first\":\"" + first + "\",\"second\":\"" + second + "\",\"leader\":" + partition0(admin, topic).leader().id() + "}");

      String cancel = failure(() -> admin.alterPartitionReassignments(Collections.singletonMap(tp, Optional.empty())).all().get());
      String unknown = failure(() -> admin.alterPartitionReassignments(Collections.singletonMap(tp, Optional.of(new NewPartitionReassignment(Arrays.asList(99))))).all().get());
      emit("{\"step\":\"errors\",\"cancel\":\"" + cancel + "\",\"unknownBroker\":\"" + unknown + "\"}");
    }
  }
}
