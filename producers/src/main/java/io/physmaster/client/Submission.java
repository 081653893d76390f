package io.physmaster.client;

/**
 * What to generate: a first frame and sampling settings. Start from {@link #of(byte[])} and adjust with the
 * {@code with...} methods; unset values take the schema defaults.
 */
public record Submission(byte[] image, String prompt, int samples, int frames, int steps, float guidance,
                         long seed, String sceneId, String encoderVersion) {

    public static Submission of(byte[] pngOrJpeg) {
        return new Submission(pngOrJpeg, null, 2, 16, 8, 1.0f, 0L, null, null);
    }

    public Submission withPrompt(String p) {
        return new Submission(image, p, samples, frames, steps, guidance, seed, sceneId, encoderVersion);
    }

    public Submission withSamples(int n) {
        return new Submission(image, prompt, n, frames, steps, guidance, seed, sceneId, encoderVersion);
    }

    public Submission withFrames(int n) {
        return new Submission(image, prompt, samples, n, steps, guidance, seed, sceneId, encoderVersion);
    }

    public Submission withSteps(int n) {
        return new Submission(image, prompt, samples, frames, n, guidance, seed, sceneId, encoderVersion);
    }

    public Submission withGuidance(float g) {
        return new Submission(image, prompt, samples, frames, steps, g, seed, sceneId, encoderVersion);
    }

    public Submission withSeed(long s) {
        return new Submission(image, prompt, samples, frames, steps, guidance, s, sceneId, encoderVersion);
    }

    public Submission withSceneId(String id) {
        return new Submission(image, prompt, samples, frames, steps, guidance, seed, id, encoderVersion);
    }

    public Submission withEncoderVersion(String v) {
        return new Submission(image, prompt, samples, frames, steps, guidance, seed, sceneId, v);
    }
}
