"""The video flow transformer, the whole generator and the Euler sampler in plain PyTorch eager (see model.py).

velocity(x_t [B, F, 3, H, W], t [B], first [B, 3, H, W] in [-1, 1], c_phys [B, K, D]) -> v [B, F, 3, H, W]
as io.physmaster.model.VideoFlowTransformer; sample() as io.physmaster.sample.EulerSampler (no guidance).
"""
import torch
import torch.nn.functional as F

import pmck
from model import Block, DiTBlock, Linear, PhysEncoder, TimestepEmbedding, gate, ln, modulate

MIN_ONE_MINUS_T = 0.01


class PhysPlan(Block):
    """Model v3: c_phys [B, K, D] -> object plan [B, F, G, G], embedded into the tokens [B, F, P, D]."""

    def __init__(self, cfg):
        self.side = int(round(cfg["physTokens"] ** 0.5))
        self.frames = cfg["frames"] - 1
        self.r = cfg["size"] // cfg["patch"] // self.side
        self.decode, self.embed = Linear(), Linear()

    def children(self):
        return [self.decode, self.embed]

    def __call__(self, c_phys):
        b, s, r, f = c_phys.shape[0], self.side, self.r, self.frames
        plan = self.decode(c_phys).view(b, s, s, f, r, r).permute(0, 3, 1, 4, 2, 5).reshape(b, f, s * r * s * r, 1)
        return self.embed(plan)


class VideoFlowTransformer(Block):
    params = ("space_pos", "time_pos", "image_type", "phys_type")

    def __init__(self, cfg):
        self.cfg = cfg
        d, grid = cfg["dim"], cfg["size"] // cfg["patch"]
        self.patch_embed, self.image_embed = Linear(), Linear()
        self.time_embed = TimestepEmbedding(d)
        self.phys_mod = Linear() if cfg.get("physModulation") else None
        self.phys_plan = PhysPlan(cfg) if cfg.get("physPlan") else None
        self.blocks = [DiTBlock(d, cfg["heads"], grid) for _ in range(cfg["depth"])]
        self.final_ada, self.final_out = Linear(), Linear()

    def children(self):
        optional = [m for m in (self.phys_mod, self.phys_plan) if m is not None]
        return [self.patch_embed, self.image_embed, self.time_embed] + optional + self.blocks \
            + [self.final_ada, self.final_out]

    def patchify(self, video):
        """[B, F, 3, H, W] -> [B, F, P, 3 p p]."""
        b, f = video.shape[:2]
        p, g = self.cfg["patch"], self.cfg["size"] // self.cfg["patch"]
        return video.reshape(b, f, 3, g, p, g, p).permute(0, 1, 3, 5, 2, 4, 6).reshape(b, f, g * g, 3 * p * p)

    def unpatchify(self, tokens):
        b, f = tokens.shape[:2]
        p, g, s = self.cfg["patch"], self.cfg["size"] // self.cfg["patch"], self.cfg["size"]
        return tokens.reshape(b, f, g, g, 3, p, p).permute(0, 1, 4, 2, 5, 3, 6).reshape(b, f, 3, s, s)

    def __call__(self, xt, t, first, c_phys):
        b = xt.shape[0]
        first_f = first.unsqueeze(1)                                             # [B, 1, 3, H, W]
        tb = t.view(b, 1, 1, 1, 1)
        tokens = self.patch_embed(self.patchify(xt - first_f * tb)) + self.space_pos + self.time_pos  # [B, F, P, D]
        if self.phys_plan is not None and c_phys is not None:
            tokens = tokens + self.phys_plan(c_phys)
        image = self.image_embed(self.patchify(first_f)).squeeze(1) + self.space_pos + self.image_type  # [B, P, D]
        cond = image if c_phys is None else torch.cat([image, c_phys + self.phys_type], 1)        # [B, P+K, D]
        c = self.time_embed(t)                                                   # [B, D]
        if self.phys_mod is not None and c_phys is not None:
            c = c + self.phys_mod(c_phys.mean(1))
        for block in self.blocks:
            tokens = block(tokens, cond, image, c)
        shift, scale = self.final_ada(F.gelu(c)).chunk(2, 1)
        x1hat = first_f + self.unpatchify(self.final_out(modulate(ln(tokens), shift, scale)))
        return (x1hat - xt) / (1 - tb).clamp(min=MIN_ONE_MINUS_T)

    def macs(self):
        """Multiply-accumulates per sample for one forward pass, counted here from the shapes."""
        c = self.cfg
        f, p, d, k = c["frames"] - 1, (c["size"] // c["patch"]) ** 2, c["dim"], c["physTokens"]
        pd = 3 * c["patch"] ** 2
        ctx = p + k
        total = (f + 1) * p * pd * d + f * p * d * pd                           # patch embeds, output layer
        total += 2 * d * d + 2 * d * d                                           # time embedding, final ada
        if self.phys_mod is not None:
            total += d * d
        if self.phys_plan is not None:
            total += k * d * (f * self.phys_plan.r ** 2) + f * p * d
        per_block = (9 * d * d                                                   # ada
                     + f * (p * d * d + p * 2 * d * d + p * d * d + 2 * p * (p + ctx) * d)   # spatial, per frame
                     + ctx * 2 * d * d                                           # its context K/V, once
                     + p * (f * d * d + (f + 1) * 2 * d * d + f * d * d + 2 * f * (f + 1) * d)  # temporal
                     + f * p * 8 * d * d)                                        # MLP
        return total + c["depth"] * per_block


class Generator(Block):
    """PhysEncoder (absent when physTokens = 0) feeding the DiT, as io.physmaster.model.PhysMasterModel."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.encoder = PhysEncoder(cfg) if cfg["physTokens"] > 0 else None
        self.dit = VideoFlowTransformer(cfg)

    def children(self):
        return ([self.encoder] if self.encoder is not None else []) + [self.dit]

    def physical(self, first):
        return None if self.encoder is None else self.encoder(first)

    def encoder_macs(self):
        if self.encoder is None:
            return 0
        s, w, d = self.cfg["size"], self.cfg["backboneWidth"], self.cfg["dim"]
        g = s // 4
        convs = s * s * 3 * 32 * 9 + (s // 2) ** 2 * 32 * w * 9 + 2 * g * g * w * w * 9
        return convs + g * g * (w * d + d * d)

    @torch.inference_mode()
    def sample(self, first01, noise, steps):
        """first01 [B, 3, H, W] in [0, 1], noise [B, F, 3, H, W] -> videos [B, T, 3, H, W] in [0, 1]."""
        first = first01 * 2 - 1
        c_phys = self.physical(first)
        x = noise
        dt = torch.tensor(1.0 / steps, dtype=torch.float32)
        for k in range(steps):
            t = torch.full((x.shape[0],), float(k * dt), dtype=torch.float32)
            x = x + self.dit(x, t, first, c_phys) * dt
        video = ((torch.cat([first.unsqueeze(1), x], 1).clamp(-1, 1) + 1) / 2)
        video[:, 0] = first01                                                    # exactly the given frame
        return video


def load(path):
    """-> (header, Generator with the checkpoint's weights)."""
    header, stream = pmck.read(path)
    if header["kind"] != "model":
        raise pmck.CheckpointError(f"{path} holds a '{header['kind']}', not a 'model'")
    net = Generator(header["config"])
    net.load(stream)
    stream.end()
    return header, net
