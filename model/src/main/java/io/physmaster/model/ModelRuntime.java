package io.physmaster.model;

import ai.djl.Device;
import ai.djl.engine.Engine;

/**
 * Where models run: the first GPU when DJL finds one, else the CPU with PyTorch threads set to the cores.
 * Every entry point calls {@link #setUp} once, before anything touches the engine: the thread settings only
 * take effect if they are set before PyTorch loads.
 */
public final class ModelRuntime {

    private static boolean ready;

    /** Engine settings (threads, offline natives); idempotent. An explicit -D or environment setting wins. */
    public static synchronized void setUp() {
        if (ready) {
            return;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        if (System.getProperty("ai.djl.pytorch.num_threads") == null && System.getenv("OMP_NUM_THREADS") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(cores));
        }
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        // Offline by default (the CPU natives ship in the jar); GPU images set DJL_OFFLINE=false so DJL may
        // fetch the CUDA natives once.
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline",
                System.getenv().getOrDefault("DJL_OFFLINE", "true")));
        ready = true;
    }

    /** The device models are put on: the first GPU if there is one. */
    public static Device device() {
        setUp();
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    public static String describe() {
        Engine e = Engine.getInstance();
        return e.getEngineName() + " " + e.getVersion() + " on " + device();
    }

    private ModelRuntime() {
    }
}
