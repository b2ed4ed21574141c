"""Shared pieces of the command-line tools: common options and turning ValueErrors into clean exits."""

import argparse
import functools
import os
import sys

from tf_aegan import checks
from tf_aegan.defaults import DATA_ENV_VAR as ENV_VAR
from tf_aegan.defaults import DATASETS

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


def read_json_object(path, name="", holds="a JSON object"):
    """The JSON object in file `path`; a ValueError names what is wrong (`name`: what the file is, e.g.
    "the config ", in the message)."""
    import json

    try:
        with open(path) as f:
            values = json.load(f)
    except OSError as e:
        raise ValueError(f"cannot read {name}{path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path} is not valid JSON: {e}") from None
    if not isinstance(values, dict):
        raise ValueError(f"{path} must hold {holds}, got {type(values).__name__}")
    return values


def load_config(path):
    """The options of a config file (configs/...): a JSON object of option names (dashes or
    underscores) to values; keys starting with "_" are comments. A ValueError names what is wrong."""
    values = read_json_object(path, "the config ", "a JSON object of options")
    return {k.replace("-", "_"): v for k, v in values.items() if not k.startswith("_")}


def config_hash(path):
    """The first 12 hex digits of a config file's SHA-256: what a manifest records beside its path."""
    import hashlib

    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]


RECIPE_ENV = "TF_AEGAN_RECIPE"


def _portable(path):
    """`path` relative to the repository when inside it (a recipe found again on a fresh clone)."""
    full = os.path.abspath(path)
    return os.path.relpath(full, REPO_ROOT) if full.startswith(REPO_ROOT + os.sep) else path


class ConfigArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser with --config FILE: the file's values become the defaults and any flag on the
    command line overrides them (flax's one-config-per-experiment, with flags for single values)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_argument("--config", default=None, metavar="FILE.json",
                          help="options from a JSON file (configs/...); flags given here override its values")

    def parse_known_args(self, args=None, namespace=None):
        args = list(sys.argv[1:] if args is None else args)
        path = None
        for i, a in enumerate(args):
            if a == "--config" and i + 1 < len(args):
                path = args[i + 1]
            elif a.startswith("--config="):
                path = a.split("=", 1)[1]
        os.environ.pop(RECIPE_ENV, None)
        if path:
            try:
                values = load_config(path)
            except ValueError as e:
                self.error(str(e))
            actions = {a.dest: a for a in self._actions}
            unknown = sorted(k for k in values if k not in actions or k in ("config", "help"))
            if unknown:
                self.error(f"{path}: unknown option(s) {', '.join('--' + k.replace('_', '-') for k in unknown)}")
            defaults = {}
            for k, v in values.items():
                action = actions[k]
                many = isinstance(action, argparse._AppendAction) or action.nargs in ("*", "+")
                if isinstance(v, list) and not many:
                    v = ",".join(map(str, v))  # comma-separated options ("--eps 0.1,0.3")
                if isinstance(v, str) and action.type is not None and not many:
                    try:
                        v = action.type(v)
                    except (TypeError, ValueError):
                        self.error(f"{path}: --{k.replace('_', '-')} takes {action.type.__name__}, got {v!r}")
                if action.choices is not None and v not in action.choices:
                    self.error(f"{path}: --{k.replace('_', '-')} must be one of {', '.join(map(str, action.choices))}, "
                               f"got {v!r}")
                defaults[k] = v
            for action in self._actions:  # what the file gives is no longer required on the command line
                if action.dest in defaults:
                    action.required = False
                    if not action.option_strings:  # a positional list
                        action.nargs = "*"
            self.set_defaults(**defaults)
            # what a training run records in its config.json (and a manifest beside a shipped network)
            os.environ[RECIPE_ENV] = f"{_portable(path)} {config_hash(path)}"
        parsed, extras = super().parse_known_args(args, namespace)
        if hasattr(parsed, "config"):  # its values are in the options now; commands pass the rest on as keywords
            delattr(parsed, "config")
        return parsed, extras


def parser(prog, description):
    return ConfigArgumentParser(prog=prog, description=description, formatter_class=HelpFormatter)


def add_data_args(p, default_dataset="fashion_mnist"):
    p.add_argument("--dataset", default=default_dataset, choices=DATASETS, help="data set")
    p.add_argument("--data-dir", default=None,
                   help=f"folder with the original files (IDX .gz for MNIST/Fashion-MNIST, the CelebA folder); "
                        f"else ${ENV_VAR}, /usr/share/datasets, then TFDS")


def add_train_args(p):
    p.add_argument("--workdir", default=None, help="work directory (default: workdirs/<dataset>)")
    p.add_argument("--strategy", default="default", choices=("default", "mirrored"),
                   help="'mirrored': tf.distribute.MirroredStrategy over all local GPUs")
    p.add_argument("--logical-cpus", type=int, default=None,
                   help="split the CPU into N logical devices (to try --strategy mirrored without GPUs)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--max-examples", type=int, default=None,
                   help="use only this many training examples per epoch (quick trials)")
    p.add_argument("--verbose", type=int, default=None, choices=(0, 1, 2),
                   help="Keras verbosity (default: progress bar on a terminal, a line per epoch otherwise)")


def add_networks_args(p):
    """--workdir and --aegan for commands that use trained networks."""
    p.add_argument("--workdir", default=None,
                   help="work directory with the trained networks (default: weights/<dataset>, else workdirs/<dataset>)")
    p.add_argument("--aegan", default="aegan", help="folder of the AE-GAN variant: a subfolder of --workdir, or a path")


# Options several commands share, with one help text each: name -> (type, choices, help).
COMMON_OPTIONS = {
    "n": (int, None, "images to evaluate"),
    "labels": (str, ("predicted", "true"),
               "attack labels: A's predictions (CleverHans' y=None, as the paper's code) or the true labels"),
    "fpr": (float, None, "detector false-positive rate on clean validation images (sets its threshold)"),
    "out": (str, None, "folder for the results (JSON, Markdown, figures)"),
}


def add_fields(p, config, **helps):
    """One option per keyword: --field-name with the type and default of that field of the dataclass
    instance `config`, and the keyword's value as help."""
    for name, text in helps.items():
        default = getattr(config, name)
        p.add_argument("--" + name.replace("_", "-"), type=type(default) if default is not None else str,
                       default=default, help=text)


def network_parser(prog, description):
    """A parser with the data-set and trained-network options every evaluation command takes."""
    p = parser(prog, description)
    add_data_args(p)
    add_networks_args(p)
    return p


def add_common(p, config, *names):
    """Add the shared options `names` with their defaults taken from the dataclass instance `config`."""
    for name in names:
        kind, choices, text = COMMON_OPTIONS[name]
        p.add_argument(f"--{name}", type=kind, choices=choices, default=getattr(config, name), help=text)


def to_config(defaults_config, args, **overrides):
    """The dataclass `defaults_config` with every field the parsed `args` also has, then `overrides`."""
    import dataclasses

    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(defaults_config) if hasattr(args, f.name)}
    return dataclasses.replace(defaults_config, **{**given, **overrides})


def numbers(text, option, kind=float):
    """A comma-separated option ("0.1,0.3") as a tuple of `kind`; a ValueError naming --option otherwise."""
    try:
        return tuple(kind(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ValueError(f"--{option} takes comma-separated {kind.__name__}s, got {text!r}") from None


method_folders = checks.method_folders


def exit_if_missing(result, what="method"):
    """Exit 3 (after the result was written) when some requested networks were missing."""
    if result.get("missing"):
        print(f"error: {len(result['missing'])} requested {what}(s) did not run: {', '.join(result['missing'])} "
              "(see above); the result holds the others", file=sys.stderr)
        raise SystemExit(3)
    return result


def run_benchmark(p, argv, measure):
    """Add --fpr and --json, parse, run `measure(args)` and print its figures (as JSON on --json)."""
    from tf_aegan.defaults import DETECTOR_FPR

    p.add_argument("--fpr", type=float, default=DETECTOR_FPR, help=COMMON_OPTIONS["fpr"][2])
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    figures = measure(args)
    if args.json:
        import json

        print(json.dumps(figures, indent=2))
    return figures


def default_workdir(args, shipped=False):
    """--workdir, else the shipped weights/<dataset> (for commands that use trained networks) when it
    exists, else workdirs/<dataset>."""
    if args.workdir:
        return args.workdir
    if shipped:
        from tf_aegan.store import shipped_dir

        if os.path.isdir(shipped_dir(args.dataset)):
            return shipped_dir(args.dataset)
    return os.path.join("workdirs", args.dataset)


def run_resumable(run, config):
    """`run(config, progress=print)`; Ctrl-C says that finished batches are kept and exits 130."""
    try:
        return run(config, progress=lambda s: print(s, flush=True))
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished batches are kept under {config.out}/; run the same command again to "
              "continue from them", file=sys.stderr)
        raise SystemExit(130)


def run_and_report(run, markdown, config):
    """The tail of every resumable study command: run it, print its Markdown table, and exit 3 when a
    requested method or network did not run (`exit_if_missing`); else return the result."""
    result = run_resumable(run, config)
    print(markdown(result))
    return exit_if_missing(result)


def exits_cleanly(main):
    """Print a ValueError or a file-system error (an --out that cannot be written) as one line
    'error: ...' and exit 2, and Ctrl-C as one line and exit 130, instead of a traceback."""

    @functools.wraps(main)
    def wrapper(argv=None):
        try:
            return main(argv)
        except (ValueError, OSError) as e:
            if os.environ.get("TF_AEGAN_TRACEBACK"):
                raise
            if isinstance(e, OSError) and e.filename:
                e = f"cannot use {e.filename}: {e.strerror or e}"
            print(f"error: {e}", file=sys.stderr)
            raise SystemExit(2)
        except KeyboardInterrupt:
            if os.environ.get("TF_AEGAN_TRACEBACK"):
                raise
            print("\ninterrupted: finished epochs and batches are kept (checkpoints, caches); run the same command "
                  "again to resume", file=sys.stderr)
            raise SystemExit(130)

    return wrapper


def run_training(prog, description, options, job, argv=None, unsupported=()):
    """A training command: data options, `options` ((flag, add_argument kwargs) pairs), the training
    options; then `tf_aegan.train.baselines.<job>(dataset, **options)`, its result printed as JSON.

    `unsupported`: training options this job does not take (an error when given)."""
    p = parser(prog, description)
    add_data_args(p)
    for flag, kwargs in options:
        p.add_argument(flag, **kwargs)
    add_train_args(p)
    args = p.parse_args(argv)
    for name in unsupported:
        if getattr(args, name) is not None:
            raise ValueError(f"{prog} does not take --{name.replace('_', '-')} (got {getattr(args, name)})")
    import json

    from tf_aegan.train import baselines

    kwargs = {k: v for k, v in vars(args).items() if k not in ("dataset", *unsupported)}
    kwargs["workdir"] = default_workdir(args)
    result = getattr(baselines, job)(args.dataset, **kwargs)
    print(json.dumps({k: v for k, v in result.items() if k != "history"}))
    return result
