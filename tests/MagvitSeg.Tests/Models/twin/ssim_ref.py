# Independent numpy SSIM (tf.image.ssim definition: 11x11 Gaussian sigma 1.5, valid, K1 .01, K2 .03, range 1)
import numpy as np
def gauss(n=11, s=1.5):
    c = np.arange(n) - (n - 1) / 2; g = np.exp(-c**2 / (2 * s * s)); g /= g.sum(); return np.outer(g, g)
def filt(img, w):
    H, W = img.shape; n = w.shape[0]; out = np.zeros((H - n + 1, W - n + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]): out[i, j] = (img[i:i+n, j:j+n] * w).sum()
    return out
def ssim(x, y):
    w = gauss(); c1, c2 = 0.01**2, 0.03**2; vals = []
    for ch in range(x.shape[0]):
        a, b = x[ch], y[ch]; ma, mb = filt(a, w), filt(b, w)
        saa = filt(a*a, w) - ma*ma; sbb = filt(b*b, w) - mb*mb; sab = filt(a*b, w) - ma*mb
        vals.append(((2*ma*mb + c1) / (ma*ma + mb*mb + c1) * (2*sab + c2) / (saa + sbb + c2)).mean())
    return np.mean(vals)
k = np.arange(3 * 16 * 20, dtype=np.float64)
x = (0.5 + 0.4 * np.sin(0.31 * k)).reshape(3, 16, 20)
y = np.clip(x + 0.1 * np.cos(0.17 * k).reshape(3, 16, 20), 0, 1)
print(repr(ssim(x, y)), repr(10 * np.log10(1 / ((x - y)**2).mean())))
