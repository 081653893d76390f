package io.physmaster.stack;

import io.physmaster.role.KafkaSecurity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * The secured profile of the embedded broker: clients connect with SCRAM-SHA-512 over TLS (listener CLIENT),
 * the broker talks to itself and its controller over mutual TLS (INTERNAL, CONTROLLER: its certificate is its
 * identity, the only super user), and the StandardAuthorizer enforces {@link RoleAcls}. Everything secret is
 * made at the first start in {@code <data dir>/security} (owner-only): the CA and broker key store
 * ({@link StackCertificates}), one SCRAM password per role, and a Kafka client config per role
 * ({@code <role>.properties}) that a role reads through {@code PHYSMASTER_KAFKA_CONFIG}, and one registry
 * password per role that {@link RegistryFront} checks. A cluster's nodes share the broker key store.
 */
public final class StackSecurity {

    public static final String MECHANISM = "SCRAM-SHA-512";
    private static final int SCRAM_ITERATIONS = 8192;

    private final Path dir;
    private final StackCertificates certs;

    private StackSecurity(Path dir) {
        this.dir = dir;
        this.certs = new StackCertificates(dir);
    }

    /**
     * The CA, broker keys and role passwords in {@code dataDir/security}, made if missing: one for Kafka (SCRAM)
     * and a separate one for the schema registry (HTTP basic auth), so one leaked secret opens only one door.
     */
    static StackSecurity prepare(Path dataDir) throws IOException, InterruptedException {
        StackSecurity s = new StackSecurity(dataDir.resolve("security"));
        s.certs.ensure();
        for (String role : RoleAcls.ROLES) {
            for (Path f : List.of(s.passwordFile(role), s.registryPasswordFile(role))) {
                if (!Files.exists(f)) {
                    StackCertificates.secret(f);
                }
            }
        }
        return s;
    }

    /**
     * Replaces the plaintext listeners of {@code p} (see {@link EmbeddedKafka}) with the secured ones: the
     * client port keeps its number, the internal listener takes {@code internalPort}. Every node of a cluster
     * presents the same broker certificate, so brokers and controllers know each other as the one super user.
     */
    void applyTo(Properties p, int clientPort, int internalPort, int controllerPort) throws IOException {
        p.put("listeners", "CLIENT://127.0.0.1:" + clientPort + ",INTERNAL://127.0.0.1:" + internalPort
                + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "CLIENT://127.0.0.1:" + clientPort + ",INTERNAL://127.0.0.1:" + internalPort);
        p.put("listener.security.protocol.map", "CLIENT:SASL_SSL,INTERNAL:SSL,CONTROLLER:SSL");
        p.put("inter.broker.listener.name", "INTERNAL");
        p.put("listener.name.internal.ssl.client.auth", "required");
        p.put("listener.name.controller.ssl.client.auth", "required");
        p.put("sasl.enabled.mechanisms", MECHANISM);
        p.put("listener.name.client.sasl.enabled.mechanisms", MECHANISM);
        p.put("listener.name.client." + MECHANISM.toLowerCase() + ".sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.putAll(tls());
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + StackCertificates.BROKER_DN);
        p.put("allow.everyone.if.no.acl.found", "false");
    }

    /**
     * Admin client settings for the stack's own provisioning: the internal listener(s) {@code internalBootstrap},
     * the broker's certificate.
     */
    Map<String, Object> adminConfig(String internalBootstrap) throws IOException {
        Map<String, Object> c = new HashMap<>(tls());
        c.put("bootstrap.servers", internalBootstrap);
        c.put("security.protocol", "SSL");
        return c;
    }

    /**
     * Creates each role's ACLs, then its SCRAM user (or resets it to the stored password). ACLs first: a node
     * applies the metadata log in order, so one that knows a role's user already enforces its ACLs.
     */
    void provision(Admin admin) throws IOException, ExecutionException, InterruptedException {
        admin.createAcls(RoleAcls.bindings()).all().get();
        List<UserScramCredentialAlteration> users = new ArrayList<>();
        for (String role : RoleAcls.ROLES) {
            users.add(new UserScramCredentialUpsertion(role,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS), password(role)));
        }
        admin.alterUserScramCredentials(users).all().get();
    }

    /**
     * Waits until every node at {@code clientAddresses} authenticates the last role's SCRAM user: a cluster's
     * nodes apply the new users (and, before them, the ACLs) a moment apart, and a client refused by a node
     * that has not caught up gets a non-retriable authentication error.
     */
    void awaitLogins(List<String> clientAddresses, Duration timeout) throws IOException, InterruptedException {
        String role = RoleAcls.ROLES.get(RoleAcls.ROLES.size() - 1);
        Instant deadline = Instant.now().plus(timeout);
        for (String address : clientAddresses) {
            Properties p = clientProperties(role);
            p.put("bootstrap.servers", address); // only this node: the first metadata call authenticates there
            p.put("request.timeout.ms", 5000);
            p.put("default.api.timeout.ms", 8000);
            while (true) {
                try (Admin admin = Admin.create(p)) {
                    admin.describeCluster().nodes().get();
                    break;
                } catch (ExecutionException e) {
                    if (Instant.now().isAfter(deadline)) {
                        throw new IOException("node " + address + " did not accept role '" + role + "' within "
                                + timeout + ": " + e.getCause(), e.getCause());
                    }
                    Thread.sleep(300);
                }
            }
        }
    }

    /**
     * Writes {@code <role>.properties}: a Kafka client config for {@code bootstrap} with the role's credentials
     * and the CA, plus the registry's URL and the role's registry credentials under Confluent's key names
     * (owner-only; it holds the passwords). Returns the file.
     *
     * @param registryUrl the registry's Confluent-API URL, or null when the stack runs none
     */
    Path writeClientConfig(String role, String bootstrap, String registryUrl) throws IOException {
        Properties p = clientProperties(role);
        if (registryUrl != null) {
            p.put("schema.registry.url", registryUrl);
            p.put("basic.auth.credentials.source", "USER_INFO");
            p.put("basic.auth.user.info", registryUserInfo(role));
        }
        StringBuilder sb = new StringBuilder("# Kafka client config of role '" + role + "' for the secured local stack "
                + bootstrap + ";\n# use it with PHYSMASTER_KAFKA_CONFIG=<this file>. Written on each start.\n");
        for (String k : p.stringPropertyNames().stream().sorted().toList()) {
            sb.append(k).append('=').append(p.getProperty(k).replace("\\", "\\\\")).append('\n');
        }
        Path f = dir.resolve(role + ".properties");
        StackCertificates.writeOwnerOnly(f, sb.toString());
        return f;
    }

    /** A role's client security settings (without bootstrap servers). */
    public Properties clientProperties(String role) throws IOException {
        Properties p = new Properties();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", MECHANISM);
        p.put("sasl.jaas.config", KafkaSecurity.jaas(role, password(role)));
        p.put("ssl.truststore.type", "PEM");
        p.put("ssl.truststore.location", certs.caPem().toAbsolutePath().toString());
        return p;
    }

    /** The client config file of a role (after the stack has started). */
    public Path clientConfigFile(String role) {
        return dir.resolve(role + ".properties");
    }

    /** The CA certificate clients trust. */
    public Path caCertificate() {
        return certs.caPem();
    }

    private Map<String, Object> tls() throws IOException {
        String pass = certs.brokerKeystorePassword();
        return Map.of("ssl.keystore.type", "PKCS12",
                "ssl.keystore.location", certs.brokerKeystore().toAbsolutePath().toString(),
                "ssl.keystore.password", pass, "ssl.key.password", pass,
                "ssl.truststore.type", "PEM", "ssl.truststore.location", certs.caPem().toAbsolutePath().toString());
    }

    private Path passwordFile(String role) {
        return dir.resolve(role + ".password");
    }

    private Path registryPasswordFile(String role) {
        return dir.resolve(role + ".registry-password");
    }

    /** A role's registry credentials as Confluent's {@code basic.auth.user.info}: {@code role:password}. */
    public String registryUserInfo(String role) throws IOException {
        return role + ":" + Files.readString(registryPasswordFile(role)).strip();
    }

    /** Every role's registry password, for {@link RegistryFront}. */
    Map<String, String> registryUsers() throws IOException {
        Map<String, String> users = new HashMap<>();
        for (String role : RoleAcls.ROLES) {
            users.put(role, Files.readString(registryPasswordFile(role)).strip());
        }
        return users;
    }

    private String password(String role) throws IOException {
        return Files.readString(passwordFile(role)).strip();
    }
}
