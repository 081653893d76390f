package io.physmaster.stack;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository root: system property physmaster.root (set by the build), else found upwards from cwd. */
public final class RepoRoot {

    public static Path find() {
        String prop = System.getProperty("physmaster.root");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        String env = System.getenv("PHYSMASTER_HOME");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("schema-registry")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        return Path.of("").toAbsolutePath();
    }

    private RepoRoot() {
    }
}
