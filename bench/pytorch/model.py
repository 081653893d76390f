"""The PhysMaster generator (PhysEncoder + video flow transformer) in plain PyTorch eager, for inference.

A re-implementation of io.physmaster.model (see those classes for the why of each part), written the way a
PyTorch user would: nn.functional ops, F.linear with [out, in] weights. Blocks declare their parameters and
children in the Java classes' order, which is the order of the checkpoint's parameter stream (pmck.py).
Shapes: B batch, F generated frames, P patches per frame, K c_phys tokens, D width, H heads.
"""
import math

import torch
import torch.nn.functional as F

import pmck


class Block:
    params = ()

    def children(self):
        return []

    def load(self, s):
        s.block_header()
        for name in self.params:
            value = s.parameter(name)
            setattr(self, name, None if value is None else torch.from_numpy(value.copy()))
        for child in self.children():
            child.load(s)
        self.loaded()

    def loaded(self):
        pass


class Linear(Block):
    params = ("weight", "bias")  # weight [in, out] as saved; used transposed, as F.linear wants

    def loaded(self):
        self.w = self.weight.t().contiguous()

    def __call__(self, x):
        return F.linear(x, self.w, self.bias)

    def macs_per_row(self):
        return self.weight.shape[0] * self.weight.shape[1]


class Conv(Block):
    params = ("weight", "bias")

    def __init__(self, stride):
        self.stride = stride

    def __call__(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.weight.shape[-1] // 2)


def ln(x):
    return F.layer_norm(x, x.shape[-1:], eps=1e-6)


def modulate(x, shift, scale):
    """x [B, ..., D] * (1 + scale [B, D]) + shift [B, D]."""
    view = (shift.shape[0],) + (1,) * (x.dim() - 2) + (shift.shape[1],)
    return x * (1 + scale.view(view)) + shift.view(view)


def gate(x, g):
    return x * g.view((g.shape[0],) + (1,) * (x.dim() - 2) + (g.shape[1],))


class Attention(Block):
    """softmax(2 LN(q) LN(k)^T / sqrt(dh) + bias) v over keys [x ; context]; bias on the first keys only."""

    def __init__(self, dim, heads):
        self.dim, self.heads = dim, heads
        self.q, self.kv, self.out = Linear(), Linear(), Linear()

    def children(self):
        return [self.q, self.kv, self.out]

    def __call__(self, x, context=None, repeat=1, bias=None):
        n, s, _ = x.shape
        h, dh = self.heads, self.dim // self.heads
        kv = self.kv(x)                                                         # [N, S, 2D]
        if context is not None:
            kvc = self.kv(context)                                              # [N/repeat, C, 2D]
            if repeat > 1:
                kvc = kvc.repeat_interleave(repeat, dim=0)
            kv = torch.cat([kv, kvc], 1)                                        # [N, S+C, 2D]
        sk = kv.shape[1]
        q = (ln(self.q(x).view(n, s, h, dh)) * (2 / math.sqrt(dh))).transpose(1, 2)  # [N, H, S, dh]
        kv = kv.view(n, sk, 2, h, dh)
        k = ln(kv[:, :, 0]).transpose(1, 2)                                     # [N, H, S+C, dh]
        v = kv[:, :, 1].transpose(1, 2)
        scores = q @ k.transpose(-1, -2)                                        # [N, H, S, S+C]
        if bias is not None:                                                    # [G, H, S, K' <= S+C]
            g, kb = bias.shape[0], bias.shape[3]
            scores = scores.view(-1, g, h, s, sk)
            scores[..., :kb] += bias
            scores = scores.view(n, h, s, sk)
        mixed = (scores.softmax(-1) @ v).transpose(1, 2).reshape(n, s, self.dim)
        return self.out(mixed)


class RelativePositionBias(Block):
    params = ("table",)  # [2R, F, H]
    SCALE = 10.0

    def __init__(self, grid):
        side, p = 2 * grid - 1, grid * grid
        q = torch.arange(p).view(p, 1)
        k = torch.arange(p).view(1, p)
        off = (q // grid - k // grid + grid - 1) * side + (q % grid - k % grid + grid - 1)  # [P, P]
        self.index = torch.cat([off, off + side * side], 1).reshape(-1)          # [P * 2P]
        self.p = p

    def __call__(self):
        rows = self.table[self.index]                                            # [P*2P, F, H]
        return rows.view(self.p, 2 * self.p, *rows.shape[1:]).permute(2, 3, 0, 1) * self.SCALE  # [F, H, P, 2P]


class DiTBlock(Block):
    def __init__(self, dim, heads, grid):
        self.dim = dim
        self.spatial, self.temporal = Attention(dim, heads), Attention(dim, heads)
        self.rel_pos = RelativePositionBias(grid)
        self.fc1, self.fc2, self.ada = Linear(), Linear(), Linear()

    def children(self):
        return [self.spatial, self.rel_pos, self.temporal, self.fc1, self.fc2, self.ada]

    def __call__(self, x, cond, first, c):
        b, f, p, d = x.shape
        m = self.ada(F.gelu(c)).chunk(9, 1)                                      # 9 x [B, D]
        h = modulate(ln(x), m[0], m[1]).reshape(b * f, p, d)
        s = self.spatial(h, cond, f, self.rel_pos()).view(b, f, p, d)
        x = x + gate(s, m[2])
        h = modulate(ln(x), m[3], m[4]).transpose(1, 2).reshape(b * p, f, d)
        t = self.temporal(h, first.reshape(b * p, 1, d)).view(b, p, f, d).transpose(1, 2)
        x = x + gate(t, m[5])
        h = modulate(ln(x), m[6], m[7])
        return x + gate(self.fc2(F.gelu(self.fc1(h))), m[8])


class TimestepEmbedding(Block):
    def __init__(self, dim):
        self.dim = dim
        self.fc1, self.fc2 = Linear(), Linear()

    def children(self):
        return [self.fc1, self.fc2]

    def __call__(self, t):
        half = self.dim // 2
        freqs = (torch.arange(half, dtype=torch.float32) * (-math.log(10000) / half)).exp()
        angles = (t * 1000).unsqueeze(1) * freqs.unsqueeze(0)                  # [B, half]
        return self.fc2(F.gelu(self.fc1(torch.cat([angles.sin(), angles.cos()], 1))))


class HeadMixingLayer(Block):
    def __init__(self, dim, heads):
        self.attn, self.fc1, self.fc2 = Attention(dim, heads), Linear(), Linear()

    def children(self):
        return [self.attn, self.fc1, self.fc2]

    def __call__(self, x):
        x = x + self.attn(ln(x))
        return x + self.fc2(F.gelu(self.fc1(ln(x))))


class PhysEncoder(Block):
    """Frozen conv backbone + physical head: first frame [B, 3, H, W] in [-1, 1] -> c_phys [B, K, D]."""

    def __init__(self, cfg):
        self.convs = [Conv(1), Conv(2), Conv(2), Conv(1)]
        self.side = int(round(math.sqrt(cfg["physTokens"])))
        self.dim, self.tokens = cfg["dim"], cfg["physTokens"]
        self.layers = [HeadMixingLayer(cfg["dim"], cfg["heads"]) for _ in range(cfg.get("headLayers", 0))]
        self.head = Head(self, decoder=bool(self.layers) and not cfg.get("physPlan", False))

    def children(self):
        return [Group(self.convs), self.head]

    def __call__(self, frame):
        h = frame
        for i, conv in enumerate(self.convs):
            h = conv(h) if i == 3 else F.gelu(conv(h))
        b, _, g, _ = h.shape
        hd = self.head
        h = hd.fc2(F.gelu(hd.fc1(ln(h.permute(0, 2, 3, 1)))))                  # [B, g, g, D]
        if self.layers:
            h = h.reshape(b, g * g, self.dim) + hd.grid_pos
            for layer in self.layers:
                h = layer(h)
        pool = g // self.side
        h = h.reshape(b, self.side, pool, self.side, pool, self.dim).mean(4).mean(2)
        return h.reshape(b, self.tokens, self.dim) + hd.position


class Group(Block):
    """A block with only children (the backbone)."""

    def __init__(self, parts):
        self.parts = parts

    def children(self):
        return self.parts


class Head(Block):
    def __init__(self, enc, decoder):
        self.enc, self.decoder = enc, decoder
        self.params = ("position", "grid_pos") if enc.layers else ("position",)
        self.fc1, self.fc2, self.occupancy = Linear(), Linear(), Linear()

    def children(self):
        # the v2 occupancy decoder is loaded (the stream holds it) but sampling never uses it
        return [self.fc1, self.fc2] + self.enc.layers + ([self.occupancy] if self.decoder else [])
