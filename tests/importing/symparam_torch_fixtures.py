"""Small PyTorch modules that tests/importing/test_torch_module.py imports as MODULE:FACTORY (a class, or a function
taking no arguments). Imported only where torch is."""

import torch
from torch import nn


class Scale(nn.Module):
    """A module symparam has no kind for: one parameter and one buffer of its own."""

    def __init__(self, c):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(c, 1, 1))
        self.register_buffer("count", torch.zeros(()))

    def forward(self, x):
        return x * self.gamma


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.scale = Scale(8)
        self.relu = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)
        self.unused = nn.Linear(8, 3)            # never called by forward(): still counted

    def forward(self, x):
        y = self.relu(self.bn(self.conv(x)))
        y = self.relu(self.scale(y) + y)         # the same ReLU twice
        return self.fc(torch.flatten(self.pool(y), 1))


class TinyLM(nn.Module):
    """An embedding whose matrix is also the output head's weight (tied)."""

    def __init__(self, vocab=100, d=16):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        self.head.weight = self.wte.weight

    def forward(self, ids):
        return self.head(self.ln(self.wte(ids)))


class Twice(nn.Module):
    """One Linear called twice (its weights counted once), one frozen Linear, an LSTM with a projection."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(6, 6)
        self.frozen = nn.Linear(6, 4)
        self.frozen.weight.requires_grad_(False)
        self.lstm = nn.LSTM(4, 8, proj_size=3, batch_first=True)

    def forward(self, x):
        return self.lstm(self.frozen(self.proj(self.proj(x))))[0]


class Bags(nn.Module):
    """nn.EmbeddingBag called with offsets (flat indices), and with per_sample_weights."""

    def __init__(self):
        super().__init__()
        self.bag = nn.EmbeddingBag(50, 4, mode="sum")

    def forward(self, ids):
        offsets = torch.zeros(2, dtype=torch.long, device=ids.device)
        flat = ids.reshape(-1)
        return self.bag(flat, offsets, per_sample_weights=torch.ones(flat.shape, device=ids.device))


class Cat(nn.Module):
    """Two branches concatenated (a tensor no module returns), then one more convolution."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 4, 1)
        self.b = nn.Conv2d(3, 5, 1)
        self.c = nn.Conv2d(9, 2, 3)

    def forward(self, x):
        return self.c(torch.cat([self.a(x), self.b(x)], 1))


class Pooled(nn.Module):
    """A functional pooling (a layer), then a slice (a tensor no module returns, of another shape) and a convolution."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 4, 1)
        self.c = nn.Conv2d(3, 2, 3)

    def forward(self, x):
        return self.c(nn.functional.max_pool2d(self.a(x), 2)[:, 1:])


class NeedsData(nn.Module):
    """forward() reads a value: impossible on meta tensors."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return self.fc(x) * float(x.sum())


class Reads(nn.Module):
    def forward(self, x):
        return x * x.max().item()   # a value: there is none on the meta device


class FailsInside(nn.Module):
    """A submodule whose forward() needs data: the error names it."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.inner = Reads()

    def forward(self, x):
        return self.inner(self.fc(x))


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 5)
        self.b = nn.Linear(2, 5)

    def forward(self, image, extra):
        return self.a(image) + self.b(extra)


class Widths(nn.Module):
    """A width carried by four modules (the --symbol case); the input's side changes the inner shapes only."""

    def __init__(self, width=24):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, padding=1)
        self.bn = nn.BatchNorm2d(width)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(width, width, 3, stride=2, groups=4)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flat = nn.Flatten()
        self.fc = nn.Linear(width, 10)

    def forward(self, x):
        return self.fc(self.flat(self.pool(self.conv2(self.relu(self.bn(self.conv1(x)))))))


def raises():
    raise ValueError("no such width")


def not_a_module():
    return 42


class Merges(nn.Module):
    """forward() merges tensors: +, -, *, += and torch.cat are layers; a tensor times a number, plus a parameter or
    plus a tensor made from nothing is not a merge."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 4, 1)
        self.b = nn.Conv2d(3, 4, 1)
        self.squeeze = nn.AdaptiveAvgPool2d(1)
        self.c = nn.Conv2d(12, 2, 1)
        self.gain = nn.Parameter(torch.ones(4, 1, 1))

    def forward(self, x):
        a, b = self.a(x), self.b(x)
        p = (a + b) * (a - b)                    # add, sub, mul
        p = p * 0.5 + self.gain                  # not merges
        p += b                                   # add#2, in place
        p = p * self.squeeze(a)                  # mul#2: (4, 8, 8) times (4, 1, 1), broadcast
        p = p + torch.ones(2, 4, 8, 8)           # not a merge: the ones come from no layer
        return self.c(torch.cat([p, a, torch.add(a, b)], 1))   # add#3, then cat
