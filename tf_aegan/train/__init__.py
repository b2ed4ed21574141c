"""Training: the AE-GAN model (Algorithm 1), and resumable `fit` runs in a work directory."""
