package io.physmaster.faults;

import io.physmaster.blob.LocalBlobStore;
import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.GeneratedVideo;
import io.physmaster.schemas.GenerationProgress;
import io.physmaster.schemas.PreferenceBatch;
import io.physmaster.serde.SchemaRegistryClient;
import io.physmaster.stack.LocalStack;
import io.physmaster.stack.LocalStackConfig;
import io.physmaster.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The suite's one stack, shared by its test classes (JUnit extension, started once per test JVM): a broker and
 * registry it can kill and restart, a blob store, a tiny model, two workers and the Streams app as child JVMs, the
 * trainer when a scenario asks for it, and followers of the topics the checks read.
 */
final class FaultStack implements BeforeAllCallback {

    static final String STREAMS_APP = "physmaster-preference-batcher";
    static final String WORKER_GROUP = "physmaster-workers";
    static final String TRAINER_GROUP = "physmaster-dpo-trainer";

    private static volatile Fixture shared;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(FaultStack.class, k -> start(), Fixture.class);
    }

    static Fixture get() {
        if (shared == null) {
            throw new IllegalStateException("annotate the test class with @ExtendWith(FaultStack.class)");
        }
        return shared;
    }

    private static Fixture start() {
        try {
            shared = new Fixture(Path.of("target", "fault-suite").toAbsolutePath());
            return shared;
        } catch (Exception e) {
            throw new IllegalStateException("the fault suite's stack failed to start: " + e.getMessage(), e);
        }
    }

    /** Everything the scenarios share. */
    /**
     * What every role of a suite gets: where the stack, blobs and model are, the stack's trainer key (the trainer
     * signs versions with it; workers verify with its public half), free metrics ports (a fixed default may be
     * taken on a shared machine), one passive OpenMP thread, and glibc's malloc defaults as ./physmaster gives
     * sampling roles (a test adds the trainer's tunables itself).
     */
    static Map<String, String> roleEnv(LocalStack stack, Path blobs, Path model, String id) {
        Map<String, String> e = new HashMap<>();
        e.put("PHYSMASTER_BOOTSTRAP_SERVERS", stack.bootstrapServers());
        e.put("PHYSMASTER_SCHEMA_REGISTRY_URL", stack.schemaRegistryUrl());
        e.put("PHYSMASTER_BLOB_STORE", blobs.toString());
        e.put("PHYSMASTER_MODEL", model.toString());
        e.put("PHYSMASTER_TRAINER_KEY", stack.trainerKeyFile().toString());
        e.put("PHYSMASTER_WORKER_ID", id);
        e.put("PHYSMASTER_METRICS_PORT", "-1");
        e.put("PHYSMASTER_STREAMS_METRICS_PORT", "0");
        e.put("PHYSMASTER_TRAINER_METRICS_PORT", "0");
        e.put("OMP_WAIT_POLICY", "PASSIVE");
        e.put("OMP_NUM_THREADS", "1");
        e.put("GLIBC_TUNABLES", null);
        return e;
    }

    static final class Fixture implements ExtensionContext.Store.CloseableResource {
        final Path dir;
        final Path blobs;
        final Path outside;
        final Path logs;
        final Path model;
        final Path outsideHead;
        final LocalBlobStore store;
        final LocalStack stack;
        final Broker broker;
        final SchemaRegistryClient registry;
        final Records records;
        final Tail<GeneratedVideo> videos;
        final Tail<DeadLetter> deadLetters;
        final Tail<PreferenceBatch> batches;
        final Tail<GenerationProgress> progress;
        final Groups groups;
        final Figures figures;
        final RoleProcess workerA;
        final RoleProcess workerB;
        final RoleProcess streams;
        private RoleProcess trainer;
        private final List<AutoCloseable> closeables = new ArrayList<>();

        Fixture(Path dir) throws Exception {
            this.dir = dir;
            deleteTree(dir);
            // The broker goes down on purpose: the test's own clients' connection warnings would flood the console.
            ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.kafka"))
                    .setLevel(ch.qos.logback.classic.Level.ERROR);
            blobs = Files.createDirectories(dir.resolve("blobs"));
            outside = Files.createDirectories(dir.resolve("outside"));
            logs = Files.createDirectories(dir.resolve("logs"));
            model = dir.resolve("model/tiny.pmck");
            outsideHead = outside.resolve("head.pmck");
            figures = new Figures(dir.resolve("faults.md"));
            store = new LocalBlobStore(blobs);
            stack = LocalStack.start(new LocalStackConfig(dir.resolve("stack"), 0, 0, true, Duration.ofSeconds(120)));
            closeables.add(stack);
            broker = new Broker(stack, logs);
            closeables.add(broker);
            TinyModel.write(model, outsideHead);
            registry = stack.connection(blobs).registry();
            records = add(new Records(stack.bootstrapServers(), registry));
            workerA = add(RoleProcess.start("worker-a", 512, "io.physmaster.worker.WorkerMain", List.of(),
                    env("worker-a"), logs));
            workerB = add(RoleProcess.start("worker-b", 512, "io.physmaster.worker.WorkerMain", List.of(),
                    env("worker-b"), logs));
            streams = add(RoleProcess.start("streams", 384, "io.physmaster.streams.PreferenceStreamsApp",
                    List.of("--state-dir", dir.resolve("streams-state").toString()), env("streams"), logs));
            videos = add(new Tail<>(stack.bootstrapServers(), registry, Topics.GENERATED_VIDEOS.name(),
                    GeneratedVideo.class));
            deadLetters = add(new Tail<>(stack.bootstrapServers(), registry, Topics.DEAD_LETTERS.name(),
                    DeadLetter.class));
            batches = add(new Tail<>(stack.bootstrapServers(), registry, Topics.PREFERENCE_BATCHES.name(),
                    PreferenceBatch.class));
            progress = add(new Tail<>(stack.bootstrapServers(), registry, Topics.GENERATION_PROGRESS.name(),
                    GenerationProgress.class));
            groups = add(new Groups(stack.bootstrapServers()));
            groups.awaitMembers(WORKER_GROUP, 2, Duration.ofSeconds(120), workerA, workerB);
            groups.awaitMembers(STREAMS_APP, 1, Duration.ofSeconds(120), streams);
        }

        /** The environment every role gets: where the stack is, and settings sized for a fast suite. */
        Map<String, String> env(String id) {
            Map<String, String> e = roleEnv(stack, blobs, model, id);
            e.put("PHYSMASTER_WORKER_MAX_BATCH", "4");
            e.put("PHYSMASTER_BATCH_WINDOW", "PT10S");
            e.put("PHYSMASTER_BATCH_GRACE", "PT2S");
            e.put("PHYSMASTER_BATCH_VIDEO_WAIT", "PT30S");
            e.put("PHYSMASTER_GATE_SCENES", "2");
            e.put("PHYSMASTER_DPO_LORA_RANK", "0");
            e.put("PHYSMASTER_DPO_CONSOLIDATE_STEPS", "0");
            e.put("PHYSMASTER_DPO_REFERENCE_VIDEOS", "0");
            return e;
        }

        /** The trainer, started on first use (it is the only role reading preference batches). */
        synchronized RoleProcess trainer() throws Exception {
            if (trainer == null) {
                Map<String, String> env = env("trainer");
                env.put("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2");
                trainer = add(RoleProcess.start("trainer", 768, "io.physmaster.trainer.DpoTrainerMain", List.of(),
                        env, logs));
                groups.awaitMembers(TRAINER_GROUP, 1, Duration.ofSeconds(120), trainer);
            }
            return trainer;
        }

        /** Every role started so far, for liveness checks. */
        synchronized List<RoleProcess> roles() {
            List<RoleProcess> all = new ArrayList<>(List.of(workerA, workerB, streams));
            if (trainer != null) {
                all.add(trainer);
            }
            return all;
        }

        private <T extends AutoCloseable> T add(T c) {
            closeables.add(c);
            return c;
        }

        /** Roles first (SIGKILL: their data is thrown away), then the followers, the broker and the registry. */
        @Override
        public void close() {
            for (RoleProcess r : roles()) {
                try {
                    r.kill();
                } catch (Exception e) {
                    // already gone
                }
            }
            closeInReverse(closeables, "faults");
            registry.close();
            shared = null;
        }

        private static void deleteTree(Path p) throws java.io.IOException {
            if (!Files.exists(p)) {
                return;
            }
            try (Stream<Path> files = Files.walk(p)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Closes in the reverse order of opening, each on its own: one failure does not keep the rest open. */
    static void closeInReverse(List<AutoCloseable> closeables, String tag) {
        List<AutoCloseable> reversed = new ArrayList<>(closeables);
        java.util.Collections.reverse(reversed);
        for (AutoCloseable c : reversed) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("[" + tag + "] closing " + c + ": " + e);
            }
        }
    }
}
