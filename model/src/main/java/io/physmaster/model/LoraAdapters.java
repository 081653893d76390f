package io.physmaster.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The LoRA adapters of every linear layer in the DiT's blocks, as one unit that is trained (Stage II), saved in its
 * own checkpoint (kind "lora", a few KB) and merged into the weights:
 * <pre>
 *   W x  ->  W x + (alpha / r) B A x      A [in, r] ~ N(0, 0.01), B [r, out] = 0   (a fresh adapter changes nothing)
 *   merge:   W += (alpha / r) A B, then B = 0
 * </pre>
 */
public final class LoraAdapters extends ModelBlock {

    private final List<Linear> layers;
    private final int rank;

    /** Adds rank-r adapters to every block linear of the model's DiT and initializes them. */
    public static LoraAdapters attach(PhysMasterModel net, int rank, float alpha, NDManager manager) {
        List<Linear> layers = net.dit().blockLinears();
        for (Linear l : layers) {
            l.addLora(rank, alpha);
            l.initializeLora(manager);
        }
        return new LoraAdapters(layers, rank);
    }

    private LoraAdapters(List<Linear> layers, int rank) {
        this.layers = layers;
        this.rank = rank;
    }

    /** A and B of every adapted layer, in layer order: what Stage II trains. */
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        for (Linear l : layers) {
            out.add(l.loraA());
            out.add(l.loraB());
        }
        return out;
    }

    public int rank() {
        return rank;
    }

    /** Folds every adapter into its layer's weight (the adapters then contribute nothing). */
    public void merge() {
        layers.forEach(Linear::mergeLora);
    }

    @Override
    public void saveParameters(DataOutputStream os) throws IOException {
        os.writeInt(layers.size());
        os.writeInt(rank);
        for (Parameter p : parameters()) {
            p.save(os);
        }
    }

    @Override
    public void loadParameters(NDManager manager, DataInputStream is) throws IOException, MalformedModelException {
        int n = is.readInt();
        int r = is.readInt();
        if (n != layers.size() || r != rank) {
            throw new MalformedModelException("adapters for " + n + " layers of rank " + r + ", the model has "
                    + layers.size() + " of rank " + rank);
        }
        for (Parameter p : parameters()) {
            p.load(manager, is);
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("adapters act inside their Linear layers");
    }
}
