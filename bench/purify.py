"""Purification speed, side by side in one run on the same machine, batch and decoder.

Images per second of AE-GAN+rs (L = 15), Defense-GAN's projection (L = 200, R = 10), reconstruction
only and the gated purifier on clean test images; and the search's efficiency: the time of L bare
decoder forward+backward steps (separate calls) over the time of the L-step search.
"""


from bench.timing import interleaved_medians, median_time
from tf_aegan import cli


@cli.exits_cleanly
def main(argv=None):
    p = cli.network_parser("python -m bench.purify", __doc__)
    p.add_argument("--batch", type=int, default=100, help="images per batch")
    p.add_argument("--repeats", type=int, default=7, help="timed rounds (median; round-robin) of the fast purifiers")
    p.add_argument("--dgan-repeats", type=int, default=1, help="timed repeats of Defense-GAN (slow)")
    p.add_argument("--steps", type=int, default=15, help="search steps L of AE-GAN+rs")
    p.add_argument("--dgan-steps", type=int, default=200, help="Defense-GAN steps L")
    p.add_argument("--dgan-restarts", type=int, default=10, help="Defense-GAN restarts R")
    return cli.run_benchmark(p, argv, measure)


def measure(args):
    """The timings behind the figures; `args` holds the command's options."""
    import tensorflow as tf

    from tf_aegan import store
    from tf_aegan.data import load_dataset
    from tf_aegan.purify import DefenseGANPurifier, LatentSearchPurifier, fitted_gated_purifier
    from tf_aegan.purify.search import per_example_error

    encoder, decoder = store.load_autoencoder(cli.default_workdir(args, shipped=True), args.aegan, args.dataset)
    data = load_dataset(args.dataset, args.data_dir)
    x = tf.constant(data.arrays("test", args.batch)[0])
    ours = LatentSearchPurifier(encoder, decoder, mode="search", steps=args.steps)
    rec = LatentSearchPurifier(encoder, decoder, mode="reconstruct")
    gated = fitted_gated_purifier(encoder, decoder, data, args.fpr, steps=args.steps)
    threshold = gated.threshold
    dgan = DefenseGANPurifier(decoder, steps=args.dgan_steps, restarts=args.dgan_restarts, prior="uniform")

    spec_z = tf.TensorSpec([None, int(decoder.input_shape[-1])], tf.float32)
    spec_x = tf.TensorSpec([None, *x.shape[1:]], tf.float32)

    @tf.function(input_signature=[spec_z, spec_x])
    def bare_step(z, images):
        with tf.GradientTape() as tape:
            tape.watch(z)
            loss = tf.reduce_sum(per_example_error(decoder(z, training=False), images))
        return tape.gradient(loss, z)

    z0 = encoder(x, training=False)

    def bare():
        z = z0
        for _ in range(args.steps):
            z = z - bare_step(z, x)
        return z.numpy()

    t = interleaved_medians({
        "ours": lambda: ours.purify(x).images.numpy(),
        "reconstruct": lambda: rec.purify(x).images.numpy(),
        "gated": lambda: gated.purify(x).images.numpy(),
        "bare": bare,
    }, args.repeats)
    flagged = int(gated.purify(x).flags.numpy().sum())
    print(f"timing Defense-GAN (L={args.dgan_steps}, R={args.dgan_restarts}) on {args.batch} images ...", flush=True)
    t["defensegan"] = median_time(lambda: dgan.purify(x).images.numpy(), args.dgan_repeats)
    n = args.batch
    figures = {
        "ours_images_per_s": n / t["ours"],
        "defensegan_images_per_s": n / t["defensegan"],
        "reconstruct_images_per_s": n / t["reconstruct"],
        "gated_clean_images_per_s": n / t["gated"],
        "defensegan_over_ours": t["defensegan"] / t["ours"],
        "search_efficiency": t["bare"] / t["ours"],
        "gated_clean_speedup": t["ours"] / t["gated"],
        "gated_flagged_clean": flagged,
        "threshold": threshold,
        "batch": n, "steps": args.steps, "dgan_steps": args.dgan_steps, "dgan_restarts": args.dgan_restarts,
        "seconds": t,
    }
    rows = [("AE-GAN+rs (search, L=%d)" % args.steps, t["ours"]), ("reconstruction only, G(F(x))", t["reconstruct"]),
            ("gated, clean test images", t["gated"]), ("%d bare decoder fwd+bwd steps" % args.steps, t["bare"]),
            ("Defense-GAN (L=%d, R=%d)" % (args.dgan_steps, args.dgan_restarts), t["defensegan"])]
    print(f"\nbatch of {n} {args.dataset} test images, median of {args.repeats} round-robin runs "
          f"(Defense-GAN: {args.dgan_repeats})")
    print(f"{'purifier':<36} {'s/batch':>9} {'images/s':>10}")
    for name, sec in rows:
        print(f"{name:<36} {sec:>9.4f} {n / sec:>10.1f}")
    print(f"\nDefense-GAN time / ours:        {figures['defensegan_over_ours']:.1f}x")
    print(f"search efficiency (bare/search): {figures['search_efficiency']:.3f}")
    print(f"gated speed-up on clean images:  {figures['gated_clean_speedup']:.1f}x "
          f"({flagged}/{n} flagged at {args.fpr:.0%} validation FPR)")
    return figures


if __name__ == "__main__":
    main()
