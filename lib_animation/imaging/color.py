"""Colour coherence: match a frame's colour distribution to a reference frame, per channel.

Spaces: ``LAB`` (CIE L*a*b*, D65, sRGB gamma), ``HSV`` and ``RGB``; ``None`` switches matching off.
Frames are RGB, so the conversions are OpenCV's RGB ones (Deforum fed BGR arrays to them, which
swaps what L*, a* and b* mean).

Method. Each channel gets a 256-bin histogram. Counts are taken as spread evenly inside their
bin, so each cumulative distribution is piecewise linear, and a value ``v`` maps to
``T(v) = F_ref^-1(F_frame(v))``. ``T`` is exactly the identity when a frame is matched to itself,
and exactly a shift when the frame is a shifted copy of the reference.

- ``RGB`` works on the uint8 values directly: ``T`` at each of the 256 values becomes a rounded
  lookup table.
- ``LAB`` and ``HSV`` convert the frame to float32 (never to 8-bit L*a*b*/HSV, whose round trip
  alone moves some colours by more than 20 grey levels), look up each pixel's bin, apply ``T`` on
  that bin's segment (linear between the bin's edges) and convert back. The conversion to L*a*b*
  is our own (see ``_lab_bin_units``); back to RGB is OpenCV's.

Hue is circular. Before matching, both hue histograms are rotated to start at the emptiest hue of
the two together, so a cluster of reds around 0/360 degrees is never cut in two. Grey pixels
(saturation 0) have no hue and are left out of the hue histograms.

A ``ColorMatcher`` computes the reference's histograms once, for a reference that stays fixed
for a whole run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from lib_animation.errors import SettingsError
from lib_animation.imaging._arrays import check_rgb

COLOR_SPACES = ("None", "LAB", "HSV", "RGB")

_BINS = 256
# Half-width, in bins, of the window that smooths the hue histograms before the cut is chosen.
_HUE_CUT_SMOOTHING = 4


@dataclass(frozen=True)
class _FloatSpace:
    """A float32 colour space: conversions, and per-channel bin origin, bin width and value range.

    A value ``v`` of channel ``c`` lies at ``t = (v - origin[c]) / width[c]`` in bin units and
    falls in bin ``floor(t)``, with ``0 <= t < 256`` for every value the conversion can give.
    """

    forward: int
    backward: int
    input_scale: float
    origin: tuple[float, float, float]
    width: tuple[float, float, float]
    lowest: tuple[float, float, float]
    highest: tuple[float, float, float]
    output_scale: float
    circular_first: bool


_LAB = _FloatSpace(
    forward=cv2.COLOR_RGB2LAB,
    backward=cv2.COLOR_LAB2RGB,
    input_scale=1.0 / 255.0,
    origin=(0.0, -128.0, -128.0),
    width=(100.5 / _BINS, 1.0, 1.0),
    lowest=(0.0, -np.inf, -np.inf),
    highest=(100.0, np.inf, np.inf),
    output_scale=255.0,
    circular_first=False,
)
# Hue in degrees, saturation 0..1, value 0..255 (OpenCV float HSV of 0..255 input). The hue
# bins span a hair more than 360 degrees so that a hue rounded up to exactly 360 stays in bin 255;
# value bins are centred on the integers.
_HSV = _FloatSpace(
    forward=cv2.COLOR_RGB2HSV,
    backward=cv2.COLOR_HSV2RGB,
    input_scale=1.0,
    origin=(0.0, 0.0, -0.5),
    width=(360.0 * (1.0 + 2.0**-16) / _BINS, (1.0 + 2.0**-8) / _BINS, 1.0),
    lowest=(-np.inf, 0.0, 0.0),
    highest=(np.inf, 1.0, 255.0),
    output_scale=1.0,
    circular_first=True,
)
_FLOAT_SPACES = {"LAB": _LAB, "HSV": _HSV}


def check_color_space(space: str | None) -> str:
    """Return the canonical name of ``space`` (``None`` and any letter case accepted)."""
    name = "None" if space is None else str(space)
    for choice in COLOR_SPACES:
        if name.lower() == choice.lower():
            return choice
    raise SettingsError(
        f"unknown colour coherence space {space!r}", hint=f"choose one of {', '.join(COLOR_SPACES)}"
    )


def to_grayscale(image: np.ndarray) -> np.ndarray:
    """Return ``image`` as grey (ITU-R BT.601 luma), still with 3 identical RGB channels."""
    check_rgb(image)
    return cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)


def match_colors(image: np.ndarray, reference: np.ndarray, space: str | None) -> np.ndarray:
    """Return ``image`` with each channel's distribution in ``space`` matched to ``reference``'s."""
    return ColorMatcher(reference, space)(image)


class ColorMatcher:
    """Matches frames to one fixed reference frame; the reference's histograms are kept."""

    def __init__(self, reference: np.ndarray, space: str | None) -> None:
        check_rgb(reference, "reference")
        self.space = check_color_space(space)
        self._buffers = _FrameBuffers()
        self._reference_histograms: list[np.ndarray] = []
        if self.space == "RGB":
            self._reference_histograms = _histograms(reference)
        elif self.space != "None":
            scaled = _to_bin_units(reference, _FLOAT_SPACES[self.space], _FrameBuffers())[0]
            self._reference_histograms = _histograms(scaled.astype(np.uint8), self._hue_mask)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Return a new frame: ``image`` (uint8 RGB) matched to the reference."""
        check_rgb(image)
        if self.space == "None":
            return image.copy()
        if self.space == "RGB":
            return self._match_rgb(image)
        return self._match_float(image, _FLOAT_SPACES[self.space])

    def _hue_mask(self, bins: np.ndarray) -> np.ndarray | None:
        if self.space != "HSV":
            return None
        return (bins[:, :, 1] > 0).view(np.uint8)

    def _match_rgb(self, image: np.ndarray) -> np.ndarray:
        table = np.empty((_BINS, 1, 3), np.uint8)
        for channel, counts in enumerate(_histograms(image)):
            left, right = _transfer_segments(counts, self._reference_histograms[channel])
            # Value v is the centre of bin v, at v + 0.5 in bin units.
            table[:, 0, channel] = np.clip(np.rint((left + right) / 2 - 0.5), 0, 255)
        return cv2.LUT(image, table)

    def _match_float(self, image: np.ndarray, space: _FloatSpace) -> np.ndarray:
        # The frame buffers are kept from call to call: fresh multi-megabyte temporaries cost
        # page faults every call, more than the arithmetic in them.
        scaled, spare = _to_bin_units(image, space, self._buffers)
        bins = self._buffers.get("bins", image.shape, np.uint8)
        np.copyto(bins, scaled, casting="unsafe")  # truncation, as astype
        slopes, offsets = self._segment_tables(bins, space)
        cv2.LUT(bins, slopes, dst=spare)
        np.multiply(scaled, spare, out=scaled)
        cv2.LUT(bins, offsets, dst=spare)
        mapped = np.add(scaled, spare, out=scaled)
        rgb = cv2.cvtColor(mapped, space.backward, dst=spare)
        return cv2.convertScaleAbs(rgb, alpha=space.output_scale)

    def _segment_tables(self, bins: np.ndarray, space: _FloatSpace) -> tuple[np.ndarray, ...]:
        """Per-bin (slope, offset) lookup tables, (256, 1, 3) float32, so that on bin b a value
        at t bin units maps to ``offset[b] + slope[b] * t`` in the space's own units."""
        slopes = np.empty((_BINS, 1, 3), np.float32)
        offsets = np.empty((_BINS, 1, 3), np.float32)
        for channel, counts in enumerate(_histograms(bins, self._hue_mask)):
            reference = self._reference_histograms[channel]
            if channel == 0 and space.circular_first:
                left, right = _circular_transfer_segments(counts, reference)
            else:
                left, right = _transfer_segments(counts, reference)
            origin, width = space.origin[channel], space.width[channel]
            low, high = space.lowest[channel], space.highest[channel]
            left = np.clip(origin + width * left, low, high)
            right = np.clip(origin + width * right, low, high)
            # On bin b, T(t) = left + (right - left) * (t - b).
            slope = right - left
            slopes[:, 0, channel] = slope
            offsets[:, 0, channel] = left - slope * np.arange(_BINS)
        return slopes, offsets


class _FrameBuffers:
    """Named arrays kept for reuse, remade when a frame of another shape comes."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        array = self._arrays.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = self._arrays[name] = np.empty(shape, dtype)
        return array


def _to_bin_units(image: np.ndarray, space: _FloatSpace,
                  buffers: _FrameBuffers) -> tuple[np.ndarray, np.ndarray]:
    """Convert to ``space`` and express every channel in bin units: returns that float32
    frame and a spare float32 buffer of the same shape, both from ``buffers``."""
    if space is _LAB:
        return _lab_bin_units(image, buffers)
    # order="C": OpenCV writes into this buffer below, whatever the input's memory layout
    rgb = np.multiply(image, np.float32(space.input_scale), dtype=np.float32,
                      out=buffers.get("first", image.shape, np.float32))
    converted = cv2.cvtColor(rgb, space.forward, dst=buffers.get("second", image.shape,
                                                                 np.float32))
    affine = np.zeros((3, 4), np.float32)
    for channel in range(3):
        affine[channel, channel] = 1.0 / space.width[channel]
        affine[channel, 3] = -space.origin[channel] / space.width[channel]
    return cv2.transform(converted, affine, dst=rgb), converted


def _histograms(
    bins: np.ndarray, hue_mask: Callable[[np.ndarray], np.ndarray | None] | None = None
) -> list[np.ndarray]:
    """Per-channel 256-bin counts of a uint8 (H, W, 3) array; channel 0 under ``hue_mask``."""
    mask = hue_mask(bins) if hue_mask is not None else None
    # OpenCV 4 returns (256, 1) counts, OpenCV 5 (256,): ravel serves both.
    return [
        cv2.calcHist([bins], [channel], mask if channel == 0 else None, [_BINS], [0, _BINS])
        .ravel()
        .astype(np.float64)
        for channel in range(3)
    ]


def _transfer_segments(counts: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``T`` at the left and right edge of each of the 256 bins, in bin units.

    ``T`` is linear inside a bin between these two values. A bin the frame does not occupy gets
    whatever values are convenient: no pixel lies there. Either histogram being empty gives the
    identity.
    """
    if counts.sum() <= 0 or reference.sum() <= 0:
        edges = np.arange(_BINS + 1, dtype=np.float64)
        return edges[:-1], edges[1:]
    quantiles = np.concatenate(([0.0], np.cumsum(counts) / counts.sum()))
    quantile_points, value_points = _inverse_distribution_points(reference)
    # At a quantile where the reference jumps over empty bins, a left edge takes the far side of
    # the gap and a right edge the near side, so no occupied bin is stretched across the gap.
    # np.interp picks the last of equal points; on negated, reversed points, the first.
    left = np.interp(quantiles[:-1], quantile_points, value_points)
    right = np.interp(-quantiles[1:], -quantile_points[::-1], value_points[::-1])
    return left, right


def _inverse_distribution_points(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The corners (quantile, value in bin units) of the piecewise-linear ``F^-1`` of ``counts``.

    Only occupied bins contribute segments, so quantiles 0 and 1 land on the outer edges of the
    first and last occupied bins, and a quantile between two occupied bins jumps over the gap.
    """
    cumulative = np.concatenate(([0.0], np.cumsum(counts) / counts.sum()))
    occupied = np.flatnonzero(counts > 0)
    quantile_points = np.stack([cumulative[occupied], cumulative[occupied + 1]], axis=1).ravel()
    value_points = np.stack([occupied, occupied + 1], axis=1).ravel().astype(np.float64)
    return quantile_points, value_points


def _circular_transfer_segments(
    counts: np.ndarray, reference: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``T`` at each bin's edges for a circular channel (hue); values may leave 0..256 (wrap)."""
    if counts.sum() <= 0 or reference.sum() <= 0:
        return _transfer_segments(counts, reference)
    cut = _emptiest_bin(counts / counts.sum() + reference / reference.sum())
    left, right = _transfer_segments(np.roll(counts, -cut), np.roll(reference, -cut))
    # Bin b is bin (b - cut) mod 256 of the rotated histograms; undo the rotation of the values.
    rotated_bin = (np.arange(_BINS) - cut) % _BINS
    return left[rotated_bin] + cut, right[rotated_bin] + cut


def _emptiest_bin(histogram: np.ndarray) -> int:
    """The bin where the circularly smoothed ``histogram`` is lowest."""
    width = _HUE_CUT_SMOOTHING
    padded = np.concatenate((histogram[-width:], histogram, histogram[:width]))
    smoothed = np.convolve(padded, np.ones(2 * width + 1), mode="valid")
    return int(np.argmin(smoothed))


# sRGB (D65) to L*a*b* from 8-bit RGB, as OpenCV's float conversion computes it, in a third of
# its time: the sRGB decoding is a 256-entry table (8-bit input has 256 values per channel),
# XYZ and the last step to L*, a*, b* in bin units are one matrix product each, and only the
# cube root is computed per pixel. It agrees with OpenCV's float conversion to 1e-4 in L*a*b*.
_SRGB_DECODED = np.array(
    [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
     for v in np.arange(256) / 255.0], np.float32)
_XYZ_OF_LINEAR_RGB = np.array([
    [0.412453, 0.357580, 0.180423],
    [0.212671, 0.715160, 0.072169],
    [0.019334, 0.119193, 0.950227],
]) / np.array([[0.950456], [1.0], [1.088754]])  # X and Z relative to the D65 white
_LAB_CUBE_ROOT_FLOOR = 0.008856  # below it, f(t) is the straight line 7.787 t + 16 / 116


def _lab_bin_units_matrix() -> np.ndarray:
    """(3, 4): f(X), f(Y), f(Z) to L*, a*, b* in bin units."""
    lab = np.array([[0.0, 116.0, 0.0], [500.0, -500.0, 0.0], [0.0, 200.0, -200.0]])
    offset = np.array([-16.0, 0.0, 0.0]) - np.array(_LAB.origin)
    scale = 1.0 / np.array(_LAB.width)
    return np.hstack([lab * scale[:, None], (offset * scale)[:, None]]).astype(np.float32)


_LAB_BIN_UNITS = _lab_bin_units_matrix()
_XYZ_OF_LINEAR_RGB_32 = _XYZ_OF_LINEAR_RGB.astype(np.float32)


def _lab_bin_units(image: np.ndarray, buffers: _FrameBuffers) -> tuple[np.ndarray, np.ndarray]:
    shape = image.shape
    linear = cv2.LUT(np.ascontiguousarray(image), _SRGB_DECODED,
                     dst=buffers.get("first", shape, np.float32))
    xyz = cv2.transform(linear, _XYZ_OF_LINEAR_RGB_32, dst=buffers.get("second", shape, np.float32))
    cube_root = np.cbrt(xyz, out=linear)
    dark = np.less_equal(xyz, np.float32(_LAB_CUBE_ROOT_FLOOR),
                         out=buffers.get("dark", shape, np.bool_))
    if dark.any():
        line = np.multiply(xyz, np.float32(7.787), out=buffers.get("line", shape, np.float32))
        line += np.float32(16.0 / 116.0)
        np.copyto(cube_root, line, where=dark)
    return cv2.transform(cube_root, _LAB_BIN_UNITS, dst=xyz), cube_root
