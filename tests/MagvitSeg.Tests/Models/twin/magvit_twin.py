# Independent PyTorch twin of the MagvitSeg MAGVIT 3D-VQVAE, written from the official JAX code
# (google-research/magvit enc_dec_3dcnn.py / vqvae.py / stylegan_discriminator_3d.py). Same parameter names as C#
# (encoder.levels.I.blocks.J, decoder.levels.I.up, ...), so sin_init below gives both sides the same weights.
# The tokenizer itself ships as python/magvitseg_torch.py (PyTorch users load tokenizer-ema.safetensors into it);
# this script adds the discriminator and the deterministic weights that the C# tests compare against.
import math, os, sys, json
import torch, torch.nn as nn, torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'python'))
from magvitseg_torch import VQVAE  # noqa: E402

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
