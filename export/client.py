"""Send images to a TF-Serving REST endpoint and print what comes back.

    python -m export.client --url http://localhost:8501/v1/models/aegan:predict --images x.npy

FILE is a .npy array of float32 images [batch, H, W, C] in [0, 1] (or one image [H, W, C]).
"""

import json
import sys

import numpy as np

from tf_aegan import cli

SIGNATURES = ("serving_default", "purify")


def build_request(images, signature="serving_default", form="instances"):
    """The JSON body of a TF-Serving :predict request, in the row ('instances') or columnar ('inputs') form."""
    if form == "instances":
        return {"signature_name": signature, "instances": images.tolist()}
    return {"signature_name": signature, "inputs": {"images": images.tolist()}}


def load_images(path):
    try:
        images = np.load(path)
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot read {path} as a .npy array: {e}") from e
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4:
        raise ValueError(f"{path} holds an array of shape {images.shape}; expected [batch, H, W, C]")
    return images.astype(np.float32)


@cli.exits_cleanly
def main(argv=None):
    import requests

    p = cli.parser("python -m export.client", __doc__)
    p.add_argument("--url", required=True, help="the model's :predict URL, e.g. http://localhost:8501/v1/models/aegan:predict")
    p.add_argument("--images", required=True, help=".npy file of images in [0, 1]")
    p.add_argument("--signature", default="serving_default", choices=SIGNATURES, help="signature to call")
    p.add_argument("--form", default="instances", choices=("instances", "inputs"), help="request format")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the answer")
    args = p.parse_args(argv)
    images = load_images(args.images)
    try:
        response = requests.post(args.url, json=build_request(images, args.signature, args.form), timeout=args.timeout)
    except requests.RequestException as e:
        raise ValueError(f"no answer from {args.url}: {e}") from e
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {"error": response.text}
    if response.status_code != 200:
        print(f"error: the server answered {response.status_code}: {body.get('error', body)}", file=sys.stderr)
        raise SystemExit(1)
    out = body.get("predictions", body.get("outputs"))
    if args.signature == "serving_default":
        rows = out if isinstance(out, list) else [dict(zip(out, vals)) for vals in zip(*out.values())]
        for i, row in enumerate(rows):
            print(f"image {i}: class {row['classes']}, p={max(row['probabilities']):.3f}, "
                  f"flagged={row['flagged']}, reconstruction error={row['reconstruction_error']:.5f}")
    else:
        print(json.dumps({"keys": list(out[0]) if isinstance(out, list) else list(out)}, indent=None))
    return body


if __name__ == "__main__":
    main()
