"""Train classifier A, B or C (Table 5) with Table 7's settings: `python -m train.classifier --arch A`."""

import json

from tf_aegan import cli, defaults
from tf_aegan.defaults import CLASSIFIER_DROPOUTS as DROPOUTS
from tf_aegan.defaults import CLASSIFIER_INITS as INITS


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m train.classifier", __doc__)
    cli.add_data_args(p)
    p.add_argument("--arch", default="A", choices=("A", "B", "C"), help="architecture of Table 5")
    p.add_argument("--epochs", type=int, default=defaults.CLASSIFIER_EPOCHS, help="epochs (Table 7)")
    p.add_argument("--batch-size", type=int, default=defaults.CLASSIFIER_BATCH, help="batch size (Table 7)")
    p.add_argument("--lr", type=float, default=defaults.CLASSIFIER_LR, help="Adam learning rate (Table 7)")
    p.add_argument("--init", default=defaults.CLASSIFIER_INIT, choices=INITS,
                   help="weight init: Keras' glorot, or unit_norm as Defense-GAN's CleverHans layers")
    p.add_argument("--dropout", default=defaults.CLASSIFIER_DROPOUT, choices=DROPOUTS,
                   help="read Table 5's Dropout(p) as the rate dropped (Keras) or, as Defense-GAN's TF1 "
                        "tf.nn.dropout(x, p), the probability kept")
    cli.add_train_args(p)
    args = p.parse_args(argv)
    from tf_aegan.train.jobs import train_classifier

    result = train_classifier(args.dataset, args.arch, cli.default_workdir(args), args.data_dir, args.epochs,
                              args.batch_size, args.lr, args.strategy, args.logical_cpus, args.seed,
                              args.max_examples, args.verbose, args.init, args.dropout)
    lo, hi = result["ci95"]
    print(f"classifier {args.arch} on {args.dataset}: test accuracy {result['test_accuracy']:.4f} "
          f"(95% CI {lo:.4f}-{hi:.4f}, n={result['n']}), the best validation epoch "
          f"({result['best_val_epoch']}) of {result['epochs']}")
    print(json.dumps({k: v for k, v in result.items() if k != "history"}))
    return result


if __name__ == "__main__":
    main()
