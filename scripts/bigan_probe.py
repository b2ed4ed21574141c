"""Why BiGAN collapses (issue 10): train short BiGAN runs that differ in one setting each, on the real
training set, and report how varied the samples G(z) are every `--every` steps.

`python scripts/bigan_probe.py --steps 400 --variants shipped,beta2,bn_d`; variants:
shipped (Adam 1e-4, beta_1 0.5, beta_2 0.999, no BatchNorm in D: the committed run), beta2 (ALI's
beta_2 = 1e-3), bn_d (BatchNorm in D's image path, as Table 6's discriminator), lr2 (2e-4 for both, as
the BiGAN paper). Diversity: the per-pixel standard deviation across 256 samples, averaged over pixels
(Fashion-MNIST's own images: about 0.3; the collapsed run: 0.027), and how many of the 10 classes A
gives the samples. Prints one line per check and writes a JSON to --out.
`--diagnose study/baselines/fashion_mnist/bigan`: does a trained joint D look at the code at all?
"""

import argparse
import json
import os
import time

import keras
import numpy as np

from tf_aegan import store
from tf_aegan.data import load_dataset
from tf_aegan.train.baselines import build_bigan
from tf_aegan.train.jobs import batches

VARIANTS = {
    "shipped": dict(lr=1e-4, beta_2=0.999, bn_d=False),
    "beta2": dict(lr=1e-4, beta_2=1e-3, bn_d=False),
    "bn_d": dict(lr=1e-4, beta_2=0.999, bn_d=True),
    "lr2": dict(lr=2e-4, beta_2=0.999, bn_d=False),
}


def diversity(generator, classifier, z):
    images = generator.predict(z, verbose=0)
    classes = np.argmax(classifier.predict(images, verbose=0), axis=1)
    return float(images.std(axis=0).mean()), int(len(np.unique(classes)))


def probe(name, steps, every, data, classifier, seed=0):
    keras.utils.set_random_seed(seed)
    v = VARIANTS[name]
    model = build_bigan(data.image_shape, lr=v["lr"], beta_2=v["beta_2"], discriminator_batchnorm=v["bn_d"], seed=seed)
    gen = model.generator
    z = np.random.default_rng(1).uniform(-1, 1, (256, 128)).astype(np.float32)
    ds = batches(data, "train", 100, None, True).repeat()
    out, t = [], time.time()
    for done in range(every, steps + 1, every):
        logs = model.fit(ds, steps_per_epoch=every, epochs=1, verbose=0).history
        std, n_classes = diversity(gen, classifier, z)
        row = {"step": done, "sample_std": std, "classes": n_classes, "d_loss": logs["d_loss"][-1],
               "eg_loss": logs["eg_loss"][-1], "seconds": round(time.time() - t, 1)}
        print(name, json.dumps(row), flush=True)
        out.append(row)
    return out


def diagnose(folder, data, n=200, seed=0):
    """Whether a trained joint D looks at the code: its mean D(x, E(x)), D(x, z), D(G(z), z) and
    D(G(z), E(x)) on `n` validation images and prior samples (E, G in training mode, as D saw them)."""
    import tensorflow as tf

    load = lambda name: store.load_keras(os.path.join(folder, name), name)  # noqa: E731
    enc, gen, disc = load("encoder.keras"), load("decoder.keras"), load("discriminator.keras")
    x = tf.constant(data.arrays("val", n)[0])
    z = tf.constant(np.random.default_rng(seed).uniform(-1, 1, (n, enc.output_shape[-1])).astype(np.float32))
    ex, gz = enc(x, training=True), gen(z, training=True)
    mean = lambda a, b: float(tf.reduce_mean(tf.sigmoid(disc([a, b], training=False))))  # noqa: E731
    return {"D(x,E(x))": mean(x, ex), "D(x,z)": mean(x, z), "D(G(z),z)": mean(gz, z), "D(G(z),E(x))": mean(gz, ex)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--every", type=int, default=100)
    p.add_argument("--variants", default="shipped,beta2,bn_d")
    p.add_argument("--out", default="results/fashion_mnist/bigan_collapse/bigan_probe.json")
    p.add_argument("--diagnose", metavar="RUN_FOLDER", default=None,
                   help="instead: print a trained BiGAN's mean D outputs on real/fake images with real/fake codes")
    args = p.parse_args(argv)
    data = load_dataset("fashion_mnist")
    if args.diagnose:
        print(json.dumps(diagnose(args.diagnose, data)))
        return
    classifier = store.load_classifier("weights/fashion_mnist", "A", "fashion_mnist")
    real = data.arrays("val", 256)[0]
    print("real images", json.dumps({"sample_std": float(real.std(axis=0).mean())}), flush=True)
    result = {}
    for name in args.variants.split(","):
        result[name] = probe(name, args.steps, args.every, data, classifier)
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump({"settings": vars(args), "variants": {k: VARIANTS[k] for k in result}, "runs": result}, f, indent=1)


if __name__ == "__main__":
    main()
