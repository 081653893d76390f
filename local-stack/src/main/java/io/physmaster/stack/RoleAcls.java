package io.physmaster.stack;

import io.physmaster.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * One Kafka principal per role and the least each needs (the StandardAuthorizer denies everything else).
 * Writes are the point: only the trainer writes encoder versions, only the Streams app writes preference
 * batches, only workers write videos and progress, only producers (client, annotator) and the judge write
 * preferences. Everyone may read encoder versions (they are signed; reading them grants nothing).
 */
public final class RoleAcls {

    /** The roles, each a SCRAM user of the same name. "producer" is the client CLI and the annotator page. */
    public static final List<String> ROLES = List.of("worker", "streams", "trainer", "judge", "producer");

    private static final String STREAMS_APP = "physmaster-preference-batcher";

    private record Grant(ResourceType type, String name, PatternType pattern, AclOperation op) {
    }

    private static final Map<String, List<Grant>> GRANTS = Map.of(
            "worker", List.of(
                    read(Topics.GENERATION_REQUESTS), read(Topics.ENCODER_VERSIONS),
                    write(Topics.GENERATED_VIDEOS), write(Topics.GENERATION_PROGRESS), write(Topics.DEAD_LETTERS),
                    group("physmaster-workers", AclOperation.READ)),
            "streams", List.of(
                    read(Topics.PREFERENCE_EVENTS), read(Topics.GENERATED_VIDEOS), read(Topics.ENCODER_VERSIONS),
                    write(Topics.PREFERENCE_BATCHES), write(Topics.DEAD_LETTERS),
                    // Its own repartition and changelog topics, group, and exactly-once transactions.
                    new Grant(ResourceType.TOPIC, STREAMS_APP, PatternType.PREFIXED, AclOperation.ALL),
                    group(STREAMS_APP, AclOperation.READ),
                    new Grant(ResourceType.TRANSACTIONAL_ID, STREAMS_APP, PatternType.PREFIXED, AclOperation.WRITE),
                    new Grant(ResourceType.TRANSACTIONAL_ID, STREAMS_APP, PatternType.PREFIXED, AclOperation.DESCRIBE)),
            "trainer", List.of(
                    read(Topics.PREFERENCE_BATCHES), read(Topics.GENERATED_VIDEOS), read(Topics.ENCODER_VERSIONS),
                    write(Topics.ENCODER_VERSIONS), write(Topics.DEAD_LETTERS),
                    group("physmaster-dpo-trainer", AclOperation.READ)),
            "judge", List.of(
                    read(Topics.GENERATED_VIDEOS), read(Topics.ENCODER_VERSIONS),
                    write(Topics.PREFERENCE_EVENTS), write(Topics.DEAD_LETTERS),
                    group("physmaster-judge", AclOperation.READ)),
            "producer", List.of(
                    write(Topics.GENERATION_REQUESTS), write(Topics.PREFERENCE_EVENTS),
                    read(Topics.GENERATED_VIDEOS), read(Topics.GENERATION_PROGRESS), read(Topics.ENCODER_VERSIONS),
                    read(Topics.PREFERENCE_EVENTS), read(Topics.PREFERENCE_BATCHES), read(Topics.DEAD_LETTERS),
                    group("physmaster-client", AclOperation.READ),
                    // The dashboard shows every group's lag.
                    group("physmaster-", AclOperation.DESCRIBE)));

    /** Every ACL of every role. */
    public static List<AclBinding> bindings() {
        List<AclBinding> all = new ArrayList<>();
        for (String role : ROLES) {
            all.addAll(bindings(role));
        }
        return all;
    }

    /** The ACLs of one role's principal, User:{@code role}. */
    public static List<AclBinding> bindings(String role) {
        List<Grant> grants = GRANTS.get(role);
        if (grants == null) {
            throw new IllegalArgumentException("no role '" + role + "'; roles: " + ROLES);
        }
        List<AclBinding> out = new ArrayList<>();
        for (Grant g : grants) {
            List<AclOperation> ops = g.op() == AclOperation.WRITE && g.type() == ResourceType.TOPIC
                    ? List.of(AclOperation.WRITE, AclOperation.DESCRIBE) : List.of(g.op());
            for (AclOperation op : ops) {
                out.add(new AclBinding(new ResourcePattern(g.type(), g.name(), g.pattern()),
                        new AccessControlEntry("User:" + role, "*", op, AclPermissionType.ALLOW)));
            }
        }
        return out;
    }

    /** READ implies DESCRIBE for topics in Kafka's authorizer. */
    private static Grant read(Topics.Topic t) {
        return new Grant(ResourceType.TOPIC, t.name(), PatternType.LITERAL, AclOperation.READ);
    }

    private static Grant write(Topics.Topic t) {
        return new Grant(ResourceType.TOPIC, t.name(), PatternType.LITERAL, AclOperation.WRITE);
    }

    private static Grant group(String prefix, AclOperation op) {
        return new Grant(ResourceType.GROUP, prefix, PatternType.PREFIXED, op);
    }

    private RoleAcls() {
    }
}
