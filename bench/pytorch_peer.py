#!/usr/bin/python3
"""The PyTorch peer of `tessella predict`, for `npm run bench -- predict-cli`.

Run with the system python (Debian: python3-torch 1.13, python3-torchvision 0.14, PIL, and
libopenblas0-pthread, which becomes the libblas.so.3 torch calls; without it torch runs on the
reference BLAS at ~1.5 GFLOP/s). It does what the CLI does over the same files, end to end and in one cold process: decode
each image with PIL, resize and normalise as the model's processor says, and classify in batches
of 8 under inference mode with one intra-op thread per core. Weights are torchvision's random
initialisation: speed does not depend on them.

  pytorch_peer.py MODEL FILE...    MODEL: vit-b16 | resnet-50

Prints one JSON document: images, seconds (from the start of the process's work: import torch and
build the model included, as the CLI's figure includes its engine load), img/s, and the versions.
"""
import json
import os
import sys
import time

T0 = time.perf_counter()

import torch  # noqa: E402
import torchvision  # noqa: E402
from PIL import Image  # noqa: E402
from torchvision import transforms  # noqa: E402

BATCH = 8


def model_and_transform(name):
    if name == 'vit-b16':
        # HF ViTImageProcessor: bilinear resize to 224, mean = std = 0.5
        net = torchvision.models.vit_b_16(weights=None)
        tf = transforms.Compose([
            transforms.Resize((224, 224), interpolation=transforms.InterpolationMode.BILINEAR),
            transforms.ToTensor(),
            transforms.Normalize([0.5] * 3, [0.5] * 3),
        ])
    elif name == 'resnet-50':
        # HF ConvNextImageProcessor as microsoft/resnet-50 uses it: resize shortest edge to 256, crop 224
        net = torchvision.models.resnet50(weights=None)
        tf = transforms.Compose([
            transforms.Resize(256, interpolation=transforms.InterpolationMode.BICUBIC),
            transforms.CenterCrop(224),
            transforms.ToTensor(),
            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ])
    else:
        raise SystemExit(f'unknown model {name}: vit-b16 or resnet-50')
    return net.eval(), tf


def main():
    name, files = sys.argv[1], sys.argv[2:]
    torch.set_num_threads(os.cpu_count() or 1)
    net, tf = model_and_transform(name)
    done = 0
    with torch.inference_mode():
        for i in range(0, len(files), BATCH):
            x = torch.stack([tf(Image.open(f).convert('RGB')) for f in files[i:i + BATCH]])
            net(x).softmax(-1)
            done += x.shape[0]
    seconds = time.perf_counter() - T0
    print(json.dumps({
        'model': name,
        'images': done,
        'seconds': round(seconds, 3),
        'imgPerSec': round(done / seconds, 3),
        'torch': torch.__version__,
        'torchvision': torchvision.__version__,
        'threads': torch.get_num_threads(),
        # Debian's torch calls whatever libblas.so.3 points at: the reference BLAS is ~20x slower than OpenBLAS
        'blas': os.path.realpath('/usr/lib/x86_64-linux-gnu/libblas.so.3'),
    }))


main()
