"""Modules a Keras or transformers layer needs in PyTorch where torch.nn has none. Each class is copied as it is
into a generated torch file that uses it, and imported by verify: one definition for both. They hold exactly what
symparam counts for the layer there (a statistic is a buffer, as nn.BatchNorm's running statistics are)."""

import torch
from torch import nn


class Normalization(nn.Module):
    """Keras's Normalization: (x - mean) / sqrt(variance), its mean, variance and count of samples as buffers; given
    a mean and variance, those are constants (as in Keras: no weights, nothing in the state dict)."""

    def __init__(self, shape, broadcast, mean=None, variance=None):
        super().__init__()
        self.broadcast = broadcast
        if mean is not None:
            self.mean, self.variance = torch.tensor(mean), torch.tensor(variance)
            return
        self.register_buffer("mean", torch.zeros(shape))
        self.register_buffer("variance", torch.ones(shape))
        self.register_buffer("count", torch.zeros((), dtype=torch.long))

    def forward(self, x):
        mean, variance = self.mean.reshape(self.broadcast), self.variance.reshape(self.broadcast)
        return (x - mean) / torch.sqrt(torch.clamp(variance, min=1e-7))


class ScaledDotProductAttention(nn.Module):
    """Attention over projected queries, keys and values of num_heads and num_kv_heads heads of head_dim
    (transformers' sdpa step: no weights), each group of query heads sharing a key and value head. A spec does not
    say whether the attention is masked: causal=True makes it a decoder's."""

    def __init__(self, num_heads, num_kv_heads, head_dim, causal=False):
        super().__init__()
        self.num_heads, self.num_kv_heads, self.head_dim, self.causal = num_heads, num_kv_heads, head_dim, causal

    def forward(self, q, k=None, v=None):
        if k is None:   # one fused input: queries, keys and values side by side
            width = self.head_dim * self.num_kv_heads
            q, k, v = q.split([self.head_dim * self.num_heads, width, width], dim=-1)

        def heads(x, n):
            return x.unflatten(-1, (n, self.head_dim)).transpose(-3, -2)

        q, k, v = heads(q, self.num_heads), heads(k, self.num_kv_heads), heads(v, self.num_kv_heads)
        group = self.num_heads // self.num_kv_heads
        k, v = k.repeat_interleave(group, dim=-3), v.repeat_interleave(group, dim=-3)
        y = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
        return y.transpose(-3, -2).flatten(-2)


class LayerScale(nn.Module):
    """ConvNeXt's layer scale (a Keras application's layer): the input times a trainable gamma of projection_dim
    values, starting at init_values."""

    def __init__(self, init_values, projection_dim):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((projection_dim,), float(init_values)))

    def forward(self, x):
        return x * self.gamma


class CustomScaleLayer(nn.Module):
    """InceptionResNetV2's residual scaling (a Keras application's layer): its first input plus scale times its
    second."""

    def __init__(self, scale):
        super().__init__()
        self.scale = scale

    def forward(self, x, r):
        return x + r * self.scale


class MixtureOfExperts(nn.Module):
    """Mixtral's sparse mixture of SwiGLU experts, with transformers' MixtralSparseMoeBlock's parameters:
    gate.weight (num_experts, hidden_size), experts.gate_up_proj (num_experts, 2 intermediate_size, hidden_size) and
    experts.down_proj (num_experts, hidden_size, intermediate_size). Each token's output is its top_k experts'
    outputs weighted by the softmax of their router scores (computed here for every expert, weighted 0 where not
    chosen: the same result)."""

    def __init__(self, num_experts, top_k, intermediate_size, hidden_size):
        super().__init__()
        self.top_k = top_k
        self.gate = nn.Linear(hidden_size, num_experts, bias=False)
        self.experts = nn.Module()   # holds the experts' weights, named as transformers' MixtralExperts
        self.experts.gate_up_proj = nn.Parameter(torch.randn(num_experts, 2 * intermediate_size, hidden_size) * 0.02)
        self.experts.down_proj = nn.Parameter(torch.randn(num_experts, hidden_size, intermediate_size) * 0.02)

    def forward(self, x):
        scores = self.gate(x)
        weights, chosen = scores.topk(self.top_k, dim=-1)
        routing = torch.zeros_like(scores).scatter(-1, chosen, weights.softmax(dim=-1))
        gate, up = torch.einsum("...d,efd->...ef", x, self.experts.gate_up_proj).chunk(2, dim=-1)
        y = torch.einsum("...ei,edi->...ed", nn.functional.silu(gate) * up, self.experts.down_proj)
        return torch.einsum("...ed,...e->...d", y, routing)


class ViTEmbeddings(nn.Module):
    """A Vision Transformer's embeddings, with transformers' ViTEmbeddings's parameters: cls_token (1, 1,
    hidden_size), mask_token with use_mask_token, position_embeddings (1, num_patches + 1, hidden_size) and the
    patch projection patch_embeddings.projection (a convolution of patch_size x patch_size, stride patch_size)."""

    def __init__(self, hidden_size, patch_size, num_channels, num_patches, use_mask_token=False):
        super().__init__()
        self.cls_token = nn.Parameter(torch.randn(1, 1, hidden_size))
        self.mask_token = nn.Parameter(torch.zeros(1, 1, hidden_size)) if use_mask_token else None
        self.patch_embeddings = nn.ModuleDict(
            {"projection": nn.Conv2d(num_channels, hidden_size, kernel_size=patch_size, stride=patch_size)})
        self.position_embeddings = nn.Parameter(torch.randn(1, num_patches + 1, hidden_size))

    def forward(self, x):
        patches = self.patch_embeddings["projection"](x).flatten(2).transpose(1, 2)
        return torch.cat((self.cls_token.expand(x.shape[0], -1, -1), patches), dim=1) + self.position_embeddings
