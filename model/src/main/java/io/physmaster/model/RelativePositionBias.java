package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;

/**
 * A learned attention bias for spatial attention that depends on the offset between a query patch and a key
 * patch, on the generated frame and on the head (as in Swin / T5, plus the frame index).
 *
 * <pre>
 *   g = size / patch (grid side), R = (2g - 1)^2 offsets (dy, dx)
 *   table [2R, F, H]: rows 0..R-1 for keys in the same frame, R..2R-1 for keys in the first frame
 *   bias[f, h, q, k] = SCALE * table[offset(q, k) (+ R for first-frame keys), f, h]   ->  [F, H, P, 2P]
 * </pre>
 * Why: a falling object seen in the first frame reappears at frame f a fall distance below, and that distance
 * grows with f. With this bias one head of frame f can simply look "n patches up in the first frame", which
 * content-only attention on absolute positions learns slowly. Starts at zero (no effect).
 */
public final class RelativePositionBias extends ModelBlock {

    /**
     * Adam moves every weight by about the learning rate per step; the scale lets the bias reach logits of a
     * few units within a thousand steps.
     */
    static final float SCALE = 10f;

    private final int frames;
    private final int heads;
    private final int grid;
    private final long[] index; // [P * 2P] rows of the table, query-major
    private final Parameter table;

    public RelativePositionBias(int frames, int heads, int grid) {
        this.frames = frames;
        this.heads = heads;
        this.grid = grid;
        int side = 2 * grid - 1;
        int offsets = side * side;
        int p = grid * grid;
        this.index = new long[p * 2 * p];
        for (int q = 0; q < p; q++) {
            for (int k = 0; k < p; k++) {
                int dy = q / grid - k / grid + grid - 1;
                int dx = q % grid - k % grid + grid - 1;
                index[q * 2 * p + k] = (long) dy * side + dx;                  // same frame
                index[q * 2 * p + p + k] = offsets + (long) dy * side + dx;      // first frame
            }
        }
        this.table = addParameter(Parameter.builder().setName("table").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(2L * offsets, frames, heads)).optInitializer(new ConstantInitializer(0f)).build());
    }

    /** [F, H, P, 2P]: bias for keys [this frame's P patches ; the first frame's P patches]. */
    public NDArray bias(ParameterStore ps, ai.djl.ndarray.NDManager m, ai.djl.Device device, boolean training) {
        long p = (long) grid * grid;
        NDArray t = ps.getValue(table, device, training);                           // [2R, F, H]
        NDArray rows = t.get(m.create(index).toDevice(device, false));              // [P * 2P, F, H]
        rows.attach(m); // results follow their first operand's manager: keep them in the caller's scope
        return ScalarOps.times(rows.reshape(p, 2 * p, frames, heads).transpose(2, 3, 0, 1), SCALE); // [F, H, P, 2P]
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        return new NDList(bias(ps, in.head().getManager(), in.head().getDevice(), training));
    }
}
