"""PyTorch module for MagvitSeg's MAGVIT 3D-VQVAE tokenizer: loads a run's tokenizer-ema.safetensors.

Usage (run folder = results/<profile>/tokenizer):

    import torch
    from magvitseg_torch import load_tokenizer
    model = load_tokenizer("results/quick/tokenizer")          # config.json + tokenizer-ema.safetensors, strict
    clip = torch.rand(1, 3, 8, 48, 48) * 2 - 1                 # [B, 3, T, H, W] in [-1, 1], the run's T/H/W
    z = model.encoder(clip)                                    # pre-quantisation latents [B, D, T/4, H/4, W/4]
    quantized, indices = model.quantize(z); recon = model.decoder(quantized)

Written from the official JAX code (google-research/magvit enc_dec_3dcnn.py, vqvae.py), with MagvitSeg's departures
(GroupNorm groups keep at least `min_group_channels` channels, see docs/departures.md). Needs only torch; the
safetensors package is used when installed, else the small reader below.
"""
import json
import os
import re
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

# --- State-dict keys -------------------------------------------------------------------------------------------------
# Keys name the level, as in C#: encoder.levels.I.blocks.J, decoder.levels.I.blocks.J, decoder.levels.I.up (level 0 at
# full resolution). Files exported before the levels existed use flat lists (encoder.res.K, decoder.res.K, decoder.up.U,
# the decoder's counted from the deepest level); `to_module_keys` renames them, which needs the config: a flat index
# only names a level once the blocks per level and the number of levels are known (C# TokenizerStateKeys).
_PRE_LEVEL = re.compile(r"^(encoder|decoder)\.(res|up)\.(\d+)\.(.+)$")


def from_pre_level(name, c):
    """The level-layout name of a pre-level key (any other key, or an index the config lacks, unchanged)."""
    m = _PRE_LEVEL.match(name)
    if not m:
        return name
    part, kind, n, rest = m.group(1), m.group(2), int(m.group(3)), m.group(4)
    levels, per = len(c["mult"]), c["nres"]
    if kind == "res" and per > 0 and n < levels * per:
        i = n // per if part == "encoder" else levels - 1 - n // per
        return f"{part}.levels.{i}.blocks.{n % per}.{rest}"
    if part == "decoder" and kind == "up" and n < levels - 1:
        return f"decoder.levels.{levels - 1 - n}.up.{rest}"
    return name


def to_module_keys(state, c):
    """A C# state dict with this module's keys: pre-level files renamed (see from_pre_level), level files as they are."""
    return {from_pre_level(name, c): value for name, value in state.items()}


# --- Config ----------------------------------------------------------------------------------------------------------
def config_from_json(path):
    """The module config from a run's config.json (its "Vqvae" section; C# defaults where a field is absent)."""
    with open(path, encoding="utf-8") as f:
        v = json.load(f)
    v = v.get("Vqvae", v)
    return dict(filters=v.get("Filters", 64), mult=v.get("ChannelMultipliers") or [1, 2, 2, 4], nres=v.get("NumResBlocks", 2),
                td=v.get("TemporalDownsample") or [True, True, False], emb=v.get("EmbeddingDim", 256), K=v.get("CodebookSize", 1024),
                kt=v.get("TemporalKernel", 3), min_group_channels=v.get("MinGroupChannels", 1),
                frames=v.get("Frames", 16), height=v.get("Height", 128), width=v.get("Width", 128))


def groups(c, pref=32, min_channels=1):
    """GroupNorm groups of c channels: at most `pref`, at least `min_channels` channels each, dividing c (C# Layers.Groups)."""
    g = max(1, min(pref, c // max(1, min_channels)))
    while c % g:
        g -= 1
    return g


# --- Model -----------------------------------------------------------------------------------------------------------
def conv3(i, o, kt=3, bias=True):
    return nn.Conv3d(i, o, (kt, 3, 3), padding=(kt // 2, 1, 1), bias=bias)


class ResBlock(nn.Module):
    def __init__(s, i, o, kt, mg=1):
        super().__init__()
        s.norm1 = nn.GroupNorm(groups(i, min_channels=mg), i, eps=1e-6); s.conv1 = conv3(i, o, kt, False)
        s.norm2 = nn.GroupNorm(groups(o, min_channels=mg), o, eps=1e-6); s.conv2 = conv3(o, o, kt, False)
        s.skip = nn.Conv3d(i, o, 1, bias=False) if i != o else None

    def forward(s, x):
        h = s.conv1(F.silu(s.norm1(x))); h = s.conv2(F.silu(s.norm2(h)))
        return h + (s.skip(x) if s.skip is not None else x)


class EncoderLevel(nn.Module):
    """One encoder level: its residual blocks (encoder.levels.I.blocks.J); the average pool after it has no weights."""

    def __init__(s, i, o, n, kt, mg=1):
        super().__init__(); s.blocks = nn.ModuleList()
        for _ in range(n): s.blocks.append(ResBlock(i, o, kt, mg)); i = o
        s.out_channels = i

    def forward(s, h):
        for b in s.blocks: h = b(h)
        return h


class DecoderLevel(nn.Module):
    """One decoder level: residual blocks, then (above level 0) nearest upsampling and the conv decoder.levels.I.up."""

    def __init__(s, i, o, n, kt, mg=1, upsample=False, temporal_up=False):
        super().__init__(); s.blocks = nn.ModuleList()
        for _ in range(n): s.blocks.append(ResBlock(i, o, kt, mg)); i = o
        s.up = conv3(i, i, kt, True) if upsample else None
        s.out_channels = i; s.st = 2 if temporal_up else 1

    def forward(s, h):
        for b in s.blocks: h = b(h)
        if s.up is not None:
            h = s.up(F.interpolate(h, scale_factor=(s.st, 2, 2), mode='nearest'))
        return h


class Encoder(nn.Module):
    def __init__(s, c):
        super().__init__(); s.c = c; kt = c['kt']; F_ = c['filters']; mg = c.get('min_group_channels', 1)
        s.conv_in = conv3(3, F_, kt, False); s.levels = nn.ModuleList(); ch = F_
        for m in c['mult']:
            s.levels.append(EncoderLevel(ch, F_ * m, c['nres'], kt, mg)); ch = s.levels[-1].out_channels
        s.mid = nn.ModuleList([ResBlock(ch, ch, kt, mg) for _ in range(c['nres'])])
        s.norm_out = nn.GroupNorm(groups(ch, min_channels=mg), ch, eps=1e-6); s.conv_out = nn.Conv3d(ch, c['emb'], 1, bias=True)

    def forward(s, x):
        h = s.conv_in(x); L = len(s.levels)
        for i, level in enumerate(s.levels):
            h = level(h)
            if i < L - 1:
                kt = 2 if s.c['td'][i] else 1
                h = F.avg_pool3d(h, (kt, 2, 2), (kt, 2, 2))
        for b in s.mid: h = b(h)
        return s.conv_out(F.silu(s.norm_out(h)))


class Decoder(nn.Module):
    def __init__(s, c):
        super().__init__(); s.c = c; kt = c['kt']; F_ = c['filters']; ch = F_ * c['mult'][-1]; mg = c.get('min_group_channels', 1)
        s.conv_in = conv3(c['emb'], ch, kt, True)
        s.mid = nn.ModuleList([ResBlock(ch, ch, kt, mg) for _ in range(c['nres'])])
        levels = [None] * len(c['mult'])
        for i in reversed(range(len(c['mult']))):
            levels[i] = DecoderLevel(ch, F_ * c['mult'][i], c['nres'], kt, mg, upsample=i > 0, temporal_up=i > 0 and c['td'][i - 1])
            ch = levels[i].out_channels
        s.levels = nn.ModuleList(levels)
        s.norm_out = nn.GroupNorm(groups(ch, min_channels=mg), ch, eps=1e-6); s.conv_out = conv3(ch, 3, kt, True)

    def forward(s, z):
        h = s.conv_in(z)
        for b in s.mid: h = b(h)
        for level in reversed(s.levels): h = level(h)
        return s.conv_out(F.silu(s.norm_out(h)))


class Quantizer(nn.Module):
    def __init__(s, c):
        super().__init__(); s.c = c; s.codebook = nn.Parameter(torch.zeros(c['K'], c['emb']))

    def forward(s, z):
        """Nearest-code quantisation with MAGVIT's losses: (quantized, indices, commitment, codebook, entropy, perplexity)."""
        B, D, T, H, W = z.shape; flat = z.permute(0, 2, 3, 4, 1).reshape(-1, D)
        d = (flat ** 2).sum(1, keepdim=True) - 2 * flat @ s.codebook.t() + (s.codebook ** 2).sum(1)[None]
        idx = d.argmin(1); codes = s.codebook[idx]
        commit = ((flat - codes.detach()) ** 2).mean() * 0.25
        cb = ((codes - flat.detach()) ** 2).mean() * 1.0
        logits = -d / 0.01; p = logits.softmax(1); lp = logits.log_softmax(1)
        avg = p.mean(0); ent = (-(p * lp).sum(1).mean() + (avg * torch.log(avg + 1e-5)).sum()) * 0.1
        q = (flat + (codes - flat).detach()).reshape(B, T, H, W, D).permute(0, 4, 1, 2, 3)
        counts = torch.bincount(idx, minlength=s.c['K']).float() / idx.numel()
        ppl = torch.exp(-(counts * torch.log(counts + 1e-5)).sum())
        return q, idx.reshape(B, T, H, W), commit, cb, ent, ppl


class VQVAE(nn.Module):
    """The tokenizer: encoder -> nearest-code quantizer -> decoder, clips [B, 3, T, H, W] in [-1, 1]."""

    def __init__(s, c):
        super().__init__(); s.encoder = Encoder(c); s.quantizer = Quantizer(c); s.decoder = Decoder(c)

    def quantize(s, z):
        """(quantized latents, code indices) of encoder latents z."""
        q, idx, *_ = s.quantizer(z)
        return q, idx

    def forward(s, x):
        q, _ = s.quantize(s.encoder(x))
        return s.decoder(q)


# --- Loading ---------------------------------------------------------------------------------------------------------
_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64,
           "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}


def read_safetensors(path):
    """The tensors of a safetensors file (safetensors.torch.load_file when installed, else this reader)."""
    try:
        from safetensors.torch import load_file
        return load_file(path)
    except ImportError:
        pass
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n]); body = 8 + n; out = {}
    for name, e in header.items():
        if name == "__metadata__": continue
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[body + b:body + end]), dtype=_DTYPES[e["dtype"]]) if end > b else torch.empty(0, dtype=_DTYPES[e["dtype"]])
        out[name] = t.reshape(e["shape"])
    return out


def load_tokenizer(run_dir, weights="tokenizer-ema.safetensors", strict=True):
    """A VQVAE built from run_dir/config.json with the weights of run_dir/<weights>, in eval mode."""
    config = config_from_json(os.path.join(run_dir, "config.json"))
    model = VQVAE(config)
    model.load_state_dict(to_module_keys(read_safetensors(os.path.join(run_dir, weights)), config), strict=strict)
    return model.eval()
