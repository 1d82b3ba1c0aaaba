"""Devices: the fake always computes on the CPU in float32."""

import contextlib

import torch

cpu = torch.device("cpu")
device = device_interrogate = device_gfpgan = device_esrgan = device_codeformer = cpu
dtype = dtype_vae = dtype_unet = dtype_inference = torch.float32
unet_needs_upcast = False
fp8 = False
has_mps = False


def get_optimal_device_name():
    return "cpu"


def get_optimal_device():
    return cpu


def get_device_for(task):
    return cpu


def torch_gc():
    pass


def autocast(disable=False):
    return contextlib.nullcontext()


def without_autocast(disable=False):
    return contextlib.nullcontext()
