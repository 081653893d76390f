package io.physmaster.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds models and loads them from checkpoints whose header says which architecture they are. */
public final class Models {

    public static PhysMasterModel create(ModelConfig cfg, NDManager manager) {
        PhysMasterModel net = new PhysMasterModel(cfg);
        net.setInitializer(new ConstantInitializer(0f), Parameter.Type.BIAS);
        net.initialize(manager, DataType.FLOAT32, new Shape(1));
        return net;
    }

    /** A whole model from a "model" checkpoint, its architecture taken from the checkpoint. */
    public static PhysMasterModel load(Path file, NDManager manager) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("No checkpoint at " + file + "; see README for the command that trains it");
        }
        byte[] data = Files.readAllBytes(file);
        Checkpoint.Header h = Checkpoint.readHeader(data);
        PhysMasterModel net = create(h.config(), manager);
        Checkpoint.load(data, file.toString(), "model", h.config(), net, manager);
        return net;
    }

    /**
     * A plain model (no LoRA parameters) with the weights of {@code from}, whose adapters must be merged: what
     * a merged Stage II model is saved as, so that workers load it like any other.
     */
    public static PhysMasterModel plainCopy(PhysMasterModel from, NDManager manager) {
        PhysMasterModel to = create(from.config(), manager);
        var source = from.getParameters();
        for (var p : to.getParameters()) {
            Parameter s = source.get(p.getKey());
            if (s == null) {
                throw new IllegalStateException("no parameter " + p.getKey() + " in the source model");
            }
            s.getArray().copyTo(p.getValue().getArray());
        }
        return to;
    }

    private Models() {
    }
}
