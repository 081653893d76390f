package io.physmaster.topics;

import java.util.Map;

/**
 * How many copies of each topic partition the cluster keeps, and how many must have a write before it is
 * acknowledged (producers use acks=all, so a write accepted with {@code minInsyncReplicas} = 2 survives the loss
 * of any one broker). One broker: 1 and 1; a cluster of three or more: 3 and 2.
 *
 * @param factor            replicas of each partition (PHYSMASTER_REPLICATION_FACTOR)
 * @param minInsyncReplicas replicas that must have a write before acks=all returns (PHYSMASTER_MIN_INSYNC_REPLICAS)
 */
public record Replication(short factor, int minInsyncReplicas) {

    public static final String ENV_FACTOR = "PHYSMASTER_REPLICATION_FACTOR";
    public static final String ENV_MIN_INSYNC = "PHYSMASTER_MIN_INSYNC_REPLICAS";

    public Replication {
        if (factor < 1) {
            throw new IllegalArgumentException("replication factor must be at least 1, got " + factor);
        }
        if (minInsyncReplicas < 1 || minInsyncReplicas > factor) {
            throw new IllegalArgumentException("min.insync.replicas must be between 1 and the replication factor ("
                    + factor + "), got " + minInsyncReplicas);
        }
    }

    /** The default for a cluster of {@code brokers}: 1/1 for one broker, 2/1 for two, 3/2 from three on. */
    public static Replication forBrokers(int brokers) {
        if (brokers < 1) {
            throw new IllegalArgumentException("a cluster has at least one broker, got " + brokers);
        }
        short factor = (short) Math.min(3, brokers);
        return new Replication(factor, factor >= 3 ? 2 : 1);
    }

    /**
     * From the environment where set, otherwise the default for {@code brokers}; a min.insync.replicas that is not
     * set follows the factor (2 from a factor of 3 on, else 1).
     */
    public static Replication fromEnv(Map<String, String> env, int brokers) {
        Replication d = forBrokers(brokers);
        String f = env.get(ENV_FACTOR);
        String m = env.get(ENV_MIN_INSYNC);
        short factor = f == null || f.isBlank() ? d.factor() : (short) parse(ENV_FACTOR, f);
        int min = m == null || m.isBlank() ? (factor >= 3 ? 2 : 1) : parse(ENV_MIN_INSYNC, m);
        return new Replication(factor, min);
    }

    /** The topic-level config that goes with every topic we create. */
    public Map<String, String> topicConfigs() {
        return Map.of("min.insync.replicas", Integer.toString(minInsyncReplicas));
    }

    private static int parse(String name, String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n > Short.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + value + "'");
        }
    }

    @Override
    public String toString() {
        return "replication factor " + factor + ", min.insync.replicas " + minInsyncReplicas;
    }
}
