"""Seconds per training step of AE-GAN+r and of each baseline's trainer, side by side in one run, and
what their full-length runs would take on this machine (Table 4's 60 epochs; Defense-GAN's 200k
generator iterations; 10 epochs of PGD adversarial training): for planning the long trainings. Each
trainer in float32 and in mixed_bfloat16 (networks built under that Keras dtype policy), so their
speed-up is measured on the same batches in the same run.

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
    p.add_argument("--precisions", default="float32,mixed_bfloat16",
                   help="comma-separated Keras dtype policies to time side by side (default: both; the speed-up "
                        "float32 / mixed_bfloat16 is reported when both run)")
    args = parse_counts(p, argv)
    names = [n for n in args.trainers.split(",") if n]
    unknown = sorted(set(names) - set(TRAINERS))
    if unknown or not names:
        raise ValueError(f"--trainers takes names from {', '.join(TRAINERS)}, got {args.trainers!r}")
    from tf_aegan.train.jobs import PRECISIONS

    precisions = [q for q in args.precisions.split(",") if q]
    bad = sorted(set(precisions) - set(PRECISIONS))
    if bad or not precisions:
        raise ValueError(f"--precisions takes names from {', '.join(PRECISIONS)}, got {args.precisions!r}")
    from tf_aegan.train.baselines import trainer_timers

    timers = trainer_timers(args.dataset, args.data_dir, args.steps, batch=args.batch, only=names, precisions=precisions)
    medians = interleaved_medians({k: fn for k, (fn, _) in timers.items()}, args.repeats)
    result = {}
    for (name, precision), (_, full) in timers.items():
        per_step = medians[name, precision] / args.steps
        row = result.setdefault(name, {"full_length_steps": full})
        row.setdefault("seconds_per_step", {})[precision] = per_step
        row.setdefault("full_length_hours", {})[precision] = per_step * full / 3600
    for row in result.values():
        if {"float32", "mixed_bfloat16"} <= set(row["seconds_per_step"]):
            row["speedup_bf16"] = row["seconds_per_step"]["float32"] / row["seconds_per_step"]["mixed_bfloat16"]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, r in result.items():
            print(f"{name:<11} " + "; ".join(f"{q} {s:.3f} s/step ({r['full_length_hours'][q]:.1f} h for "
                                             f"{r['full_length_steps']} steps)" for q, s in r["seconds_per_step"].items())
                  + (f"; bfloat16 x{r['speedup_bf16']:.2f}" if "speedup_bf16" in r else ""))
    return result


if __name__ == "__main__":
    main()
