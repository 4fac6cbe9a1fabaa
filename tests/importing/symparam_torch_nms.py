"""A module that fails to import with torchvision's missing-operator error, though not from torchvision: symparam
defines the operator schemas and retries once, and then reports the same error (never masks it)."""

raise RuntimeError("operator torchvision::nms does not exist")
