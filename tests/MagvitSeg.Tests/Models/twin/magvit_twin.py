# Independent PyTorch twin of the MagvitSeg MAGVIT 3D-VQVAE, written from the official JAX code
# (google-research/magvit enc_dec_3dcnn.py / vqvae.py / stylegan_discriminator_3d.py). Same parameter names as C#.
import math, sys, json
import torch, torch.nn as nn, torch.nn.functional as F

def groups(c, pref=32):
    g = min(pref, c)
    while c % g: g -= 1
    return g

def conv3(i, o, kt=3, bias=True):
    return nn.Conv3d(i, o, (kt, 3, 3), padding=(kt // 2, 1, 1), bias=bias)

class ResBlock(nn.Module):
    def __init__(s, i, o, kt):
        super().__init__()
        s.norm1 = nn.GroupNorm(groups(i), i, eps=1e-6); s.conv1 = conv3(i, o, kt, False)
        s.norm2 = nn.GroupNorm(groups(o), o, eps=1e-6); s.conv2 = conv3(o, o, kt, False)
        s.skip = nn.Conv3d(i, o, 1, bias=False) if i != o else None
    def forward(s, x):
        h = s.conv1(F.silu(s.norm1(x))); h = s.conv2(F.silu(s.norm2(h)))
        return h + (s.skip(x) if s.skip is not None else x)

class Encoder(nn.Module):
    def __init__(s, c):
        super().__init__(); s.c = c; kt = c['kt']; F_ = c['filters']
        s.conv_in = conv3(3, F_, kt, False); s.res = nn.ModuleList(); ch = F_
        for m in c['mult']:
            for _ in range(c['nres']): s.res.append(ResBlock(ch, F_ * m, kt)); ch = F_ * m
        s.mid = nn.ModuleList([ResBlock(ch, ch, kt) for _ in range(c['nres'])])
        s.norm_out = nn.GroupNorm(groups(ch), ch, eps=1e-6); s.conv_out = nn.Conv3d(ch, c['emb'], 1, bias=True)
    def forward(s, x):
        h = s.conv_in(x); L = len(s.c['mult'])
        for i in range(L):
            for j in range(s.c['nres']): h = s.res[i * s.c['nres'] + j](h)
            if i < L - 1:
                kt = 2 if s.c['td'][i] else 1
                h = F.avg_pool3d(h, (kt, 2, 2), (kt, 2, 2))
        for b in s.mid: h = b(h)
        return s.conv_out(F.silu(s.norm_out(h)))

class Decoder(nn.Module):
    def __init__(s, c):
        super().__init__(); s.c = c; kt = c['kt']; F_ = c['filters']; ch = F_ * c['mult'][-1]
        s.conv_in = conv3(c['emb'], ch, kt, True)
        s.mid = nn.ModuleList([ResBlock(ch, ch, kt) for _ in range(c['nres'])])
        s.res = nn.ModuleList(); s.up = nn.ModuleList()
        for i in reversed(range(len(c['mult']))):
            for _ in range(c['nres']): s.res.append(ResBlock(ch, F_ * c['mult'][i], kt)); ch = F_ * c['mult'][i]
            if i > 0: s.up.append(conv3(ch, ch, kt, True))
        s.norm_out = nn.GroupNorm(groups(ch), ch, eps=1e-6); s.conv_out = conv3(ch, 3, kt, True)
    def forward(s, z):
        h = s.conv_in(z)
        for b in s.mid: h = b(h)
        k = u = 0
        for i in reversed(range(len(s.c['mult']))):
            for j in range(s.c['nres']): h = s.res[k](h); k += 1
            if i > 0:
                st = 2 if s.c['td'][i - 1] else 1
                h = F.interpolate(h, scale_factor=(st, 2, 2), mode='nearest'); h = s.up[u](h); u += 1
        return s.conv_out(F.silu(s.norm_out(h)))

class Quantizer(nn.Module):
    def __init__(s, c):
        super().__init__(); s.c = c; s.codebook = nn.Parameter(torch.zeros(c['K'], c['emb']))
    def forward(s, z):
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
    def __init__(s, c):
        super().__init__(); s.encoder = Encoder(c); s.quantizer = Quantizer(c); s.decoder = Decoder(c)

def blur(x):
    t = torch.tensor([1., 3., 3., 1.], dtype=x.dtype) / 8
    k = (t[:, None, None] * t[None, :, None] * t[None, None, :]).expand(x.shape[1], 1, 4, 4, 4)
    pads = []
    for n in reversed(x.shape[2:]):
        o = (n + 1) // 2; tot = max((o - 1) * 2 + 4 - n, 0); pads += [tot // 2, tot - tot // 2]
    return F.conv3d(F.pad(x, pads), k, stride=2, groups=x.shape[1])

class DBlock(nn.Module):
    def __init__(s, i, o):
        super().__init__(); s.conv1 = nn.Conv3d(i, i, 3, padding=1); s.conv2 = nn.Conv3d(i, o, 3, padding=1); s.skip = nn.Conv3d(i, o, 1, bias=False)
    def forward(s, x):
        h = F.leaky_relu(s.conv1(x), 0.2); h = blur(h); h = F.leaky_relu(s.conv2(h), 0.2)
        return (h + s.skip(blur(x))) / math.sqrt(2)

class Disc(nn.Module):
    def __init__(s, filters, mult, T, H, W):
        super().__init__(); s.conv_in = nn.Conv3d(3, filters, 3, padding=1); s.blocks = nn.ModuleList(); ch = filters
        for m in mult:
            s.blocks.append(DBlock(ch, filters * m)); ch = filters * m; T, H, W = (T + 1) // 2, (H + 1) // 2, (W + 1) // 2
        s.conv_out = nn.Conv3d(ch, ch, 3, padding=1); s.fc1 = nn.Linear(ch * T * H * W, ch); s.fc2 = nn.Linear(ch, 1)
    def forward(s, x):
        h = F.leaky_relu(s.conv_in(x), 0.2)
        for b in s.blocks: h = b(h)
        h = F.leaky_relu(s.conv_out(h), 0.2); h = F.leaky_relu(s.fc1(h.flatten(1)), 0.2)
        return s.fc2(h)

def sin_init(module):
    # Deterministic weights shared with the C# test: tensors in ordinal name order, value k of tensor i is
    # scale * sin(0.37 k + 1.3 i); scale 1/sqrt(fan_in) for kernels, 0.05 for biases; norm weights 1 + 0.1 sin.
    named = dict(module.named_parameters())
    with torch.no_grad():
        for i, name in enumerate(sorted(named)):
            p = named[name]; k = torch.arange(p.numel(), dtype=torch.float64)
            s = torch.sin(0.37 * k + 1.3 * i)
            if p.dim() >= 2: v = s / math.sqrt(p.numel() / p.shape[0])
            elif 'norm' in name and name.endswith('weight'): v = 1 + 0.1 * s
            else: v = 0.05 * s
            p.copy_(v.reshape(p.shape).float())

B = dict(filters=64, mult=[1, 2, 2, 4], nres=2, td=[True, True, False], emb=256, K=1024, kt=3)
L = dict(B, filters=128)
TINY = dict(filters=16, mult=[1, 2, 2], nres=1, td=[True, False], emb=16, K=64, kt=3)

if __name__ == '__main__':
    for n, c in [('B', B), ('L', L)]:
        m = VQVAE(c); print(n, sum(p.numel() for p in m.parameters()))
    torch.manual_seed(0)
    m = VQVAE(TINY); sin_init(m)
    k = torch.arange(1 * 3 * 8 * 32 * 32, dtype=torch.float64)
    x = (0.9 * torch.sin(0.11 * k)).reshape(1, 3, 8, 32, 32).float()
    with torch.no_grad():
        z = m.encoder(x); q, idx, commit, cb, ent, ppl = m.quantizer(z); y = m.decoder(q)
    out = dict(z_sum=z.sum().item(), z_abs=z.abs().sum().item(), z0=z.flatten()[:3].tolist(), idx_sum=idx.sum().item(),
               idx0=idx.flatten()[:8].tolist(), commit=commit.item(), cb=cb.item(), ent=ent.item(), ppl=ppl.item(),
               y_sum=y.sum().item(), y_abs=y.abs().sum().item(), y0=y.flatten()[:3].tolist(), z_shape=list(z.shape), y_shape=list(y.shape))
    d = Disc(8, [2, 4, 4], 8, 32, 32); sin_init(d)
    with torch.no_grad(): out['disc'] = d(x).flatten().tolist()
    out['disc_params'] = sum(p.numel() for p in d.parameters()); out['tiny_params'] = sum(p.numel() for p in m.parameters())
    print(json.dumps(out, indent=1))
