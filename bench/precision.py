"""AE-GAN+r training step time in float32 against mixed_bfloat16, side by side in one run.

Both models are built from the same weights; their `train_step`s (Keras' compiled train function)
on the same real batches are timed round-robin. Reports seconds per step and the speed-up
(float32 / mixed_bfloat16); > 1 means bfloat16 is faster (CPUs with AVX512_BF16 or AMX).
"""

import json

from bench.timing import interleaved_medians, parse_counts, training_parser
from tf_aegan import cli


@cli.exits_cleanly
def main(argv=None):
    p = training_parser("python -m bench.precision", __doc__, steps=10, repeats=5)
    p.add_argument("--batch", type=int, default=100, help="batch size (Table 4: 100)")
    args = parse_counts(p, argv)
    from tf_aegan.train.jobs import step_timers

    timers = step_timers(args.dataset, args.data_dir, args.batch, args.steps)
    seconds = {k: v / args.steps for k, v in interleaved_medians(timers, args.repeats).items()}
    result = {"seconds_per_step": seconds, "speedup_bf16": seconds["float32"] / seconds["mixed_bfloat16"],
              "batch": args.batch, "steps_per_call": args.steps, "repeats": args.repeats}
    print(json.dumps(result, indent=2) if args.json else
          f"float32 {seconds['float32']:.3f} s/step, mixed_bfloat16 {seconds['mixed_bfloat16']:.3f} s/step: "
          f"x{result['speedup_bf16']:.2f}")
    return result


if __name__ == "__main__":
    main()
