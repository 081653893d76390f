package io.physmaster.sim;

/** The proxy task in two calls: a scene from (split, index), and its simulated, rendered clip. */
public final class ProxyTask {

    /** Deterministic from (split, index). */
    public static SceneSpec scene(Split split, long index) {
        return SceneGenerator.generate(split, index);
    }

    /** Simulates and renders; deterministic for a scene and clip spec. */
    public static RenderedClip render(SceneSpec scene, ClipSpec clip) {
        scene.validate();
        return Renderer.render(scene, Simulator.simulate(scene, clip), clip);
    }

    /** Parses a scene id "split:index" (e.g. "seen:12") back into its scene. */
    public static SceneSpec sceneById(String id) {
        int colon = id == null ? -1 : id.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("scene id must look like split:index (e.g. seen:12), got " + id);
        }
        return scene(Split.parse(id.substring(0, colon)), Long.parseLong(id.substring(colon + 1)));
    }

    private ProxyTask() {
    }
}
