package io.physmaster.sim;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.List;

/**
 * Java2D renderer. RGB frames are anti-aliased (what a camera sees); masks are drawn from the same shapes
 * without anti-aliasing (a pixel belongs to the object whose outline contains its centre), so they are exact.
 */
public final class Renderer {

    public static final Color BACKGROUND = new Color(24, 26, 38);
    public static final Color SURFACE = new Color(170, 170, 165);
    /** Samples per pixel side for anti-aliasing. */
    static final int SS = 4;
    private static final int SURFACE_LABEL = 255;

    public static RenderedClip render(SceneSpec scene, Trajectory traj, ClipSpec clip) {
        int s = clip.size();
        int n = traj.objects();
        int plane = s * s;
        float[] video = new float[clip.frames() * 3 * plane];
        byte[] masks = new byte[clip.frames() * plane];
        Color[] colors = new Color[n];
        boolean[] dropping = new boolean[n];
        for (int i = 0; i < n; i++) {
            ObjectSpec o = scene.objects().get(i);
            colors[i] = o.material().shade(o.shade());
            dropping[i] = o.dropping();
        }
        double scale = s / SceneSpec.WORLD;
        // world (x right, y up, metres) -> pixels (x right, y down)
        AffineTransform toPixels = new AffineTransform(scale, 0, 0, -scale, 0, s);

        // Anti-aliasing by supersampling: draw labels (0 background, 1..N objects, SURFACE_LABEL) without
        // anti-aliasing at SS x SS samples per pixel; a pixel's colour is the mean of its samples' colours
        // (exact area coverage) and its mask is the label most of its samples carry. So the exact masks and
        // the anti-aliased colours agree: a pixel belongs to an object when the object covers most of it.
        int big = s * SS;
        BufferedImage labels = new BufferedImage(big, big, BufferedImage.TYPE_INT_RGB);
        AffineTransform toSamples = new AffineTransform(toPixels);
        toSamples.preConcatenate(AffineTransform.getScaleInstance(SS, SS));
        float[][] labelRgb = new float[256][];
        labelRgb[0] = BACKGROUND.getRGBColorComponents(null);
        labelRgb[SURFACE_LABEL] = SURFACE.getRGBColorComponents(null);
        for (int i = 0; i < n; i++) {
            labelRgb[i + 1] = colors[i].getRGBColorComponents(null);
        }
        byte[] surfaceMap = new byte[plane];
        int[] counts = new int[256];
        for (int t = 0; t < clip.frames(); t++) {
            Graphics2D g = labels.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(new Color(0));
            g.fillRect(0, 0, big, big);
            g.setColor(new Color(SURFACE_LABEL));
            for (SurfaceSpec surf : scene.surfaces()) {
                g.fill(toSamples.createTransformedShape(polygon(surf.xs(), surf.ys())));
            }
            for (int i = 0; i < n; i++) {
                g.setColor(new Color(i + 1));
                g.fill(toSamples.createTransformedShape(outline(scene.objects().get(i), traj, t, i)));
            }
            g.dispose();
            int[] samples = ((DataBufferInt) labels.getRaster().getDataBuffer()).getData();
            int base = t * 3 * plane;
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    java.util.Arrays.fill(counts, 0);
                    float r = 0;
                    float gr = 0;
                    float b = 0;
                    for (int dy = 0; dy < SS; dy++) {
                        int row = (y * SS + dy) * big + x * SS;
                        for (int dx = 0; dx < SS; dx++) {
                            int label = samples[row + dx] & 0xff;
                            counts[label]++;
                            float[] c = labelRgb[label];
                            r += c[0];
                            gr += c[1];
                            b += c[2];
                        }
                    }
                    int p = y * s + x;
                    float k = SS * SS;
                    video[base + p] = r / k;
                    video[base + plane + p] = gr / k;
                    video[base + 2 * plane + p] = b / k;
                    int best = 0;
                    for (int label = 1; label < 256; label++) {
                        if (counts[label] > counts[best]) {
                            best = label;
                        }
                    }
                    masks[t * plane + p] = (byte) (best == SURFACE_LABEL ? 0 : best);
                    if (t == 0 && best == SURFACE_LABEL) {
                        surfaceMap[p] = 1;
                    }
                }
            }
        }

        byte[] materialMap = new byte[plane];
        float[] heightMap = new float[plane];
        for (int p = 0; p < plane; p++) {
            int id = masks[p];
            double yWorld = (s - (p / s) - 0.5) / scale;
            if (id > 0) {
                materialMap[p] = (byte) scene.objects().get(id - 1).material().classId();
            }
            if (id > 0 || surfaceMap[p] != 0) {
                heightMap[p] = (float) Math.max(0, (yWorld - SceneSpec.FLOOR_TOP) / SceneSpec.WORLD);
            }
        }
        return new RenderedClip(scene, clip.frames(), s, s, video, masks, dropping, colors, materialMap, heightMap,
                surfaceMap, traj);
    }

    static Shape outline(ObjectSpec o, Trajectory traj, int t, int i) {
        AffineTransform pose = new AffineTransform();
        pose.translate(traj.x(t, i), traj.y(t, i));
        pose.rotate(traj.angle(t, i));
        double[][] p = ShapeGeometry.polygon(o.shape(), o.size());
        Shape local = p == null
                ? new Ellipse2D.Double(-o.size(), -o.size(), 2 * o.size(), 2 * o.size())
                : polygon(p[0], p[1]);
        return pose.createTransformedShape(local);
    }

    static Path2D polygon(double[] xs, double[] ys) {
        Path2D.Double path = new Path2D.Double();
        path.moveTo(xs[0], ys[0]);
        for (int i = 1; i < xs.length; i++) {
            path.lineTo(xs[i], ys[i]);
        }
        path.closePath();
        return path;
    }

    /** Frame t of a [T][3][H][W] video as an image. */
    public static BufferedImage toImage(float[] video, int t, int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        int base = t * 3 * plane;
        for (int p = 0; p < plane; p++) {
            int r = to8(video[base + p]);
            int g = to8(video[base + plane + p]);
            int b = to8(video[base + 2 * plane + p]);
            img.setRGB(p % w, p / w, (r << 16) | (g << 8) | b);
        }
        return img;
    }

    /**
     * Colours that are not objects: the background, the surfaces, and their blends (anti-aliased surface
     * edges), so a segmenter does not mistake a grey edge for an object.
     */
    public static Color[] nonObjectColors() {
        Color[] out = new Color[5];
        for (int k = 0; k <= 4; k++) {
            double a = k / 4.0;
            out[k] = new Color((int) Math.round(BACKGROUND.getRed() * (1 - a) + SURFACE.getRed() * a),
                    (int) Math.round(BACKGROUND.getGreen() * (1 - a) + SURFACE.getGreen() * a),
                    (int) Math.round(BACKGROUND.getBlue() * (1 - a) + SURFACE.getBlue() * a));
        }
        return out;
    }

    static int to8(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255f)));
    }

    private Renderer() {
    }

    static List<Color> palette(RenderedClip c) {
        return List.of(c.colors());
    }
}
