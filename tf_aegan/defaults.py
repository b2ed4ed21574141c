"""The paper's hyper-parameters, named once (Tables 4 and 7, Algorithm 2, Section 4).

Every CLI and library function takes its defaults from here so a change to a
paper setting is made in one place.
"""

# Table 7: classifiers A, B, C (MNIST, F-MNIST).
CLASSIFIER_EPOCHS = 10
CLASSIFIER_LR = 1e-3
CLASSIFIER_BATCH = 100
# Table 5's open readings (tf_aegan.models.classifiers). Defense-GAN's unit-norm init gave classifier A
# 0.9170/0.9170/0.9192 on 3 seeds against Keras' glorot 0.9159/0.9146 (RESULTS.md); Defense-GAN's
# keep-probability dropout (75% dropped) underfits in Table 7's 10 epochs (0.9056), so rates stay Keras'.
CLASSIFIER_INIT = "unit_norm"
CLASSIFIER_DROPOUT = "rate"

# Table 4: AE-GAN and MagNet.
AEGAN_EPOCHS = {"mnist": 60, "fashion_mnist": 60, "celeba": 100}
AEGAN_LR = 2e-4
AEGAN_BATCH = {"mnist": 100, "fashion_mnist": 100, "celeba": 64}
# Adam beta_1 of 0.5 is the DCGAN / Defense-GAN setting; the paper states Adam only.
AEGAN_BETA_1 = 0.5

# Table 6 / Appendix D: latent size (128 by default, 20 as the option of Table 8).
LATENT_DIM = 128
# Algorithm 1: sigma ~ U(0, eta); eta is not given in the paper.
NOISE_ETA = 0.3

# Section 4.1: training set split 20:1, dev set of 2000, black-box hold-out of 150.
VAL_FRACTION = 1 / 21
DEV_SIZE = 2000
HOLDOUT_SIZE = 150
SPLIT_SEED = 1234

# Section 4.1 / Appendix A: attack budgets.
EPSILON = {"mnist": 0.3, "fashion_mnist": 0.3, "celeba": 0.1}

# Where commands write results by default: an untracked folder, so a run never overwrites the
# tables RESULTS.md cites (its commands name --out results).
RESULTS_OUT = "runs/results"

# Data sets and where their files are looked for first (tf_aegan.data).
DATASETS = ("mnist", "fashion_mnist", "celeba")
DATA_ENV_VAR = "TF_AEGAN_DATA_DIR"

# Table 5's open readings as options (tf_aegan.models.classifiers); configs written before the
# options existed meant Keras' init and dropout rates.
CLASSIFIER_INITS = ("glorot", "unit_norm")
CLASSIFIER_DROPOUTS = ("rate", "keep")
PRE_OPTION_READING = {"init": "glorot", "dropout": "rate"}

# CW-L2: CleverHans' defaults, which the paper used (Section 4.1).
CW_MAX_ITERATIONS = 1000
CW_BINARY_SEARCH_STEPS = 5
CW_LEARNING_RATE = 5e-3
CW_INITIAL_CONST = 1e-2

# Black-box substitutes (Papernot et al. 2017; the paper's Section 3.1).
SUBSTITUTE_ROUNDS = 6  # "substitute epochs" rho of Papernot et al. and the paper
SUBSTITUTE_LAMBDA = 0.1
SUBSTITUTE_EPOCHS_PER_ROUND = 10  # CleverHans' black-box tutorial
SUBSTITUTE_BATCH = 128
SUBSTITUTE_LR = 1e-3

# Algorithm 2 and Table 1: L = 15 steps; the step size is multiplied by `factor` every `period` steps.
# These defaults were chosen for the latent-128 AE-GAN+r (now weights/fashion_mnist/aegan_z128) on 1000
# Fashion-MNIST validation images by `python -m evaluate.search_params --step-sizes 0.3,1,3,10,30,100`, by
# its rule fixed beforehand: among settings whose search descends and whose clean accuracy stays within
# 0.05 of G(F(x))'s, the highest white + gray FGSM accuracy (step 0.3: clean 0.836, gray 0.406; step 30:
# clean 0.875, gray 0.237). A network whose own sweep chose otherwise carries its pick in its folder
# (store.SEARCH_FILE, `evaluate.search_params --save-pick`): the shipped latent-20 Ours searches with
# step 30, factor 0.5 (results/fashion_mnist/search_params), which every purifier built on it uses.
SEARCH_STEPS = 15
SEARCH_STEP_SIZE = 0.3
SEARCH_FACTOR = 0.5
SEARCH_PERIOD = 5

# Defense-GAN's own code: L = 200, R = 10, momentum 0.7, learning rate 10 cut 10x at 80% of the steps.
DGAN_STEPS = 200
DGAN_RESTARTS = 10
DGAN_LR = 10.0
DGAN_MOMENTUM = 0.7
DGAN_DECAY_AT = 0.8
# Defense-GAN's code starts each restart at z ~ N(0, 1/latent_dim) (models/gan.py, `z_hat`'s
# initializer), not at a draw from the N(0, I) prior the generator was trained on: None means that.
DGAN_INIT_STD = None

# Section 4.4's detector: the threshold flags this fraction of clean validation images, measured on
# this many of them (the same everywhere: evaluation, benchmarks, adaptive attacks, export).
DETECTOR_FPR = 0.05
DETECTOR_VAL_IMAGES = 2000

# Defense-GAN's WGAN-GP (its experiments/cfgs/gans/default.yml; Gulrajani et al.'s MNIST settings):
# 5 critic steps per generator step, penalty 10, Adam 1e-4 (0.5, 0.9), batch 50, 200k generator
# iterations, no BatchNorm in the generator.
DGAN_CRITIC_STEPS = 5
DGAN_GP_WEIGHT = 10.0
DGAN_TRAIN_LR = 1e-4
DGAN_TRAIN_BETAS = (0.5, 0.9)
DGAN_BATCH = 50
DGAN_ITERATIONS = 200_000
DGAN_ITERATIONS_PER_EPOCH = 1000  # generator iterations between checkpoints (one Keras epoch)

# BiGAN (Donahue et al. 2016; ALI's settings, Dumoulin et al. 2016): Adam 1e-4 with beta_1 0.5;
# trained as long as AE-GAN (Table 4's epochs and batch).
BIGAN_LR = 1e-4
BIGAN_BETA_1 = 0.5
BIGAN_BETA_2 = 0.999                # Keras' default; ALI (Dumoulin et al. 2016) used 1e-3
# Table 1: BiGAN+s searches 60 steps.
BIGAN_SEARCH_STEPS = 60

# MagNet's reformer (Meng & Chen 2017): an auto-encoder of Table 6 trained without the discriminator
# to reconstruct x from x + N(0, 0.1^2) (MagNet's "noise volume" 0.1; not clipped here), with the
# mean squared error; Table 4's epochs, learning rate and batch.
MAGNET_NOISE = 0.1

# PGD adversarial training (Madry et al. 2018; their MNIST model): eps 0.3, 40 steps of 0.01 from a
# random start, every training example replaced by its adversarial version (adv_fraction 1.0);
# classifier A's Table 7 optimizer and batch. Madry et al. train about 100k steps of 50; the epochs
# here are an option.
ADVTR_EPS = {"mnist": 0.3, "fashion_mnist": 0.3, "celeba": 0.1}
ADVTR_STEPS = 40
ADVTR_STEP_SIZE = 0.01
ADVTR_FRACTION = 1.0
ADVTR_EPOCHS = 10
# Beyond Madry et al.'s recipe (issue 25): validation robust accuracy by PGD with this many steps of
# 2.5 eps / steps at the full eps (early stopping watches it), the learning-rate schedule, the epochs
# over which the training eps ramps up (0: none), and TRADES' beta (Zhang et al. 2019's 6.0).
ADVTR_VAL_STEPS = 20
ADVTR_LR_SCHEDULE = "constant"
ADVTR_WARMUP = 0
ADVTR_PATIENCE = None
TRADES_BETA = 6.0
# Beyond the paper: joint fine-tuning of F, G and C (the defended-classifier study's design 3). The classification
# term's weight, so that its cross-entropy (about 1) weighs like Eq. 5's reconstruction (10-20 per image,
# summed over pixels) at the start.
JOINT_CLS_WEIGHT = 10.0

# Attack labels: A's predictions (CleverHans' y=None, as the paper's code runs it) or the true labels.
ATTACK_LABELS = ("predicted", "true")
