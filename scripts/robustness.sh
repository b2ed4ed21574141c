#!/usr/bin/env bash
# The robustness table (issue 24): AutoAttack beside PGD for every method with networks, eps 0.3 and 0.1.
# Each step resumes from its cached batches (--keep-cache). Writes results/fashion_mnist/autoattack_*/.
# Usage: bash scripts/robustness.sh [purifiers|search|classifiers|peer|defended|table1]...   (default: all six)
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
set +e
R=results/fashion_mnist
W=study/baselines/fashion_mnist
steps=("${@:-purifiers search classifiers peer defended table1}")
for step in ${steps[@]}; do
  echo "== $(date -u +%FT%TZ) $step" >&2
  case $step in
    purifiers)  # through G(F(x)) (the white row's path), n = 500; Square queries the defense itself
      .venv/bin/python -m evaluate.adaptive --methods ours,magnet,bigan_s --attacks reconstruct,autoattack \
        --eps 0.3,0.1 --n 500 --steps 100 --restarts 1 --aa-paths reconstruct --aa-queries-purifier 1000 \
        --no-sanity --keep-cache --out $R/autoattack_purifiers ;;
    search)  # AE-GAN+rs through G(F(x)), then through the whole unrolled search, n = 100
      .venv/bin/python -m evaluate.adaptive --methods ours --attacks reconstruct,search,autoattack \
        --eps 0.1,0.3 --n 100 --steps 100 --restarts 1 --aa-paths reconstruct,search --aa-queries-purifier 1000 \
        --no-sanity --keep-cache --out $R/autoattack_search ;;
    classifiers)  # the bare classifiers: A, and each adversarially trained network; n = 500 and Square with
                  # 1000 queries (standard: n = 1000, 5000 queries: 95 min a network on this CPU beside a training)
      for net in A_advtr_eps0.1 A_advtr_eps0.3; do
        [ -f $W/classifier_$net/metrics.json ] || { echo "skipping $net: its training has not finished" >&2; continue; }
        .venv/bin/python -m evaluate.adaptive --methods none,advtr --folder advtr=$W/classifier_$net \
          --attacks pgd,autoattack --eps 0.1,0.3 --n 500 --aa-queries 1000 --steps 100 --restarts 1 --spsa-n 0 \
          --keep-cache --out $R/autoattack_$net
      done ;;
    peer)  # the project's APGD-CE against ART's on the same images (issue 24's agreement)
      .venv/bin/python -m evaluate.adaptive --peer-check --methods ours --attacks served --aa-paths served \
        --eps 0.1,0.3 --n 100 --out $R/autoattack_peer_served
      for net in A_advtr_eps0.1 A_advtr_eps0.3; do
        [ -f $W/classifier_$net/metrics.json ] || continue
        .venv/bin/python -m evaluate.adaptive --peer-check --methods advtr --folder advtr=$W/classifier_$net \
          --aa-paths pgd --eps 0.1,0.3 --n 500 --out $R/autoattack_peer_$net
      done ;;
    defended)  # the defended-classifier study (tf_aegan/studies/defended.py): design 1 on validation, then test
      # each eps's adversarially trained network: eps 0.1 FGSM-RS; eps 0.3 the best by queue.sh's rule
      # (DEFENDED_NETS="0.1:<run> 0.3:<run>" overrides)
      for e_net in ${DEFENDED_NETS:-0.1:A_advtr_eps0.1 0.3:A_advtr_eps0.3_pgd7}; do
        e=${e_net%%:*}; net=classifier_${e_net##*:}
        C=$W/$net/classifier.keras
        [ -f $W/$net/metrics.json ] || { echo "skipping eps $e: $net has not finished training" >&2; continue; }
        for split_n in ${DEFENDED_SPLITS:-val:100 test:200}; do
          .venv/bin/python -m evaluate.adaptive --methods none,ours --classifier $C --split ${split_n%%:*} \
            --n ${split_n##*:} --eps $e --attacks pgd,reconstruct,autoattack --steps 100 --restarts 1 \
            --aa-paths pgd,reconstruct,search --aa-targets 3 --aa-queries-purifier 1000 --no-sanity --keep-cache \
            --out $R/defended_${split_n%%:*}_eps$e
        done
      done ;;
    table1)  # Table 1 with the shipped adversarially trained network's column re-run and the white-aa rows
      T=(--dataset fashion_mnist --methods advtr)
      C=$R/table1/columns
      .venv/bin/python -m evaluate.table --attack fgsm "${T[@]}" --n 1000 --out $C/advtr
      .venv/bin/python -m evaluate.table --attack pgd "${T[@]}" --n 1000 --out $C/advtr
      .venv/bin/python -m evaluate.table --attack cw "${T[@]}" --n 500 --cw-iterations 30 --cw-binary-steps 3 --out $C/advtr
      .venv/bin/python -m evaluate.table --attack blackbox "${T[@]}" --n 9850 --out $C/advtr
      S=()
      for m in none_ours magnet advtr bigan_s defensegan; do
        for a in fgsm pgd cw blackbox; do S+=($C/$m/table_${a}_fashion_mnist.json); done
      done
      AA=$(ls $R/autoattack_purifiers/adaptive_fashion_mnist.json $R/autoattack_search/adaptive_fashion_mnist.json \
           $R/autoattack_A_advtr_eps0.3/adaptive_fashion_mnist.json 2>/dev/null)
      .venv/bin/python -m evaluate.table1 "${S[@]}" $AA --out $R/table1 ;;
    *) echo "unknown step $step" >&2; exit 2 ;;
  esac
done
