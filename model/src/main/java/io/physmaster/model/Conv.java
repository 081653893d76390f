package io.physmaster.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

/** A 2D convolution with fixed channel counts: [B, in, H, W] -> [B, out, H/stride, W/stride]. */
public final class Conv extends ModelBlock {

    private final int stride;
    private final int kernel;
    private final Parameter weight;
    private final Parameter bias;

    public Conv(int in, int out, int kernel, int stride) {
        this.stride = stride;
        this.kernel = kernel;
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(out, in, kernel, kernel))
                .optInitializer(new NormalInitializer((float) Math.sqrt(2.0 / (in * kernel * kernel)))).build());
        this.bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
                .optShape(new Shape(out)).build());
    }

    public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        return Conv2d.conv2d(x, ps.getValue(weight, x.getDevice(), training), ps.getValue(bias, x.getDevice(), training),
                new Shape(stride, stride), new Shape(kernel / 2, kernel / 2)).singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, in.singletonOrThrow(), training));
    }
}
