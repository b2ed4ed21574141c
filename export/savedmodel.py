"""Write the defended classifier as a SavedModel that TF-Serving can serve: DIR/<version>/.

Signatures (float32 images [batch, H, W, C] in [0, 1]): serving_default -> probabilities, classes,
flagged, reconstruction_error; purify -> images, flagged, reconstruction_error. Only the images the
detector flags run the latent search, inside the graph. `--front detect` serves the classifier on the
images themselves with the detector's verdict beside (an adversarially trained classifier, deployed as
measured best). Beside the model: warmup requests
(assets.extra/tf_serving_warmup_requests) and DIR/batching_parameters.txt for --enable_batching.
"""

import json

from tf_aegan import cli, defaults


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m export.savedmodel", __doc__)
    p.add_argument("--out", required=True, help="model base path; the model goes to OUT/<version>/")
    p.add_argument("--version", type=int, default=1, help="model version (TF-Serving's subfolder)")
    cli.add_data_args(p)
    cli.add_networks_args(p)
    p.add_argument("--classifier", default=None, metavar="FILE.keras",
                   help="the classifier behind the purifier instead of the work directory's A: a defended classifier, "
                        "e.g. study/baselines/fashion_mnist/classifier_A_advtr_eps0.1/classifier.keras")
    p.add_argument("--front", default="gated", choices=("gated", "detect"),
                   help="gated: classify the detector-gated purification (the paper's defense); detect: classify the "
                        "images themselves (e.g. an adversarially trained --classifier, what measured most robust), "
                        "the detector's flag and reconstruction error beside as advice")
    p.add_argument("--threshold", type=float, default=None,
                   help="detector threshold (default: set on 2000 clean validation images for --fpr)")
    p.add_argument("--fpr", type=float, default=0.05, help="false-positive rate on clean validation images")
    p.add_argument("--detector-metric", default="mse", choices=("mse", "l1"), help="reconstruction error of the detector")
    chosen = "the AE-GAN folder's search.json, else"
    p.add_argument("--steps", type=int, default=None, help=f"search steps L ({chosen} {defaults.SEARCH_STEPS})")
    p.add_argument("--step-size", type=float, default=None,
                   help=f"initial step size ({chosen} {defaults.SEARCH_STEP_SIZE})")
    p.add_argument("--factor", type=float, default=None,
                   help=f"step-size factor every --period steps ({chosen} {defaults.SEARCH_FACTOR})")
    p.add_argument("--period", type=int, default=None,
                   help=f"steps between step-size changes ({chosen} {defaults.SEARCH_PERIOD})")
    args = p.parse_args(argv)
    from tf_aegan.serving import ExportConfig, export_defended

    config = ExportConfig(out=args.out, version=args.version, dataset=args.dataset, data_dir=args.data_dir,
                          workdir=cli.default_workdir(args, shipped=True), aegan=args.aegan, classifier=args.classifier,
                          front=args.front,
                          threshold=args.threshold,
                          fpr=args.fpr, detector_metric=args.detector_metric, steps=args.steps,
                          step_size=args.step_size, factor=args.factor, period=args.period)
    target, settings = export_defended(config)
    print(f"wrote {target} (signatures serving_default, purify; warmup requests), and batching parameters "
          f"beside it; settings:")
    print(json.dumps(settings, indent=2))
    return target


if __name__ == "__main__":
    main()
