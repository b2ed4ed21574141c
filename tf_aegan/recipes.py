"""Recipes and queues: each run of the project as a config file, and the queue that resumes them.

A recipe (configs/networks/..., configs/experiments/...) is a JSON object of a command's options; its
`_command` names the command ("python -m train.advtrain"), `_done` (optional) a file whose existence
means the run has finished, `_restore` (optional) the files it reads from git history ([commit, path in
the repository, where to write it]: a study that scores a run's earlier states, which its folder has since
moved past), and the other `_` keys are comments (its rule, what it is). A queue
(configs/queues/*.json) lists recipes under "recipes"; `scripts/run.py QUEUE` runs them one after another,
each in its own process with `--config`, so each resumes its own work (a trainer from its checkpoints,
an evaluation from its cached batches). The queue is the one place a fresh clone resumes unfinished
runs from.
"""

import os
import signal
import subprocess
import sys
import time

from tf_aegan import cli


def _read(path):
    return cli.read_json_object(path)


def module_of(path):
    """The module a recipe's `_command` runs ("python -m train.advtrain" -> "train.advtrain")."""
    command = _read(path).get("_command")
    words = command.split() if isinstance(command, str) else []
    if len(words) != 3 or words[:2] != ["python", "-m"]:
        raise ValueError(f"{path}: _command must read 'python -m <module>', got {command!r}")
    return words[2]


REPO_ROOT = cli.REPO_ROOT


def read_recipe(path, root=REPO_ROOT):
    """The JSON object of the recipe at `path` (relative to `root`), or None where there is none to read."""
    try:
        return _read(os.path.join(root, path))
    except ValueError:
        return None


def stage_before(path, root=REPO_ROOT):
    """[module, recipe] of the stage the recipe at `path` (relative to `root`) starts from, or None: its
    "_after", else the recipe of the same folder whose `_done` file lies where its `init_from` network does."""
    import glob

    recipe = read_recipe(path, root) or {}
    if recipe.get("_after"):
        return recipe["_after"]
    start = recipe.get("init_from")
    if not start:
        return None
    start = os.path.normpath(start if os.path.isdir(os.path.join(root, start)) else os.path.dirname(start))
    for other in sorted(glob.glob(os.path.join(root, os.path.dirname(path), "*.json"))):
        candidate = read_recipe(os.path.relpath(other, root), root) or {}
        done, command = candidate.get("_done"), candidate.get("_command", "")
        if done and command.startswith("python -m ") and os.path.normpath(os.path.dirname(done)) == start:
            return [command.split()[-1], os.path.relpath(other, root)]
    return None


def stages(path, root=REPO_ROOT):
    """[(module, recipe)] from the first stage (from scratch) to the recipe at `path` itself (module None)."""
    out, seen = [(None, path)], {path}
    while True:
        before = stage_before(out[0][1], root)
        if not before or before[1] in seen:
            return out
        seen.add(before[1])
        out.insert(0, tuple(before))


def done_file(path):
    """The file whose existence means the recipe's run has finished (`_done`), or None."""
    return _read(path).get("_done")


def needs_file(path):
    """The file a recipe waits for (`_needs`, e.g. the `_done` file of the training whose network it
    scores), or None: until it exists, a queue passes the recipe by."""
    return _read(path).get("_needs")


def restores(path):
    """The `_restore` entries of a recipe: [(commit, repository path, destination)], checked."""
    entries = _read(path).get("_restore", [])
    if not isinstance(entries, list) or not all(isinstance(e, list) and len(e) == 3 and all(isinstance(v, str) for v in e)
                                                for e in entries):
        raise ValueError(f"{path}: _restore must be a list of [commit, path, destination]")
    return [tuple(e) for e in entries]


def restore(path, log):
    """Write each `_restore` file of a recipe from git history where it is missing (`git show`)."""
    for commit, source, destination in restores(path):
        if os.path.exists(destination):
            continue
        os.makedirs(os.path.dirname(destination) or ".", exist_ok=True)
        partial = destination + ".partial"
        with open(partial, "wb") as f:
            proc = subprocess.run(["git", "show", f"{commit}:{source}"], stdout=f, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            os.remove(partial)
            raise ValueError(f"{path}: cannot restore {commit}:{source} ({proc.stderr.decode().strip()})")
        os.replace(partial, destination)
        log(f"   restored {destination} from {commit}:{source}")


def steps(path):
    """The recipes a queue file or a recipe names: [path] for a recipe, its "recipes" for a queue."""
    value = _read(path)
    if "_command" in value or "recipes" not in value:
        module_of(path)  # a recipe: check it names a command and what it restores
        restores(path)
        return [path]
    listed = value["recipes"]
    if not isinstance(listed, list) or not all(isinstance(s, str) for s in listed):
        raise ValueError(f"{path}: recipes must be a list of recipe paths")
    for step in listed:
        module_of(step)
        restores(step)
    return listed


def command(path):
    """The argv that runs a recipe: its module with `--config path`, in this Python."""
    return [sys.executable, "-m", module_of(path), "--config", path]


def run(paths, dry_run=False, log=None):
    """Run the recipes of `paths` (queues or recipes) in order, each in its own process; a finished one
    (its `_done` file exists) is skipped, one whose `_needs` file is missing is passed by, a failed one
    is reported and the queue goes on. Before each step the queues are read again and the first recipe not yet
    handled whose `_needs` file is there runs: an edit to a running queue (a recipe added, moved or dropped)
    takes effect at its next step, and a recipe passed by runs once what it waits for appears (a training
    finished by the other queue); each recipe runs at most once. Returns [(recipe, status, seconds)] with
    status "done", "skipped", "waiting" (still waiting at the end), "failed (exit N)" or "planned"."""
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    out, handled, listed, waiting = [], set(), None, set()
    while True:
        try:
            listed = list(dict.fromkeys(r for p in paths for r in steps(p)))
        except ValueError as e:  # a queue being edited right now: go on with the list read last
            if listed is None:
                raise
            log(f"== a queue could not be read again ({e}); going on with the list read before")
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        recipe = None
        for r in (r for r in listed if r not in handled):
            done, needs = done_file(r), needs_file(r)
            if (done and os.path.exists(done)) or not needs or os.path.exists(needs):
                recipe = r
                break
            if r not in waiting:
                log(f"== {stamp} {r}: waits for {needs}, not there yet: passed by")
                waiting.add(r)
        if recipe is None:
            return out + [(r, "waiting", 0.0) for r in listed if r in waiting and r not in handled]
        handled.add(recipe)
        done = done_file(recipe)
        if done and os.path.exists(done):
            log(f"== {stamp} {recipe}: finished ({done}), skipped")
            out.append((recipe, "skipped", 0.0))
            continue
        argv = command(recipe)
        log(f"== {stamp} {recipe}: {' '.join(['python'] + argv[1:])}")
        if dry_run:
            for commit, source, destination in restores(recipe):
                log(f"   restores {destination} from {commit}:{source}")
            out.append((recipe, "planned", 0.0))
            continue
        start = time.time()
        restore(recipe, log)
        # Ctrl-C reaches the step even where the queue runs in the background (`nohup ... &` ignores SIGINT)
        child = subprocess.Popen(argv, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        try:
            rc = child.wait()
        except KeyboardInterrupt:  # Ctrl-C (or SIGTERM, scripts/run.py): the step keeps its work, then stop
            child.send_signal(signal.SIGINT)
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:  # finished epochs and batches are on disk already
                child.terminate()
                child.wait()
            raise
        if rc == 130 or rc == -2:  # the step was interrupted: stop the queue too
            raise KeyboardInterrupt
        status = "done" if rc == 0 else f"failed (exit {rc})"
        if rc != 0:
            log(f"== {recipe}: {status}; the queue goes on")
        out.append((recipe, status, round(time.time() - start, 1)))
