"""Write the defended classifier as a SavedModel that TF-Serving can serve: DIR/<version>/.

Signatures (float32 images [batch, H, W, C] in [0, 1]): serving_default -> probabilities, classes,
flagged, reconstruction_error; purify -> images, flagged, reconstruction_error. Only the images the
detector flags run the latent search, inside the graph.
"""

import json
import os

from tf_aegan import cli


@cli.exits_cleanly
def main(argv=None):
    from tf_aegan import defaults as S

    p = cli.parser("python -m export.savedmodel", __doc__)
    p.add_argument("--out", required=True, help="model base path; the model goes to OUT/<version>/")
    p.add_argument("--version", type=int, default=1, help="model version (TF-Serving's subfolder)")
    cli.add_data_args(p)
    cli.add_networks_args(p)
    p.add_argument("--threshold", type=float, default=None,
                   help="detector threshold (default: set on 2000 clean validation images for --fpr)")
    p.add_argument("--fpr", type=float, default=0.05, help="false-positive rate on clean validation images")
    p.add_argument("--detector-metric", default="mse", choices=("mse", "l1"), help="reconstruction error of the detector")
    p.add_argument("--steps", type=int, default=S.SEARCH_STEPS, help="search steps L")
    p.add_argument("--step-size", type=float, default=S.SEARCH_STEP_SIZE, help="initial step size")
    p.add_argument("--factor", type=float, default=S.SEARCH_FACTOR, help="step-size factor every --period steps")
    p.add_argument("--period", type=int, default=S.SEARCH_PERIOD, help="steps between step-size changes")
    args = p.parse_args(argv)
    if args.version < 1:
        raise ValueError(f"--version must be a positive integer, got {args.version}")
    target = os.path.join(args.out, str(args.version))
    if os.path.exists(target):
        raise ValueError(f"{target} exists; choose another --version or remove it")
    from tf_aegan import store
    from tf_aegan.purify import LatentSearchPurifier
    from tf_aegan.serving import DefendedClassifier

    workdir = cli.default_workdir(args, shipped=True)
    classifier = store.load_classifier(workdir, "A", args.dataset)
    encoder, decoder = store.load_autoencoder(workdir, args.aegan, args.dataset)
    purifier = LatentSearchPurifier(encoder, decoder, mode="gated", steps=args.steps, step_size=args.step_size,
                                    factor=args.factor, period=args.period, detector_metric=args.detector_metric,
                                    threshold=args.threshold)
    if args.threshold is None:  # the data set is needed only to set the threshold
        from tf_aegan.data import load_dataset

        data = load_dataset(args.dataset, args.data_dir)
        val = data.arrays("val", min(2000, data.split("val").size))[0]
        purifier.detector.fit_threshold(val, args.fpr)
    module = DefendedClassifier(classifier, purifier, info={
        "dataset": args.dataset, "workdir": os.path.abspath(workdir),
        "threshold_fpr": None if args.threshold is not None else args.fpr})
    module.save(target)
    print(f"wrote {target} (signatures serving_default, purify); settings:")
    print(json.dumps(module.settings, indent=2))
    return target


if __name__ == "__main__":
    main()
