package io.physmaster.sim;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A scene at time 0: static surfaces and 1..4 dynamic objects in a {@value #WORLD} m square world window.
 * {@link #validate()} refuses impossible scenes with a message that says what is wrong.
 */
public record SceneSpec(String id, List<SurfaceSpec> surfaces, List<ObjectSpec> objects) {

    /** Side of the square world window the camera films, metres. */
    public static final double WORLD = 4.0;
    /** Height of the floor's top surface, metres. */
    public static final double FLOOR_TOP = 0.3;
    public static final int MAX_OBJECTS = 4;

    public SceneSpec {
        surfaces = List.copyOf(surfaces);
        objects = List.copyOf(objects);
    }

    public SceneSpec validate() {
        if (objects.isEmpty() || objects.size() > MAX_OBJECTS) {
            throw new IllegalArgumentException("scene " + id + ": needs 1.." + MAX_OBJECTS + " objects, has "
                    + objects.size());
        }
        Set<String> looks = new HashSet<>();
        for (int i = 0; i < objects.size(); i++) {
            ObjectSpec o = objects.get(i);
            String which = "scene " + id + " object " + (i + 1) + ": ";
            if (!(o.size() >= 0.08 && o.size() <= 0.8)) {
                throw new IllegalArgumentException(which + "size must be 0.08..0.8 m, got " + o.size());
            }
            if (o.shade() < 0 || o.shade() > 2) {
                throw new IllegalArgumentException(which + "shade must be 0..2, got " + o.shade());
            }
            if (o.x() - o.size() < 0 || o.x() + o.size() > WORLD || o.y() + o.size() > WORLD
                    || o.y() - o.size() < FLOOR_TOP - 1e-6) {
                throw new IllegalArgumentException(which + "must start inside the view and above the floor, at ("
                        + o.x() + ", " + o.y() + ") with size " + o.size());
            }
            if (!looks.add(o.material() + "/" + o.shade())) {
                throw new IllegalArgumentException(which + "has the same colour as another object ("
                        + o.material() + " shade " + o.shade() + "); objects must be told apart by colour");
            }
            for (int j = 0; j < i; j++) {
                ObjectSpec p = objects.get(j);
                if (Math.hypot(o.x() - p.x(), o.y() - p.y()) < reach(o) + reach(p)) {
                    throw new IllegalArgumentException(which + "overlaps object " + (j + 1));
                }
            }
        }
        return this;
    }

    /** Bounding radius of an object (circumradius). */
    static double reach(ObjectSpec o) {
        return switch (o.shape()) {
            case CIRCLE -> o.size();
            case BOX -> o.size() * Math.sqrt(2);
            case TRIANGLE -> o.size() * ShapeGeometry.TRIANGLE_R;
            case PENTAGON -> o.size() * ShapeGeometry.PENTAGON_R;
        };
    }

    public int dropCount() {
        return (int) objects.stream().filter(ObjectSpec::dropping).count();
    }
}
