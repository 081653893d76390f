package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * The PhysEncoder's frozen feature extractor: first frame [B, 3, H, W] in [-1, 1] to a feature map
 * [B, C, H/4, W/4]. The paper uses a DINOv2 initialised from a depth model; ours is {@link ConvBackbone},
 * pretrained on the simulator's dense labels. A bigger backbone (e.g. a TorchScript export loaded as a DJL
 * Block) plugs in by implementing this interface with the same output layout.
 */
public interface Backbone extends Block {

    NDArray features(ParameterStore ps, NDArray frame, boolean training);

    /** C, channels of the feature map. */
    int width();
}
