package io.physmaster.dpo;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code physmaster trainer}: the online DPO trainer, until SIGTERM/Ctrl-C. */
@Command(name = "trainer", mixinStandardHelpOptions = true,
        description = "Consume preference batches, run Flow-DPO on the physical head, gate, publish encoder versions.")
public final class DpoTrainerMain implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        DpoTrainer trainer = new DpoTrainer(DpoTrainerSettings.fromEnv(System.getenv()));
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            trainer.stop();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "trainer-shutdown"));
        System.out.println("DPO trainer running");
        try {
            trainer.run();
        } finally {
            trainer.close();
            done.countDown();
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DpoTrainerMain()).execute(args));
    }
}
