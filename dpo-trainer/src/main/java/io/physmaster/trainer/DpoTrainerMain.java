package io.physmaster.trainer;

import io.physmaster.model.ModelRuntime;
import io.physmaster.role.ConnectionOptions;
import io.physmaster.role.Roles;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code physmaster trainer}: the online DPO trainer, until SIGTERM/Ctrl-C. */
@Command(name = "trainer", mixinStandardHelpOptions = true,
        description = "Consume preference batches, run Flow-DPO on the physical head, gate, publish encoder versions."
                + " Training knobs come from PHYSMASTER_DPO_* variables (see the README).")
public final class DpoTrainerMain implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
        ModelRuntime.setUp();
        DpoTrainer trainer = new DpoTrainer(DpoTrainerSettings.fromEnv(System.getenv()).with(connection.settings()));
        System.out.println("DPO trainer running");
        Roles.runUntilShutdown(trainer, "trainer");
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DpoTrainerMain()).execute(args));
    }
}
