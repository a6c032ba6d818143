"""p3: contrastive embedding fine-tuning, as a literate book."""

__version__ = "0.1.0"
