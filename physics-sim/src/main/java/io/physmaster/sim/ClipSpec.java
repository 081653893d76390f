package io.physmaster.sim;

/**
 * How a scene is filmed: square frames of {@code size} pixels, {@code frames} frames at {@code fps}.
 * The camera always shows the same 4 m x 4 m window of the world.
 */
public record ClipSpec(int size, int frames, double fps) {

    /** What the video model sees: 32 px, 16 frames, 10 fps (1.5 s). */
    public static final ClipSpec MODEL = new ClipSpec(32, 16, 10);
    /** For people: the same clip at 256 px. */
    public static final ClipSpec VIEW = new ClipSpec(256, 16, 10);

    public ClipSpec {
        if (size < 8 || size > 2048) {
            throw new IllegalArgumentException("clip size must be 8..2048 px, got " + size);
        }
        if (frames < 2 || frames > 600) {
            throw new IllegalArgumentException("clip frames must be 2..600, got " + frames);
        }
        if (!(fps > 0 && fps <= 240)) {
            throw new IllegalArgumentException("clip fps must be in (0, 240], got " + fps);
        }
    }

    public ClipSpec withSize(int s) {
        return new ClipSpec(s, frames, fps);
    }
}
