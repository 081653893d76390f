package io.physmaster.stack;

import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.topics.Replication;
import io.physmaster.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates every topic in {@link Topics#ALL} with its partitions, configs and the {@link Replication} asked for
 * (existing topics are left alone), and sets their schema compatibility.
 */
public final class TopicProvisioner {

    /** The compatibility every subject of ours gets: a new reader schema must read all earlier data. */
    public static final String COMPATIBILITY = "BACKWARD";

    /** With the replication factor given and min.insync.replicas its default (2 from a factor of 3 on, else 1). */
    public static List<String> ensureTopics(String bootstrapServers, short replicationFactor)
            throws ExecutionException, InterruptedException {
        return ensureTopics(bootstrapServers, new Replication(replicationFactor, replicationFactor >= 3 ? 2 : 1));
    }

    /** Returns the names it created (empty when all existed). */
    public static List<String> ensureTopics(String bootstrapServers, Replication replication)
            throws ExecutionException, InterruptedException {
        return ensureTopics(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), replication);
    }

    /** The same with a full admin client config (e.g. a secured cluster's). */
    public static List<String> ensureTopics(Map<String, Object> adminConfig, short replicationFactor)
            throws ExecutionException, InterruptedException {
        return ensureTopics(adminConfig, new Replication(replicationFactor, replicationFactor >= 3 ? 2 : 1));
    }

    /** The same with a full admin client config and the replication asked for. */
    public static List<String> ensureTopics(Map<String, Object> adminConfig, Replication replication)
            throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(adminConfig)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (Topics.Topic t : Topics.ALL) {
                if (!existing.contains(t.name())) {
                    Map<String, String> configs = new HashMap<>(t.configs());
                    configs.putAll(replication.topicConfigs());
                    missing.add(new NewTopic(t.name(), Optional.of(t.partitions()), Optional.of(replication.factor()))
                            .configs(configs));
                }
            }
            List<String> created = new ArrayList<>();
            for (var e : admin.createTopics(missing).values().entrySet()) {
                try {
                    e.getValue().get();
                    created.add(e.getKey());
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw ex; // a racing creator is fine, anything else is not
                    }
                }
            }
            awaitTopics(admin, Topics.ALL.stream().map(Topics.Topic::name).toList(), Duration.ofSeconds(120));
            return created;
        }
    }

    /**
     * Waits until every topic is described with a leader for each partition. A topic just created on a cluster
     * reaches the other brokers' metadata a moment later (seconds on a loaded machine), and a client asking one
     * of them meanwhile is told the topic does not exist; a stack is ready only once that cannot happen.
     */
    public static Map<String, TopicDescription> awaitTopics(Admin admin, List<String> names, Duration timeout)
            throws ExecutionException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String missing;
            try {
                Map<String, TopicDescription> found = admin.describeTopics(names).allTopicNames().get();
                missing = found.values().stream()
                        .filter(d -> d.partitions().stream().anyMatch(p -> p.leader() == null))
                        .map(TopicDescription::name).findFirst().orElse(null);
                if (missing == null) {
                    return found;
                }
                missing += " (a partition without a leader)";
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException)) {
                    throw e;
                }
                missing = e.getCause().getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics not ready after " + timeout + ": " + missing);
            }
            Thread.sleep(200);
        }
    }

    /** The number of brokers the cluster has now, for the default replication of {@link Replication#forBrokers}. */
    public static int brokers(String bootstrapServers) throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            return admin.describeCluster().nodes().get().size();
        }
    }

    /**
     * Sets {@link #COMPATIBILITY} globally and on every topic's value subject ({@code <topic>-value}; keys are
     * UTF-8 strings, not Avro, so there are no key subjects). The global level alone is enforced, but a
     * registry's {@code GET /config/<subject>} answers only the subject's own level (NONE with Apicurio), so
     * tools and people asking per subject would be told nothing is enforced. Idempotent; returns the subjects.
     */
    public static List<String> ensureCompatibility(SchemaRegistryClient registry) {
        registry.setCompatibility(null, COMPATIBILITY);
        List<String> subjects = new ArrayList<>();
        for (Topics.Topic t : Topics.ALL) {
            String subject = t.name() + "-value";
            registry.setCompatibility(subject, COMPATIBILITY);
            subjects.add(subject);
        }
        return subjects;
    }

    private TopicProvisioner() {
    }
}
