package io.physmaster.stack;

import io.physmaster.role.KafkaSecurity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * ({@code <role>.properties}) that a role reads through {@code PHYSMASTER_KAFKA_CONFIG}.
 */
public final class StackSecurity {

    public static final String MECHANISM = "SCRAM-SHA-512";
    private static final int SCRAM_ITERATIONS = 8192;

    private final Path dir;
    private final StackCertificates certs;
    private int internalPort;

    private StackSecurity(Path dir) {
        this.dir = dir;
        this.certs = new StackCertificates(dir);
    }

    /** The CA, broker keys and role passwords in {@code dataDir/security}, made if missing. */
    static StackSecurity prepare(Path dataDir) throws IOException, InterruptedException {
        StackSecurity s = new StackSecurity(dataDir.resolve("security"));
        s.certs.ensure();
        for (String role : RoleAcls.ROLES) {
            if (!Files.exists(s.passwordFile(role))) {
                StackCertificates.secret(s.passwordFile(role));
            }
        }
        return s;
    }

    /**
     * Replaces the plaintext listeners of {@code p} (see {@link EmbeddedKafka}) with the secured ones: the
     * client port keeps its number, the internal listener gets a free port.
     */
    void applyTo(Properties p, int clientPort, int controllerPort) throws IOException {
        internalPort = Ports.free();
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

    /** Admin client settings for the stack's own provisioning: the internal listener, the broker's certificate. */
    Map<String, Object> adminConfig() throws IOException {
        Map<String, Object> c = new HashMap<>(tls());
        c.put("bootstrap.servers", "127.0.0.1:" + internalPort);
        c.put("security.protocol", "SSL");
        return c;
    }

    /** Creates (or resets to the stored password) each role's SCRAM user and its ACLs. */
    void provision(Admin admin) throws IOException, ExecutionException, InterruptedException {
        List<UserScramCredentialAlteration> users = new ArrayList<>();
        for (String role : RoleAcls.ROLES) {
            users.add(new UserScramCredentialUpsertion(role,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS), password(role)));
        }
        admin.alterUserScramCredentials(users).all().get();
        admin.createAcls(RoleAcls.bindings()).all().get();
    }

    /**
     * Writes {@code <role>.properties}: a Kafka client config for {@code bootstrap} with the role's credentials
     * and the CA (owner-only; it holds the password). Returns the file.
     */
    Path writeClientConfig(String role, String bootstrap) throws IOException {
        Properties p = clientProperties(role);
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

    private String password(String role) throws IOException {
        return Files.readString(passwordFile(role)).strip();
    }
}
