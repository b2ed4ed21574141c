"""Send images to TF-Serving over REST or gRPC and print what comes back.

    python -m export.client --url http://localhost:8501/v1/models/aegan:predict --images x.npy
    python -m export.client --grpc localhost:8500 --model aegan --images x.npy

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
            print(f"error: the server answered {e.code().name}: {e.details()}", file=sys.stderr)
            raise SystemExit(1)
    return {k: tf.make_ndarray(v) for k, v in response.outputs.items()}


def rest_predict(url, images, signature="serving_default", form="instances", timeout=60.0):
    """POST a :predict request, print the answer; returns the JSON body (exit 1 on an HTTP error)."""
    import requests

    try:
        response = requests.post(url, json=build_request(images, signature, form), timeout=timeout)
    except requests.RequestException as e:
        raise ValueError(f"no answer from {url}: {e}") from e
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {"error": response.text}
    if response.status_code != 200:
        print(f"error: the server answered {response.status_code}: {body.get('error', body)}", file=sys.stderr)
        raise SystemExit(1)
    out = body.get("predictions", body.get("outputs"))
    if signature == "serving_default":
        _print_rows({k: [row[k] for row in out] for k in out[0]} if isinstance(out, list) else out)
    else:
        print(json.dumps({"keys": list(out[0]) if isinstance(out, list) else list(out)}, indent=None))
    return body


def _print_rows(outputs):
    for i in range(len(outputs["classes"])):
        print(f"image {i}: class {int(outputs['classes'][i])}, p={float(np.max(outputs['probabilities'][i])):.3f}, "
              f"flagged={bool(outputs['flagged'][i])}, reconstruction error={float(outputs['reconstruction_error'][i]):.5f}")


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m export.client", __doc__)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="REST: the model's :predict URL, e.g. http://localhost:8501/v1/models/aegan:predict")
    where.add_argument("--grpc", help="gRPC: host:port of the model server, e.g. localhost:8500")
    p.add_argument("--model", default="aegan", help="model name (gRPC)")
    p.add_argument("--images", required=True, help=".npy file of images in [0, 1]")
    p.add_argument("--signature", default="serving_default", choices=SIGNATURES, help="signature to call")
    p.add_argument("--form", default="instances", choices=("instances", "inputs"), help="request format")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the answer")
    args = p.parse_args(argv)
    images = load_images(args.images)
    if args.grpc:
        outputs = grpc_predict(args.grpc, images, args.signature, args.model, args.timeout)
        if args.signature == "serving_default":
            _print_rows(outputs)
        else:
            print(json.dumps({"keys": sorted(outputs)}))
        return outputs
    return rest_predict(args.url, images, args.signature, args.form, args.timeout)


if __name__ == "__main__":
    main()
