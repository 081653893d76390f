package io.physmaster.sim;

/**
 * One dynamic body at time 0, in world metres (x right, y up; the floor's top is at {@link SceneSpec#FLOOR_TOP}).
 *
 * @param shape    body shape
 * @param size     radius (circle) or half-width (others), metres
 * @param material what it is made of
 * @param shade    which shade of the material's hue it is drawn in (0..2)
 * @param x        centre x
 * @param y        centre y
 * @param angle    rotation, radians
 * @param dropping true if it starts at rest in mid-air (the object the metrics focus on)
 */
public record ObjectSpec(ShapeKind shape, double size, Material material, int shade, double x, double y,
                         double angle, boolean dropping) {
}
