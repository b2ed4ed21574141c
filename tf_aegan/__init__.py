"""tf-aegan: AE-GAN+rs purification of adversarial images, and honest evaluation of such defenses."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter out of CLI output

__version__ = "0.1.0"
