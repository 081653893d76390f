package io.physmaster.sim;

/** Body shapes. {@code size} is the radius for circles and the half-width for the others. */
public enum ShapeKind {
    CIRCLE, BOX, TRIANGLE, PENTAGON
}
