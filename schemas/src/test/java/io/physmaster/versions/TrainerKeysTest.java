package io.physmaster.versions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two trainers started at once (a standby beside the active one) end up with one key between them. */
class TrainerKeysTest {

    @TempDir
    Path dir;

    @Test
    void trainersCreatingTheKeyAtOnceShareOneKey() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 20; round++) {
                Path key = dir.resolve("round" + round).resolve("trainer.key");
                CyclicBarrier start = new CyclicBarrier(4);
                List<Future<TrainerKeys.Loaded>> racing = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    racing.add(pool.submit(() -> {
                        start.await();
                        return TrainerKeys.loadOrCreate(key);
                    }));
                }
                byte[] first = racing.get(0).get().pair().getPublic().getEncoded();
                for (Future<TrainerKeys.Loaded> f : racing) {
                    assertArrayEquals(first, f.get().pair().getPublic().getEncoded(), "round " + round);
                }
                try (var files = Files.list(key.getParent())) {
                    assertEquals(List.of("trainer.key", "trainer.key.pub"), files.map(p -> p.getFileName().toString())
                            .sorted().toList(), "no temporary file is left");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
