"""Keyframes: keyframed img2img loopback animations, host-free core."""

__version__ = "0.1.0"
