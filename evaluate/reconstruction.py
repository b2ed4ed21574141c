"""Reconstruction error of AE-GAN networks on the same images, each against the first (the defended-classifier
study's check that a fine-tuned decoder still gives images):
`python -m evaluate.reconstruction --folders shipped=DIR,design3=DIR --split val --n 1000`."""

from tf_aegan import cli
from tf_aegan.studies.reconstruction import ReconstructionConfig

D = ReconstructionConfig()


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m evaluate.reconstruction", __doc__)
    cli.add_data_args(p)
    p.add_argument("--folders", required=True,
                   help="comma-separated NAME=FOLDER pairs (folders with encoder.keras and decoder.keras); the first "
                        "is the reference")
    p.add_argument("--split", default=D.split, choices=("val", "test"), help="the images compared on")
    p.add_argument("--n", type=int, default=D.n, help="the first n images of the split")
    p.add_argument("--max-ratio", type=float, default=D.max_ratio,
                   help="a network passes when its mean error is at most this times the reference's")
    p.add_argument("--out", default=D.out, help="folder for reconstruction_<dataset>.json and .md")
    args = p.parse_args(argv)
    config = ReconstructionConfig(folders=tuple(f for f in args.folders.split(",") if f.strip()), dataset=args.dataset,
                                  data_dir=args.data_dir, split=args.split, n=args.n, max_ratio=args.max_ratio,
                                  out=args.out)
    from tf_aegan.studies.reconstruction import markdown, run_reconstruction

    result = run_reconstruction(config, progress=lambda s: print(s, flush=True))
    print(markdown(result))
    return result


if __name__ == "__main__":
    main()
