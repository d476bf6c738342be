# Loads tokenizer-ema.safetensors files into the shipped python/magvitseg_torch.py with strict=True and compares the
# reconstruction of 0.9 sin(0.11 k) with the one C# computed (float32 little-endian file):
#   /usr/bin/python3 tests/MagvitSeg.Tests/Models/twin/load_check.py RUN_DIR WEIGHTS EXPECTED.f32
# e.g. the pre-level export in tests/fixtures/legacy-keys (config.json, micro-ema.safetensors, micro-ema-recon.f32),
# or a run folder written by `magvitseg pretrain` with the same weights. Prints the key layout and the largest difference.
import os, sys
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'python'))
from magvitseg_torch import load_tokenizer, read_safetensors  # noqa: E402

run_dir, weights, expected_path = sys.argv[1:4]
model = load_tokenizer(run_dir, weights=weights, strict=True)
keys = read_safetensors(os.path.join(run_dir, weights)).keys()
layout = 'pre-level' if any('.res.' in k for k in keys) else 'level'
c = model.encoder.c
shape = (1, 3, c['frames'], c['height'], c['width'])
k = torch.arange(int(np.prod(shape)), dtype=torch.float64)
x = (0.9 * torch.sin(0.11 * k)).reshape(shape).float()
with torch.no_grad():
    y = model(x)
expected = torch.from_numpy(np.fromfile(expected_path, dtype='<f4')).reshape(y.shape)
diff = (y - expected).abs().max().item()
print(f'{weights}: {layout} keys, strict load ok, largest difference to C# {diff:.3g}')
sys.exit(0 if diff < 1e-4 else 1)
