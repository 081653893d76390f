"""Java sampler vs the PyTorch eager re-implementation, timed in interleaved rounds in one run.

    bench.py serve MODEL.pmck FIRST.f32         the PyTorch timing server (stdin commands, "@@ " JSON replies)
    bench.py drive MODEL.pmck FIRST.f32 OUT.json  starts both servers, runs the rounds, writes the "peer"
                                                section of OUT.json (the rest of the file is kept)
Both servers answer the same commands: info, peak (1024^3 fp32 matmul FLOP/s), sample B R (R timed batches of
B videos, 8 Euler steps, noise drawn inside the timing: seconds and minor page faults per batch).
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

import dit

STEPS = 8
BATCHES = (1, 8)
REPEATS = {1: 5, 8: 2}


def serve(model_path, first_path):
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    _, net = dit.load(model_path)
    cfg = net.cfg
    s, f = cfg["size"], cfg["frames"] - 1
    frame = torch.from_numpy(np.fromfile(first_path, dtype="<f4")[:3 * s * s].reshape(1, 3, s, s).copy())
    print("@@ ready", flush=True)
    for line in sys.stdin:
        w = line.split()
        if not w or w[0] == "quit":
            break
        if w[0] == "info":
            reply = {"engine": f"PyTorch {torch.__version__} eager (Python), BLAS {blas()}",
                     "dit_flops_per_forward": 2 * net.dit.macs(), "encoder_flops": 2 * net.encoder_macs()}
        elif w[0] == "peak":
            reply = {"matmul_flops_per_s": matmul_peak()}
        elif w[0] == "shapes":
            reply = {"model_matmul_flops_per_s": model_matmuls(cfg, int(w[1]))}
        elif w[0] == "sample":
            reply = time_sampling(net, frame, int(w[1]), int(w[2]), f)
        else:
            reply = {"error": "unknown command " + w[0]}
        print("@@ " + json.dumps(reply), flush=True)


def blas():
    try:
        return os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3").split("/")[-2]
    except OSError:
        return "unknown"


def time_sampling(net, frame, batch, repeats, frames):
    s = frame.shape[-1]
    secs, faults = [], []
    for r in range(repeats):
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t0 = time.perf_counter()
        gen = torch.Generator().manual_seed(r)
        noise = torch.randn(batch, frames, 3, s, s, generator=gen)
        net.sample(frame.expand(batch, -1, -1, -1), noise, STEPS)
        secs.append(time.perf_counter() - t0)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
    return {"seconds": secs, "minor_faults": faults}


def matmul_peak():
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = 0.0
    for _ in range(10):
        t0 = time.perf_counter()
        a @ b
        best = max(best, 2.0 * n ** 3 / (time.perf_counter() - t0))
    return best


def dit_matmuls(cfg, batch):
    """The matrix products of one DiT forward, (m, k, n, g): as BenchPeer.ditMatmuls lists them."""
    f, p = cfg["frames"] - 1, (cfg["size"] // cfg["patch"]) ** 2
    d, h = cfg["dim"], cfg["heads"]
    dh, cond, rows, pd = d // h, p + cfg["physTokens"], batch * f * p, 3 * cfg["patch"] ** 2
    block = [(rows, d, d, 1), (rows, d, 2 * d, 1), (p, dh, p + cond, batch * f * h), (p, p + cond, dh, batch * f * h),
             (rows, d, d, 1), (rows, d, d, 1), (rows, d, 2 * d, 1), (f, dh, f + 1, batch * p * h),
             (f, f + 1, dh, batch * p * h), (rows, d, d, 1), (rows, d, 4 * d, 1), (rows, 4 * d, d, 1)]
    return [(rows, pd, d, 1)] + block * cfg["depth"] + [(rows, d, pd, 1)]


def model_matmuls(cfg, batch):
    """FLOP/s of the DiT's own matrix products back to back: the ceiling for a sampler of this model."""
    ops, flops = [], 0.0
    for m, k, n, g in dit_matmuls(cfg, batch):
        shape_a, shape_b = ((m, k), (k, n)) if g == 1 else ((g, m, k), (g, k, n))
        ops.append((torch.randn(*shape_a), torch.randn(*shape_b)))
        flops += 2.0 * m * k * n * g
    best = float("inf")
    for r in range(6):
        t0 = time.perf_counter()
        for a, b in ops:
            a @ b
        if r > 0:
            best = min(best, time.perf_counter() - t0)
    return flops / best


class Server:
    def __init__(self, name, argv, env):
        self.name = name
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.read()  # "ready"

    def read(self):
        for line in self.proc.stdout:
            if line.startswith("@@ "):
                return None if line.strip() == "@@ ready" else json.loads(line[3:])
        raise RuntimeError(f"{self.name} server ended (exit {self.proc.wait()})")

    def ask(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        reply = self.read()
        if "error" in reply:
            raise RuntimeError(f"{self.name}: {reply['error']}")
        return reply

    def close(self):
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def drive(model_path, first_path, out_path, rounds, root):
    env = dict(os.environ)
    here = os.path.dirname(os.path.abspath(__file__))
    java = Server("java", [os.path.join(root, "physmaster"), "bench-sampling", "--model", model_path, "--serve"], env)
    torch_ = Server("pytorch", [sys.executable, os.path.join(here, "bench.py"), "serve", model_path, first_path], env)
    engines = {"java": java, "pytorch": torch_}
    info = {name: e.ask("info") for name, e in engines.items()}
    dit_flops, enc_flops = info["pytorch"]["dit_flops_per_forward"], info["pytorch"]["encoder_flops"]
    flops_per_video = STEPS * dit_flops + enc_flops
    for e in engines.values():  # warm-up: first calls allocate and pick kernels
        for b in BATCHES:
            e.ask(f"sample {b} 1")
    per_round, peaks, shapes = [], {n: [] for n in engines}, {n: [] for n in engines}
    for r in range(rounds):
        order = ["java", "pytorch"] if r % 2 == 0 else ["pytorch", "java"]
        row = {"round": r + 1, "order": order, "loadavg_1min_start": os.getloadavg()[0]}
        for name in order:
            peaks[name].append(engines[name].ask("peak")["matmul_flops_per_s"])
            shapes[name].append(engines[name].ask(f"shapes {max(BATCHES)}")["model_matmul_flops_per_s"])
        for b in BATCHES:
            for name in order:
                res = engines[name].ask(f"sample {b} {REPEATS[b]}")
                row[f"{name}_b{b}"] = {"s_per_video": statistics.median(res["seconds"]) / b,
                                       "minor_faults_per_batch": statistics.median(res["minor_faults"])}
            row[f"ratio_java_over_pytorch_b{b}"] = row[f"java_b{b}"]["s_per_video"] / row[f"pytorch_b{b}"]["s_per_video"]
        row["loadavg_1min_end"] = os.getloadavg()[0]
        per_round.append(row)
        print(json.dumps(row), flush=True)
    for e in engines.values():
        e.close()
    summary = {}
    for name in engines:
        peak = max(peaks[name])
        for b in BATCHES:
            spv = statistics.median(row[f"{name}_b{b}"]["s_per_video"] for row in per_round)
            summary[f"{name}_b{b}"] = {
                "s_per_video_median_of_rounds": round(spv, 4),
                "flops_per_s": float(f"{flops_per_video / spv:.4e}"),
                "fraction_of_matmul_peak": round(flops_per_video / spv / peak, 4),
                "minor_faults_per_batch_median": statistics.median(
                    row[f"{name}_b{b}"]["minor_faults_per_batch"] for row in per_round)}
        summary[f"{name}_matmul_peak_flops_per_s"] = float(f"{peak:.4e}")
        best_shapes = max(shapes[name])
        summary[f"{name}_model_matmuls_b{max(BATCHES)}"] = {
            "flops_per_s": float(f"{best_shapes:.4e}"), "fraction_of_matmul_peak": round(best_shapes / peak, 4)}
    return {
        "command": "bench/pytorch/run.sh",
        "what": "Java sampler (./physmaster bench-sampling --serve) vs the same model in PyTorch eager "
                "(bench/pytorch), same checkpoint, fp32, 8 Euler steps, interleaved rounds in one run; "
                "s_per_video is the median of each round's repeats, ratio > 1 means Java is slower; "
                "model_matmuls_b8: the DiT forward's own matrix products at batch 8 alone, back to back (the "
                "ceiling of a sampler of this model), against the same engine's 1024^3 matmul peak",
        "model": model_path, "engines": {n: info[n]["engine"] for n in engines},
        "threads": env.get("OMP_NUM_THREADS"), "omp_wait_policy": env.get("OMP_WAIT_POLICY", "(default)"),
        "glibc_tunables": env.get("GLIBC_TUNABLES", "(default)"),
        "dit_flops_per_forward": dit_flops, "java_counted_dit_flops_per_forward": info["java"]["dit_flops_per_forward"],
        "encoder_flops": enc_flops, "flops_per_video": flops_per_video,
        "summary": summary, "rounds": per_round,
    }


def main():
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
        return
    model_path, first_path, out_path = sys.argv[2:5]
    root = os.environ.get("PHYSMASTER_ROOT", ".")
    peer = drive(model_path, first_path, out_path, int(os.environ.get("ROUNDS", "3")), root)
    peer["agreement"] = json.loads(os.environ["AGREEMENT"]) if os.environ.get("AGREEMENT") else None
    doc = json.load(open(out_path)) if os.path.exists(out_path) else {}
    doc[os.environ.get("PEER_SECTION", "peer")] = peer
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(json.dumps(peer["summary"], indent=2))


if __name__ == "__main__":
    main()
