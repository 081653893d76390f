package io.physmaster.sim;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Draws scenes deterministically from (split, index).
 *
 * <p>Train and seen-test share one distribution. Unseen-test differs in two documented ways: every dropping
 * object is a shape-material combination that never occurs in train (e.g. an ICE circle, a RUBBER box), and
 * it drops from a height band above the training band.
 */
public final class SceneGenerator {

    /** Shape-material combinations allowed in train and seen-test; the rest are unseen-only. */
    static final Map<ShapeKind, Set<Material>> TRAIN_COMBOS = new EnumMap<>(Map.of(
            ShapeKind.CIRCLE, EnumSet.of(Material.RUBBER, Material.WOOD, Material.METAL),
            ShapeKind.BOX, EnumSet.of(Material.WOOD, Material.METAL, Material.ICE),
            ShapeKind.TRIANGLE, EnumSet.of(Material.RUBBER, Material.METAL),
            ShapeKind.PENTAGON, EnumSet.of(Material.WOOD, Material.ICE)));

    /** Gap between a dropping object's bottom and the floor top, metres. */
    public static final double TRAIN_DROP_MIN = 1.0;
    public static final double TRAIN_DROP_MAX = 2.4;
    public static final double UNSEEN_DROP_MIN = 2.4;
    public static final double UNSEEN_DROP_MAX = 3.0;

    public static SceneSpec generate(Split split, long index) {
        if (index < 0) {
            throw new IllegalArgumentException("scene index must be >= 0, got " + index);
        }
        // Splits use disjoint seed streams, so seen-test never repeats a training scene.
        Random rnd = new Random(0x5EED_0000L * (split.ordinal() + 1) + index * 0x9E3779B97F4A7C15L);
        for (int attempt = 0; ; attempt++) {
            SceneSpec s = tryGenerate(split, index, rnd);
            if (s != null) {
                return s.validate();
            }
            if (attempt > 200) {
                throw new IllegalStateException("could not place objects for scene " + split + ":" + index);
            }
        }
    }

    private static SceneSpec tryGenerate(Split split, long index, Random rnd) {
        List<SurfaceSpec> surfaces = new ArrayList<>();
        surfaces.add(SurfaceSpec.box("floor", -2, -1, SceneSpec.WORLD + 2, SceneSpec.FLOOR_TOP));
        double layout = rnd.nextDouble();
        SurfaceSpec ledge = null;
        if (layout < 0.25) {
            double w = 1.0 + rnd.nextDouble() * 0.6;
            double top = 0.9 + rnd.nextDouble() * 0.6;
            boolean left = rnd.nextBoolean();
            double x0 = left ? 0 : SceneSpec.WORLD - w;
            ledge = SurfaceSpec.box("ledge", x0, top - 0.15, x0 + w, top);
            surfaces.add(ledge);
        } else if (layout < 0.45) {
            double w = 1.2 + rnd.nextDouble() * 0.8;
            double h = 0.5 + rnd.nextDouble() * 0.5;
            boolean left = rnd.nextBoolean();
            double x0 = left ? 0 : SceneSpec.WORLD - w;
            double f = SceneSpec.FLOOR_TOP;
            surfaces.add(left
                    ? new SurfaceSpec("ramp", new double[] {x0, x0 + w, x0}, new double[] {f, f, f + h})
                    : new SurfaceSpec("ramp", new double[] {x0, x0 + w, x0 + w}, new double[] {f, f, f + h}));
        }

        int drops = rnd.nextDouble() < 0.7 ? 1 : 2;
        int resting = rnd.nextInt(Math.min(3, SceneSpec.MAX_OBJECTS - drops + 1));
        List<ObjectSpec> objects = new ArrayList<>();
        Set<String> looks = new java.util.HashSet<>();

        for (int i = 0; i < resting; i++) {
            ShapeKind shape = rnd.nextBoolean() ? ShapeKind.CIRCLE : ShapeKind.BOX;
            Material m = pick(rnd, TRAIN_COMBOS.get(shape));
            double size = 0.28 + rnd.nextDouble() * 0.17;
            boolean onLedge = ledge != null && rnd.nextDouble() < 0.4;
            double x;
            double base;
            if (onLedge) {
                x = ledge.xs()[0] + size + rnd.nextDouble() * Math.max(0.01, ledge.xs()[1] - ledge.xs()[0] - 2 * size);
                base = ledge.top();
            } else {
                x = size + 0.05 + rnd.nextDouble() * (SceneSpec.WORLD - 2 * size - 0.1);
                base = SceneSpec.FLOOR_TOP;
                if (onSlope(surfaces, x, size)) {
                    return null;
                }
            }
            ObjectSpec o = new ObjectSpec(shape, size, m, shade(rnd, m, looks), x, base + size + 0.002, 0, false);
            if (o.shade() < 0 || overlaps(o, objects)) {
                return null;
            }
            objects.add(o);
        }
        for (int i = 0; i < drops; i++) {
            ShapeKind shape = ShapeKind.values()[rnd.nextInt(ShapeKind.values().length)];
            Set<Material> allowed = split == Split.UNSEEN_TEST
                    ? EnumSet.complementOf(EnumSet.copyOf(TRAIN_COMBOS.get(shape))) : TRAIN_COMBOS.get(shape);
            Material m = pick(rnd, allowed);
            double size = 0.28 + rnd.nextDouble() * 0.17;
            double lo = split == Split.UNSEEN_TEST ? UNSEEN_DROP_MIN : TRAIN_DROP_MIN;
            double hi = split == Split.UNSEEN_TEST ? UNSEEN_DROP_MAX : TRAIN_DROP_MAX;
            double reach = SceneSpec.reach(new ObjectSpec(shape, size, m, 0, 0, 0, 0, true));
            double y = SceneSpec.FLOOR_TOP + lo + rnd.nextDouble() * (hi - lo) + reach;
            y = Math.min(y, SceneSpec.WORLD - reach - 0.02);
            double x;
            if (!objects.isEmpty() && rnd.nextDouble() < 0.5) { // aim roughly at a resting object: collisions
                ObjectSpec target = objects.get(rnd.nextInt(objects.size()));
                x = target.x() + (rnd.nextDouble() - 0.5) * 0.6;
            } else {
                x = 0.3 + rnd.nextDouble() * (SceneSpec.WORLD - 0.6);
            }
            x = Math.max(reach + 0.02, Math.min(SceneSpec.WORLD - reach - 0.02, x));
            double angle = shape == ShapeKind.CIRCLE ? 0 : (rnd.nextDouble() - 0.5) * 0.8;
            ObjectSpec o = new ObjectSpec(shape, size, m, shade(rnd, m, looks), x, y, angle, true);
            if (o.shade() < 0 || overlaps(o, objects)) {
                return null;
            }
            objects.add(o);
        }
        return new SceneSpec(split.shortName() + ":" + index, surfaces, objects);
    }

    private static boolean onSlope(List<SurfaceSpec> surfaces, double x, double size) {
        for (SurfaceSpec s : surfaces) {
            if (!s.kind().equals("floor")) {
                double min = Double.MAX_VALUE;
                double max = -Double.MAX_VALUE;
                for (double sx : s.xs()) {
                    min = Math.min(min, sx);
                    max = Math.max(max, sx);
                }
                if (x + size > min - 0.05 && x - size < max + 0.05) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean overlaps(ObjectSpec o, List<ObjectSpec> others) {
        for (ObjectSpec p : others) {
            if (Math.hypot(o.x() - p.x(), o.y() - p.y()) < SceneSpec.reach(o) + SceneSpec.reach(p) + 0.05) {
                return true;
            }
        }
        return false;
    }

    private static int shade(Random rnd, Material m, Set<String> looks) {
        int start = rnd.nextInt(3);
        for (int k = 0; k < 3; k++) {
            int s = (start + k) % 3;
            if (looks.add(m + "/" + s)) {
                return s;
            }
        }
        return -1;
    }

    private static Material pick(Random rnd, Set<Material> from) {
        List<Material> list = new ArrayList<>(from);
        return list.get(rnd.nextInt(list.size()));
    }

    private SceneGenerator() {
    }
}
