"""Seconds per training step of AE-GAN+r and of each baseline's trainer, side by side in one run, and
what their full-length runs would take on this machine (Table 4's 60 epochs; Defense-GAN's 200k
generator iterations; 10 epochs of PGD adversarial training): for planning the long trainings.

Each trainer's Keras train function runs `--steps` steps on real batches at its default batch size,
timed round-robin (`--repeats` rounds, median).
"""

import json

from bench.timing import interleaved_medians, parse_counts, training_parser
from tf_aegan import cli

TRAINERS = ("aegan", "magnet", "bigan", "defensegan", "advtrain")

@cli.exits_cleanly
def main(argv=None):
    p = training_parser("python -m bench.training", __doc__, steps=5, repeats=3)
    p.add_argument("--batch", type=int, default=None, help="one batch size for all (default: each trainer's own)")
    p.add_argument("--trainers", default=",".join(TRAINERS), help="comma-separated: which of " + ", ".join(TRAINERS))
    args = parse_counts(p, argv)
    names = [n for n in args.trainers.split(",") if n]
    unknown = sorted(set(names) - set(TRAINERS))
    if unknown or not names:
        raise ValueError(f"--trainers takes names from {', '.join(TRAINERS)}, got {args.trainers!r}")
    from tf_aegan.train.baselines import trainer_timers

    timers = trainer_timers(args.dataset, args.data_dir, args.steps, batch=args.batch, only=names)
    medians = interleaved_medians({k: fn for k, (fn, _) in timers.items()}, args.repeats)
    result = {name: {"seconds_per_step": medians[name] / args.steps, "full_length_steps": full,
                     "full_length_hours": medians[name] / args.steps * full / 3600}
              for name, (_, full) in timers.items()}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, r in result.items():
            print(f"{name:<11} {r['seconds_per_step']:.3f} s/step; full length ({r['full_length_steps']} steps): "
                  f"{r['full_length_hours']:.1f} h")
    return result


if __name__ == "__main__":
    main()
