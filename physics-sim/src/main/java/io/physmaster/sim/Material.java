package io.physmaster.sim;

import java.awt.Color;

/**
 * Materials: how bodies bounce, slide and weigh, and how they look. The hue tells the material, so the first
 * frame shows how an object will move; shades within a hue tell objects of one material apart.
 */
public enum Material {
    //       restitution friction density   hue (RGB)
    RUBBER(0.80, 0.90, 1.1, new Color(220, 40, 40)),
    WOOD(0.35, 0.60, 0.7, new Color(220, 150, 40)),
    METAL(0.10, 0.30, 4.0, new Color(60, 110, 230)),
    ICE(0.05, 0.02, 0.9, new Color(60, 220, 200));

    public final double restitution;
    public final double friction;
    public final double density;
    public final Color color;

    Material(double restitution, double friction, double density, Color color) {
        this.restitution = restitution;
        this.friction = friction;
        this.density = density;
        this.color = color;
    }

    /** Class id in the dense material map: 1..M (0 = background and static surfaces). */
    public int classId() {
        return ordinal() + 1;
    }

    /** Shade {@code k} (0, 1, 2) of this material's hue: distinct colours for objects of one material. */
    public Color shade(int k) {
        double f = switch (k % 3) {
            case 0 -> 1.0;
            case 1 -> 0.62;
            default -> 1.3;
        };
        return new Color(clamp(color.getRed() * f), clamp(color.getGreen() * f), clamp(color.getBlue() * f));
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
