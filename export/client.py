"""Send images to TF-Serving over REST or gRPC and print (or save) what comes back.

    python -m export.client --url http://localhost:8501/v1/models/aegan:predict --images x.npy
    python -m export.client --grpc localhost:8500 --model aegan --images shirt.png coat.jpg --save answers/

--images takes .npy arrays of float32 images [batch, H, W, C] in [0, 1] (or one image [H, W, C]) and
PNG/JPEG files (scaled to [0, 1]; grayscale files give one channel, colour files three, --channels
converts). A .npy from Python: `np.save("x.npy", images.astype("float32"))`. Images that the server
would refuse (NaN, values outside [0, 1], mixed sizes) are refused here, before sending: one line
`error: ...` and exit 2, as is a request the server refuses (the reason on the first line). --save DIR
writes answers.json (per image: class, probability, flagged, reconstruction error, or the error) and,
for --signature purify, the purified images as purified.npy and PNG files.
"""

import json
import os
import re
import sys

import numpy as np

from tf_aegan import cli

SIGNATURES = ("serving_default", "purify")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


class Refused(ValueError):
    """The server refused the request; the message is its reason."""


def build_request(images, signature="serving_default", form="instances"):
    """The JSON body of a TF-Serving :predict request, in the row ('instances') or columnar ('inputs') form."""
    if form == "instances":
        return {"signature_name": signature, "instances": images.tolist()}
    return {"signature_name": signature, "inputs": {"images": images.tolist()}}


def _read_image_file(path, channels=None):
    from PIL import Image

    try:
        with Image.open(path) as img:
            mode = {1: "L", 3: "RGB"}.get(channels) or ("L" if img.mode in ("L", "1", "I", "I;16", "LA") else "RGB")
            array = np.asarray(img.convert(mode), np.float32) / 255.0
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot read {path} as an image: {e}") from e
    return array[..., None] if array.ndim == 2 else array


def load_images(paths, channels=None):
    """One [batch, H, W, C] float32 array from .npy files and PNG/JPEG files (each a batch or one image)."""
    if isinstance(paths, str):
        paths = [paths]
    batches = []
    for path in paths:
        if not os.path.isfile(path):
            raise ValueError(f"no file {path}")
        if path.lower().endswith(IMAGE_SUFFIXES):
            images = _read_image_file(path, channels)
        else:
            try:
                images = np.load(path)
            except (OSError, ValueError) as e:
                raise ValueError(f"cannot read {path} as a .npy array or a PNG/JPEG image: {e}") from e
        if images.ndim == 3:
            images = images[None]
        if images.ndim != 4:
            raise ValueError(f"{path} holds an array of shape {images.shape}; expected [batch, H, W, C] or [H, W, C]")
        if images.dtype.kind not in "fiu":
            raise ValueError(f"{path} holds {images.dtype} values; expected float32 images in [0, 1]")
        batches.append(images.astype(np.float32))
    shapes = sorted({b.shape[1:] for b in batches})
    if len(shapes) > 1:
        raise ValueError(f"the images have different shapes {shapes}; send one size at a time")
    return np.concatenate(batches)


def check_images(images):
    """What the served model would refuse, refused before sending (a ValueError naming it)."""
    if len(images) == 0:
        raise ValueError("no images to send (the batch is empty)")
    bad = ~np.isfinite(images)
    if bad.any():
        raise ValueError(f"the images hold {int(bad.sum())} non-finite value(s) "
                         f"({'NaN' if np.isnan(images).any() else 'infinite'}); the server would refuse them")
    lo, hi = float(images.min()), float(images.max())
    if lo < 0 or hi > 1:
        raise ValueError(f"image values must lie in [0, 1], got values in [{lo:.4g}, {hi:.4g}]; the server would "
                         "refuse them")
    return images


def reason(message):
    """The informative line of a TF-Serving error ("Graph execution error: ... assertion failed: [image
    values must lie in [0, 1]] ..."): the assertion's message where there is one."""
    text = str(message)
    found = re.search(r"assertion failed: \[([^\]]+(?:\][^\]]*)?)\]", text)
    if found:
        return found.group(1).strip()
    for known in ("image values must lie in [0, 1]", "the batch is empty", "images must have rank 4"):
        if known in text:
            return known
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith(("Detected at", "[[", "Node:"))]
    return lines[-1] if lines else text.strip()


def grpc_predict(target, images, signature="serving_default", model_name="aegan", timeout=60.0):
    """Call PredictionService/Predict at `target` (host:port); returns the outputs as numpy arrays."""
    import grpc
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    from tf_aegan.serving import predict_request

    with grpc.insecure_channel(target) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        try:
            response = stub.Predict(predict_request(images, signature, model_name), timeout=timeout)
        except grpc.RpcError as e:
            code = e.code()
            if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise ConnectionError(f"no model server answering at {target} ({code.name})") from None
            raise Refused(f"the server refused the request ({code.name}): {reason(e.details())}") from None
    return {k: tf.make_ndarray(v) for k, v in response.outputs.items()}


def rest_predict(url, images, signature="serving_default", form="instances", timeout=60.0):
    """POST a :predict request; returns the outputs as {name: numpy array}."""
    import requests

    try:
        response = requests.post(url, json=build_request(images, signature, form), timeout=timeout)
    except requests.RequestException as e:
        raise ConnectionError(f"no answer from {url}: {e}") from None
    try:
        body = response.json()
    except ValueError:
        body = {"error": response.text}
    if response.status_code != 200:
        raise Refused(f"the server refused the request ({response.status_code}): {reason(body.get('error', body))}")
    out = body.get("predictions", body.get("outputs"))
    if isinstance(out, list):
        out = {k: [row[k] for row in out] for k in out[0]}
    return {k: np.asarray(v) for k, v in out.items()}


def print_rows(outputs):
    for i in range(len(outputs["classes"])):
        print(f"image {i}: class {int(outputs['classes'][i])}, p={float(np.max(outputs['probabilities'][i])):.3f}, "
              f"flagged={bool(outputs['flagged'][i])}, reconstruction error={float(outputs['reconstruction_error'][i]):.5f}")


def save_answers(folder, outputs, paths, signature):
    """answers.json (one record per image) and, for purify, purified.npy and one PNG per image."""
    os.makedirs(folder, exist_ok=True)
    n = len(outputs["flagged"])
    records = []
    for i in range(n):
        rec = {"image": i, "flagged": bool(outputs["flagged"][i]),
               "reconstruction_error": float(outputs["reconstruction_error"][i])}
        if "classes" in outputs:
            rec.update({"class": int(outputs["classes"][i]), "probability": float(np.max(outputs["probabilities"][i]))})
        records.append(rec)
    if signature == "purify":
        from PIL import Image

        purified = np.asarray(outputs["images"], np.float32)
        np.save(os.path.join(folder, "purified.npy"), purified)
        for i, img in enumerate(purified):
            pixels = np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
            Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels).save(
                os.path.join(folder, f"purified_{i:04d}.png"))
            records[i]["purified"] = f"purified_{i:04d}.png"
    with open(os.path.join(folder, "answers.json"), "w") as f:
        json.dump({"signature": signature, "sources": list(paths), "images": records}, f, indent=1)


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m export.client", __doc__)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="REST: the model's :predict URL, e.g. http://localhost:8501/v1/models/aegan:predict")
    where.add_argument("--grpc", help="gRPC: host:port of the model server, e.g. localhost:8500")
    p.add_argument("--model", default="aegan", help="model name (gRPC)")
    p.add_argument("--images", required=True, nargs="+", help=".npy arrays or PNG/JPEG files of images in [0, 1]")
    p.add_argument("--channels", type=int, choices=(1, 3), default=None,
                   help="convert PNG/JPEG files to 1 (grayscale) or 3 (RGB) channels (default: as stored)")
    p.add_argument("--signature", default="serving_default", choices=SIGNATURES, help="signature to call")
    p.add_argument("--form", default="instances", choices=("instances", "inputs"), help="request format (REST)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the answer")
    p.add_argument("--save", default=None, metavar="DIR",
                   help="write answers.json (and for purify, purified.npy and PNGs) into DIR")
    p.add_argument("--no-check", action="store_true", help="send the images unchecked (to see the server refuse them)")
    args = p.parse_args(argv)
    images = load_images(args.images, args.channels)
    if not args.no_check:
        check_images(images)
    try:
        if args.grpc:
            outputs = grpc_predict(args.grpc, images, args.signature, args.model, args.timeout)
        else:
            outputs = rest_predict(args.url, images, args.signature, args.form, args.timeout)
    except ConnectionError as e:
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(1)
    if args.signature == "serving_default":
        print_rows(outputs)
    else:
        print(f"purified {len(outputs['images'])} image(s); flagged: "
              f"{[int(i) for i in np.flatnonzero(np.asarray(outputs['flagged']))]}")
    if args.save:
        save_answers(args.save, outputs, args.images, args.signature)
        print(f"wrote {os.path.join(args.save, 'answers.json')}")
    return outputs


if __name__ == "__main__":
    main()
