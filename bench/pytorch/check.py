"""Numerical agreement of the PyTorch re-implementation with the Java sampler.

usage: check.py MODEL.pmck EXPORT_DIR   (EXPORT_DIR from ./physmaster bench-sampling --export DIR)
Compares one velocity (same x_t, t, first frame) and the Euler samples from the same noise; prints the
largest absolute differences as JSON and exits 1 when a tolerance is exceeded.
"""
import json
import os
import sys

import numpy as np
import torch

import dit

VELOCITY_TOL = 1e-5
SAMPLE_TOL = 1e-4


def f32(directory, name, shape):
    return torch.from_numpy(np.fromfile(os.path.join(directory, name), dtype="<f4").reshape(shape).copy())


def compare(model_path, directory):
    meta = json.load(open(os.path.join(directory, "meta.json")))
    _, net = dit.load(model_path)
    b, t_frames, s = meta["batch"], meta["frames"], meta["size"]
    first01 = f32(directory, "first.f32", (b, 3, s, s))
    noise = f32(directory, "noise.f32", (b, t_frames - 1, 3, s, s))
    with torch.inference_mode():
        first = first01 * 2 - 1
        v = net.dit(noise, torch.full((b,), meta["velocity_t"]), first, net.physical(first))
    v_java = f32(directory, "velocity.f32", v.shape)
    samples = net.sample(first01, noise, meta["steps"])
    s_java = f32(directory, "samples.f32", samples.shape)
    return {
        "batch": b, "steps": meta["steps"],
        "velocity_max_abs_diff": float((v - v_java).abs().max()),
        "velocity_max_abs": float(v_java.abs().max()),
        "samples_max_abs_diff": float((samples - s_java).abs().max()),
        "velocity_tolerance": VELOCITY_TOL, "samples_tolerance": SAMPLE_TOL,
    }


def main():
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    result = compare(sys.argv[1], sys.argv[2])
    result["agrees"] = result["velocity_max_abs_diff"] <= VELOCITY_TOL and result["samples_max_abs_diff"] <= SAMPLE_TOL
    print(json.dumps(result))
    sys.exit(0 if result["agrees"] else 1)


if __name__ == "__main__":
    main()
