"""Layers a PyTorch or transformers layer needs in Keras where keras.layers has none. Each class is copied as it is
into generated Keras code that uses it, and imported by verify: one definition for both. They hold exactly what
symparam counts for the layer there."""

import keras


class ScaledDotProductAttention(keras.layers.Layer):
    """Attention over projected queries, keys and values of num_heads and num_kv_heads heads of head_dim
    (transformers' sdpa step: no weights), each group of query heads sharing a key and value head. A spec does not
    say whether the attention is masked: causal=True makes it a decoder's."""

    def __init__(self, num_heads, num_kv_heads, head_dim, causal=False, **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.num_kv_heads, self.head_dim, self.causal = num_heads, num_kv_heads, head_dim, causal

    def call(self, q, k=None, v=None):
        ops = keras.ops
        if k is None:   # one fused input: queries, keys and values side by side
            width = self.head_dim * self.num_heads
            q, k, v = q[..., :width], q[..., width:width + width // self.num_heads * self.num_kv_heads], \
                q[..., width + width // self.num_heads * self.num_kv_heads:]

        def heads(x, n):
            return ops.reshape(x, (-1, *ops.shape(x)[1:-1], n, self.head_dim))

        q, k, v = heads(q, self.num_heads), heads(k, self.num_kv_heads), heads(v, self.num_kv_heads)
        group = self.num_heads // self.num_kv_heads
        k, v = ops.repeat(k, group, axis=-2), ops.repeat(v, group, axis=-2)
        y = ops.dot_product_attention(q, k, v, is_causal=self.causal)
        return ops.reshape(y, (-1, *ops.shape(y)[1:-2], self.num_heads * self.head_dim))

    def compute_output_shape(self, q_shape, k_shape=None, v_shape=None):
        return (*q_shape[:-1], self.num_heads * self.head_dim)


class LayerScale(keras.layers.Layer):
    """ConvNeXt's layer scale (keras.applications.convnext.LayerScale): the input times a trainable gamma of
    projection_dim values, starting at init_values."""

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values, self.projection_dim = init_values, projection_dim

    def build(self, input_shape):
        self.gamma = self.add_weight(shape=(self.projection_dim,),
                                     initializer=keras.initializers.Constant(self.init_values), trainable=True)

    def call(self, x):
        return x * self.gamma

    def compute_output_shape(self, input_shape):
        return input_shape


class CustomScaleLayer(keras.layers.Layer):
    """InceptionResNetV2's residual scaling (keras.applications.inception_resnet_v2.CustomScaleLayer): its first
    input plus scale times its second."""

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape):
        return input_shape[0]


class ElementwiseOp(keras.layers.Layer):
    """A keras.ops call between layers (x / 255.0, ops.add(x, y)) as a layer of no weights: keras.ops.<op> on two
    inputs, or on one input and scalar (the second operand, or the first where scalar_first: 255 - x)."""

    def __init__(self, op, scalar=None, scalar_first=False, **kwargs):
        super().__init__(**kwargs)
        self.op, self.scalar, self.scalar_first = op, scalar, scalar_first

    def call(self, inputs):
        x, y = ((self.scalar, inputs[0]) if self.scalar_first else (inputs[0], self.scalar)) if len(inputs) == 1 \
            else inputs
        return getattr(keras.ops, self.op)(x, y)


class MixtureOfExperts(keras.layers.Layer):
    """Mixtral's sparse mixture of SwiGLU experts (transformers' MixtralSparseMoeBlock): a router gate (num_experts,
    hidden_size), the experts' fused gate and up projections (num_experts, 2 intermediate_size, hidden_size) and
    down projections (num_experts, hidden_size, intermediate_size). Each token's output is its top_k experts'
    outputs weighted by the softmax of their router scores (computed here for every expert, weighted 0 where not
    chosen: the same result)."""

    def __init__(self, num_experts, top_k, intermediate_size, hidden_size, **kwargs):
        super().__init__(**kwargs)
        self.num_experts, self.top_k = num_experts, top_k
        self.intermediate_size, self.hidden_size = intermediate_size, hidden_size

    def build(self, input_shape):
        e, i, d = self.num_experts, self.intermediate_size, self.hidden_size
        self.gate = self.add_weight(shape=(e, d), name="gate")
        self.gate_up_proj = self.add_weight(shape=(e, 2 * i, d), name="gate_up_proj")
        self.down_proj = self.add_weight(shape=(e, d, i), name="down_proj")

    def call(self, x):
        ops = keras.ops
        scores, chosen = ops.top_k(ops.matmul(x, ops.transpose(self.gate)), self.top_k)
        routing = ops.sum(ops.one_hot(chosen, self.num_experts) * ops.softmax(scores)[..., None], axis=-2)
        gate, up = ops.split(ops.einsum("...d,efd->...ef", x, self.gate_up_proj), 2, axis=-1)
        y = ops.einsum("...ei,edi->...ed", ops.silu(gate) * up, self.down_proj)
        return ops.einsum("...ed,...e->...d", y, routing)

    def compute_output_shape(self, input_shape):
        return input_shape


class ViTEmbeddings(keras.layers.Layer):
    """A Vision Transformer's embeddings (transformers' ViTEmbeddings) on a channels-first image: patch_size x
    patch_size patches projected to hidden_size by a convolution, a class token (1, 1, hidden_size) in front, a
    learned position vector per token (1, num_patches + 1, hidden_size), and with use_mask_token a mask token."""

    def __init__(self, hidden_size, patch_size, num_patches, use_mask_token=False, **kwargs):
        super().__init__(**kwargs)
        self.hidden_size, self.num_patches, self.use_mask_token = hidden_size, num_patches, use_mask_token
        self.projection = keras.layers.Conv2D(hidden_size, patch_size, strides=patch_size,
                                              data_format="channels_first", name="projection")

    def build(self, input_shape):
        d = self.hidden_size
        self.cls_token = self.add_weight(shape=(1, 1, d), name="cls_token")
        if self.use_mask_token:
            self.mask_token = self.add_weight(shape=(1, 1, d), initializer="zeros", name="mask_token")
        self.position_embeddings = self.add_weight(shape=(1, self.num_patches + 1, d), name="position_embeddings")
        self.projection.build(input_shape)

    def call(self, x):
        ops = keras.ops
        patches = self.projection(x)
        patches = ops.transpose(ops.reshape(patches, (ops.shape(patches)[0], self.hidden_size, -1)), (0, 2, 1))
        cls = ops.broadcast_to(self.cls_token, (ops.shape(patches)[0], 1, self.hidden_size))
        return ops.concatenate([cls, patches], axis=1) + self.position_embeddings

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_patches + 1, self.hidden_size)
