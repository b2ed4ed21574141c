"""Recipes and queues (tf_aegan.recipes, scripts/run.py): each run as a config, a queue resuming them."""

import json
import os
import subprocess
import sys

import pytest

from tf_aegan import recipes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write(path, value):
    path.write_text(json.dumps(value))
    return str(path)


def test_a_queue_runs_its_recipes_in_order_skips_finished_ones_and_goes_on_after_a_failure(tmp_path):
    done = tmp_path / "done.json"
    done.write_text("{}")
    out = tmp_path / "table1"
    ok = write(tmp_path / "ok.json", {"_command": "python -m evaluate.table1", "out": str(out),
                                      "results": [os.path.join(ROOT, "results", "fashion_mnist", "table1", "columns",
                                                               "magnet", "table_fgsm_fashion_mnist.json")]})
    finished = write(tmp_path / "finished.json", {"_command": "python -m evaluate.table1", "_done": str(done)})
    broken = write(tmp_path / "broken.json", {"_command": "python -m evaluate.table1", "results": ["/no/such.json"],
                                              "out": str(tmp_path)})
    waiting = write(tmp_path / "waiting.json", {"_command": "python -m evaluate.table1", "_needs": str(tmp_path / "trained")})
    queue = write(tmp_path / "queue.json", {"_what": "a test", "recipes": [finished, waiting, broken, ok]})
    lines = []
    result = recipes.run([queue], log=lines.append)
    assert [(r, s) for r, s, _ in result] == [(finished, "skipped"), (broken, "failed (exit 2)"), (ok, "done"),
                                              (waiting, "waiting")]
    assert any("waits for" in line and "not there yet" in line for line in lines)
    assert (out / "table1_fashion_mnist.json").exists()  # the positional list came from the recipe
    assert any("skipped" in line for line in lines) and any("the queue goes on" in line for line in lines)
    planned = recipes.run([ok], dry_run=True, log=lines.append)
    assert planned == [(ok, "planned", 0.0)] and lines[-1].endswith(f"python -m evaluate.table1 --config {ok}")


def test_a_running_queue_picks_up_an_edit_at_its_next_step(tmp_path):
    """Recipes added to (or dropped from) a queue while it runs take effect at its next step; none runs twice."""
    done = tmp_path / "done.json"
    done.write_text("{}")
    first, second, dropped = (write(tmp_path / f"{n}.json", {"_command": "python -m evaluate.table1", "_done": str(done)})
                              for n in ("first", "second", "dropped"))
    queue = tmp_path / "queue.json"
    write(queue, {"recipes": [first, dropped]})
    lines = []

    def log(line):  # the queue is edited while its first step runs
        lines.append(line)
        if len(lines) == 1:
            write(queue, {"recipes": [first, second, first]})

    result = recipes.run([str(queue)], log=log)
    assert [r for r, _, _ in result] == [first, second]
    # a recipe passed by runs once what it waits for appears (here: made by the step before it)
    later = write(tmp_path / "later.json", {"_command": "python -m evaluate.table1", "_needs": str(tmp_path / "trained"),
                                            "_done": str(tmp_path / "later_done")})
    maker = tmp_path / "maker.json"
    write(maker, {"_command": "python -m evaluate.table1", "_done": str(tmp_path / "trained")})
    write(queue, {"recipes": [later, str(maker)]})
    lines.clear()

    def make(line):
        lines.append(line)
        if str(maker) in line:
            (tmp_path / "trained").write_text("{}")

    result = recipes.run([str(queue)], log=make)
    assert [r for r, _, _ in result] == [str(maker), later] and "waits for" in lines[0]
    queue.write_text("{not json")
    with pytest.raises(ValueError):
        recipes.run([str(queue)], log=lines.append)


@pytest.mark.parametrize("value, said", [
    ({"_command": "bash scripts/x.sh"}, "must read 'python -m <module>'"),
    ({"out": "x"}, "must read 'python -m <module>'"),
    ({"recipes": "configs/x.json"}, "recipes must be a list"),
    ([1, 2], "must hold a JSON object"),
])
def test_a_bad_recipe_or_queue_is_named(tmp_path, value, said):
    with pytest.raises(ValueError, match=said):
        recipes.steps(write(tmp_path / "bad.json", value))


def test_the_runner_command_says_what_is_wrong_in_one_line(tmp_path):
    run = [sys.executable, os.path.join(ROOT, "scripts", "run.py")]
    proc = subprocess.run(run + [str(tmp_path / "missing.json")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and proc.stderr.strip().splitlines() == [
        f"error: cannot read {tmp_path / 'missing.json'}: No such file or directory"]
    proc = subprocess.run(run + ["--dry-run", "configs/queues/fashion_mnist.json"], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 0 and "advtr_eps0.1.json: finished" in proc.stderr


def test_the_queues_name_only_recipes_that_exist():
    for queue in ("fashion_mnist.json", "fashion_mnist_robustness.json"):
        listed = recipes.steps(os.path.join(ROOT, "configs", "queues", queue))
        assert listed and all(os.path.isfile(os.path.join(ROOT, p)) for p in listed)
        assert all(recipes.module_of(os.path.join(ROOT, p)).split(".")[0] in ("train", "evaluate", "bench") for p in listed)


def test_a_stopped_queue_stops_its_step_too(tmp_path):
    """SIGTERM to the runner reaches the running step as Ctrl-C (it keeps its work), and nothing is left running."""
    import signal
    import time

    slow = write(tmp_path / "slow.json", {"_command": "python -m slow_step"})
    (tmp_path / "slow_step.py").write_text(
        "import os, sys, time\n"
        f"open({str(tmp_path / 'pid')!r}, 'w').write(str(os.getpid()))\n"
        "try:\n    time.sleep(60)\nexcept KeyboardInterrupt:\n"
        f"    open({str(tmp_path / 'kept')!r}, 'w').write('kept'); sys.exit(130)\n")
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "run.py"), slow], cwd=tmp_path,
                            stderr=subprocess.PIPE, text=True)
    for _ in range(100):
        if (tmp_path / "pid").exists():
            break
        time.sleep(0.1)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 130, proc.stderr.read()
    assert (tmp_path / "kept").read_text() == "kept"
    pid = int((tmp_path / "pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_recipe_restores_what_it_scores_from_git_history(tmp_path, monkeypatch):
    """`_restore`: [commit, path, destination] written by `git show` where missing, before the step runs."""
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    git = lambda *a: subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *a], check=True,  # noqa: E731
                                    capture_output=True, text=True).stdout.strip()
    git("init", "-q")
    (repo / "net.keras").write_bytes(b"\x00epoch 5\xff")
    git("add", "net.keras")
    git("commit", "-q", "-m", "5 epochs")
    first = git("rev-parse", "--short", "HEAD")
    (repo / "net.keras").write_bytes(b"epoch 49")
    git("commit", "-q", "-am", "49 epochs")
    recipe = write(tmp_path / "r.json", {"_command": "python -m evaluate.noise_study",
                                         "_restore": [[first, "net.keras", "old/run/net.keras"]]})
    lines = []
    assert recipes.run([recipe], dry_run=True, log=lines.append) == [(recipe, "planned", 0.0)]
    assert lines[-1] == f"   restores old/run/net.keras from {first}:net.keras" and not (repo / "old").exists()
    recipes.restore(recipe, lines.append)
    assert (repo / "old" / "run" / "net.keras").read_bytes() == b"\x00epoch 5\xff"
    recipes.restore(recipe, lines.append)  # there already: left alone
    assert sum("restored" in line for line in lines) == 1
    bad = write(tmp_path / "bad.json", {"_command": "python -m evaluate.noise_study",
                                        "_restore": [[first, "nothing.keras", "x/y.keras"]]})
    with pytest.raises(ValueError, match="cannot restore"):
        recipes.restore(bad, lines.append)
    assert not (repo / "x" / "y.keras.partial").exists()
    with pytest.raises(ValueError, match=r"_restore must be a list of \[commit, path, destination\]"):
        recipes.steps(write(tmp_path / "b.json", {"_command": "python -m evaluate.noise_study", "_restore": ["a"]}))


def test_the_committed_recipes_restore_files_that_git_holds():
    import glob

    entries = [(p, e) for p in glob.glob(os.path.join(ROOT, "configs", "**", "*.json"), recursive=True)
               for e in recipes.restores(p)]
    assert len(entries) > 40  # the noise study, its variants and the training-length study
    asked = "".join(f"{commit}:{source}\n" for _, (commit, source, _) in entries)
    proc = subprocess.run(["git", "cat-file", "--batch-check"], input=asked, cwd=ROOT, capture_output=True, text=True)
    missing = [line for line in proc.stdout.splitlines() if line.endswith(" missing")]
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == len(entries) and not missing, missing


def test_stages_are_found_through_after_and_through_init_from(tmp_path):
    """A recipe's stages from scratch: "_after" names the one before; without it, the recipe of the same folder
    whose "_done" lies where its init_from network does (the adversarially trained A's three stages)."""
    (tmp_path / "c").mkdir()
    write(tmp_path / "c" / "one.json", {"_command": "python -m train.advtrain", "_done": "runs/one/metrics.json", "epochs": 15})
    write(tmp_path / "c" / "two.json", {"_command": "python -m train.advtrain", "_done": "runs/two/metrics.json",
                                        "init_from": "runs/one/classifier.keras", "epochs": 7})
    write(tmp_path / "c" / "three.json", {"_command": "python -m train.aegan", "_after": ["train.advtrain", "c/two.json"]})
    assert recipes.stages("c/three.json", root=str(tmp_path)) == [
        ("train.advtrain", "c/one.json"), ("train.advtrain", "c/two.json"), (None, "c/three.json")]
    assert recipes.stages("c/one.json", root=str(tmp_path)) == [(None, "c/one.json")]
    shipped = recipes.stages("configs/networks/fashion_mnist/advtr_eps0.3_pgd7_long.json")
    assert [p for _, p in shipped] == [f"configs/networks/fashion_mnist/advtr_eps0.{s}.json"
                                       for s in ("1", "3_pgd7", "3_pgd7_long")]
