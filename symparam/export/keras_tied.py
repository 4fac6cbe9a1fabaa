"""A Dense layer whose kernel is another layer's variable (a tied output projection, GPT-2's lm_head). This file
is copied as it is into generated Keras code that needs it, and imported by verify: one definition for both."""

import keras


class TiedDense(keras.layers.Layer):
    """Dense(units) whose kernel is `source`'s `variable`, transposed when it is stored (units, features)."""

    def __init__(self, source, variable, units, use_bias=True, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.use_bias = units, use_bias
        self.activation = keras.activations.get(activation)
        self._kernel = lambda: getattr(source, variable)   # a function: Keras does not track it as this layer's

    def build(self, input_shape):
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, x):
        kernel = self._kernel()
        if tuple(kernel.shape)[0] == self.units and tuple(kernel.shape)[-1] != self.units:
            kernel = keras.ops.transpose(kernel)
        y = keras.ops.matmul(x, kernel)
        return self.activation(y + self.bias if self.use_bias else y)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)
