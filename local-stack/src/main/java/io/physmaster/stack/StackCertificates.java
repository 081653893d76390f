package io.physmaster.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed CA and the broker's key and certificate (signed by it, valid for 127.0.0.1 and localhost),
 * made with the JDK's keytool the first time a secured stack starts in a data directory. Nothing is committed:
 * every data directory gets its own CA. Passwords reach keytool through its environment ({@code -storepass:env}),
 * never its command line; key stores and password files are owner-only.
 */
final class StackCertificates {

    static final String BROKER_DN = "CN=physmaster-broker";
    private static final String PASS_ENV = "PHYSMASTER_KEYTOOL_PASS";

    final Path dir;

    StackCertificates(Path dir) {
        this.dir = dir;
    }

    Path caPem() {
        return dir.resolve("ca.pem");
    }

    Path brokerKeystore() {
        return dir.resolve("broker.p12");
    }

    String brokerKeystorePassword() throws IOException {
        return Files.readString(dir.resolve("broker.password")).strip();
    }

    /** Creates the CA and broker key store unless a previous start did. */
    void ensure() throws IOException, InterruptedException {
        if (Files.exists(brokerKeystore()) && Files.exists(caPem())) {
            return;
        }
        Files.createDirectories(dir);
        ownerOnly(dir, "rwx------");
        String caPass = secret(dir.resolve("ca.password"));
        String brokerPass = secret(dir.resolve("broker.password"));
        Path ca = dir.resolve("ca.p12");
        Path csr = dir.resolve("broker.csr");
        Path cert = dir.resolve("broker.pem");
        for (Path p : List.of(ca, brokerKeystore(), csr, cert)) {
            Files.deleteIfExists(p); // a half-finished earlier attempt
        }
        keytool(caPass, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=PhysMaster local stack CA", "-ext", "bc:c", "-validity", "825",
                "-keystore", ca.toString(), "-storetype", "PKCS12");
        keytool(caPass, "-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-file", caPem().toString());
        keytool(brokerPass, "-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", BROKER_DN, "-validity", "825", "-keystore", brokerKeystore().toString(),
                "-storetype", "PKCS12");
        keytool(brokerPass, "-certreq", "-alias", "broker", "-keystore", brokerKeystore().toString(),
                "-file", csr.toString());
        keytool(caPass, "-gencert", "-alias", "ca", "-keystore", ca.toString(), "-infile", csr.toString(),
                "-outfile", cert.toString(), "-rfc", "-validity", "825", "-ext", "SAN=IP:127.0.0.1,DNS:localhost",
                "-ext", "KU=digitalSignature", "-ext", "EKU=serverAuth,clientAuth");
        keytool(brokerPass, "-importcert", "-noprompt", "-alias", "ca", "-file", caPem().toString(),
                "-keystore", brokerKeystore().toString());
        keytool(brokerPass, "-importcert", "-noprompt", "-alias", "broker", "-file", cert.toString(),
                "-keystore", brokerKeystore().toString());
        ownerOnly(ca, "rw-------");
        ownerOnly(brokerKeystore(), "rw-------");
        Files.delete(csr);
    }

    /** A new random secret in an owner-only file. */
    static String secret(Path file) throws IOException {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        String s = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        writeOwnerOnly(file, s + "\n");
        return s;
    }

    /** Writes {@code text} to a file created owner-only (never readable by others, not even briefly). */
    static void writeOwnerOnly(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, text);
    }

    private static void ownerOnly(Path p, String perms) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    }

    private void keytool(String password, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass:env", PASS_ENV));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put(PASS_ENV, password);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(Duration.ofSeconds(60).toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException("keytool " + args[0] + " did not finish within 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool " + args[0] + " failed (exit " + p.exitValue() + "): " + out.strip());
        }
    }
}
