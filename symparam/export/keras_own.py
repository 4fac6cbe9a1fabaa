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
