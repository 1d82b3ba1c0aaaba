"""The settings declaration: every setting of Keyframes, declared once.

Validation, settings files, presets, the CLI, the README table and the WebUI tab are all generated
from `SETTINGS`. Names follow Deforum's wherever the meaning is the same, so Deforum users' files
and habits carry over.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import Enum
from typing import Any

from lib_animation.controlnet_settings import controlnet_unit_settings
from lib_animation.errors import KeyframesError, KeyframesErrors, SettingsError
from lib_animation.setting_kinds import (
    BOOL,
    CHOICE,
    FLOAT,
    IMAGE_KEYFRAMES,
    INT,
    KINDS,
    PATH,
    PROMPTS,
    SCHEDULE,
    STRING_SCHEDULE,
    TEXT,
    Requirement,
    Setting,
)


class Mode(str, Enum):
    """The animation modes (the values of `animation_mode`)."""

    TWO_D = "2D"
    THREE_D = "3D"
    VIDEO_INPUT = "Video Input"
    INTERPOLATION = "Interpolation"


ANIMATION_MODES = tuple(mode.value for mode in Mode)
# Which modes read a setting (a setting without `modes` matters in every mode).
WARPING = (Mode.TWO_D.value, Mode.THREE_D.value)
TWO_D_ONLY = (Mode.TWO_D.value,)
THREE_D_ONLY = (Mode.THREE_D.value,)
VIDEO_ONLY = (Mode.VIDEO_INPUT.value,)
IMG2IMG = (*WARPING, Mode.VIDEO_INPUT.value)  # modes whose frames start from an image
NOT_VIDEO = (*WARPING, Mode.INTERPOLATION.value)

GROUPS: dict[str, str] = {
    "run": "Run",
    "keyframes": "Keyframes",
    "motion_2d": "2D motion",
    "motion_3d": "3D motion",
    "depth": "Depth warping & FOV",
    "perspective_flip": "Perspective flip",
    "noise": "Noise",
    "coherence": "Coherence",
    "anti_blur": "Anti-blur",
    "seed": "Seed & subseed",
    "pipeline": "Steps, sampler, checkpoint & CLIP schedules",
    "prompts": "Prompts",
    "init": "Init image",
    "guided_images": "Guided images",
    "mask": "Mask",
    "video_input": "Video input",
    "hybrid": "Hybrid video",
    "parseq": "Parseq",
    "audio": "Audio reactivity",
    "output": "Output",
    "resume": "Resume",
    "controlnet": "ControlNet",
}

SAMPLERS = (
    "DPM++ 2M", "DPM++ SDE", "DPM++ 2M SDE", "DPM++ 2M SDE Heun", "DPM++ 2S a", "DPM++ 3M SDE",
    "Euler a", "Euler", "LMS", "Heun", "DPM2", "DPM2 a", "DPM fast", "DPM adaptive", "Restart",
    "DDIM", "DDIM CFG++", "PLMS", "UniPC", "LCM",
)  # fmt: skip
SCHEDULERS = (
    "Automatic", "Uniform", "Karras", "Exponential", "Polyexponential", "SGM Uniform",
    "KL Optimal", "Align Your Steps", "Simple", "Normal", "DDIM", "Beta",
)  # fmt: skip
BORDER_MODES = ("replicate", "wrap", "reflect", "zeros")
FLOW_METHODS = ("None", "RAFT", "DIS Medium", "DIS Fine", "Farneback")
HYBRID_COMPOSITES = ("None", "Normal", "Before Motion", "After Generation")
HYBRID_MOTIONS = ("None", "Optical Flow", "Perspective", "Affine")
HYBRID_MASK_TYPES = ("None", "Depth", "Video Depth", "Blend", "Difference")
VIDEO_PRESETS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow",
)  # fmt: skip

MAX_MANIFEST_CHARACTERS = 4 * 1024 * 1024  # a run's settings file must still hold it whole

DEFAULT_PROMPTS = {
    "0": "tiny cute bunny, vibrant diffraction, highly detailed, intricate, ultra hd, sharp photo, "
    "crepuscular rays, in focus",
    "30": "anthropomorphic clean cat, surrounded by fractals, epic angle and pose, symmetrical, "
    "3d, depth of field",
    "60": "a beautiful coconut --neg photo, realistic",
    "90": "a beautiful durian, award winning photography",
}
# Deforum's example guide images (fetched only when guided images are switched on).
DEFAULT_GUIDE_IMAGES = {
    "0": "https://deforum.github.io/a1/Gi1.png",
    "max_f/4-5": "https://deforum.github.io/a1/Gi2.png",
    "max_f/2-10": "https://deforum.github.io/a1/Gi3.png",
    "3*max_f/4-15": "https://deforum.github.io/a1/Gi4.jpg",
    "max_f-20": "https://deforum.github.io/a1/Gi1.png",
}


# The upscalers the WebUI has built in or downloads on first use (its Real-ESRGAN ones); any other
# name the host lists is taken as well.
UPSCALERS = ("Lanczos", "Nearest", "R-ESRGAN 4x+", "R-ESRGAN 4x+ Anime6B", "R-ESRGAN AnimeVideo",
             "R-ESRGAN General 4xV3", "R-ESRGAN 2x+", "ESRGAN_4x", "SwinIR 4x")

# "None", then the engines of lib_animation/interpolation/ by the names the tab shows.
INTERPOLATION_ENGINES = ("None", "Optical flow", "RIFE v4.6", "FILM")


def _b(name, default, group, label, help, **where):
    return Setting(name, BOOL, default, group, label, help, **where)


def _i(name, default, group, label, help, minimum=None, maximum=None, step=1, **where):
    return Setting(name, INT, default, group, label, help, minimum, maximum, step, **where)


def _f(name, default, group, label, help, minimum=None, maximum=None, step=0.01, **where):
    return Setting(name, FLOAT, default, group, label, help, minimum, maximum, step, **where)


def _c(name, default, group, label, help, choices, open_choices=False, **where):
    return Setting(name, CHOICE, default, group, label, help, choices=tuple(choices),
                   open_choices=open_choices, **where)


def _t(name, default, group, label, help, kind=TEXT, **where):
    return Setting(name, kind, default, group, label, help, **where)


def _s(name, default, group, label, help, kind=SCHEDULE, minimum=None, maximum=None, **where):
    return Setting(name, kind, default, group, label, help, minimum, maximum, **where)


def _on(switch: str) -> Requirement:
    return Requirement(switch, (True,))


def _off(switch: str) -> Requirement:
    return Requirement(switch, (False,))


def _is(setting: str, *values: str) -> Requirement:
    return Requirement(setting, values)


SETTINGS: tuple[Setting, ...] = (
    # run
    _c("sampler", "Euler a", "run", "Sampler", "The WebUI sampler used for every frame.",
       SAMPLERS, open_choices=True),
    _c("scheduler", "Automatic", "run", "Scheduler",
       "The noise schedule (WebUI 1.9+). Deforum sampler names such as 'DPM++ 2M Karras' are "
       "split into sampler and scheduler on load.", SCHEDULERS, open_choices=True),
    _i("steps", 25, "run", "Steps", "Sampling steps; img2img runs steps x strength of them.",
       1, 1000),
    _i("W", 512, "run", "Width", "Frame width in pixels (a multiple of 8).", 64, 4096, 8,
       multiple_of=8),
    _i("H", 512, "run", "Height", "Frame height in pixels (a multiple of 8).", 64, 4096, 8,
       multiple_of=8),
    _i("seed", -1, "run", "Seed",
       "Start seed; -1 picks one at random, written into the run's saved settings.",
       -1, 2**32 - 1),
    _t("batch_name", "Keyframes_{timestring}", "run", "Batch name",
       "Name of the run folder inside the output folder. {timestring}, {seed}, {w}, {h} and other "
       "setting names in braces are filled in; path separators are replaced."),
    _b("restore_faces", False, "run", "Restore faces", "Run the WebUI's face restoration."),
    _b("tiling", False, "run", "Tiling", "Generate seamlessly tiling frames."),
    # keyframes
    _c("animation_mode", "2D", "keyframes", "Animation mode",
       "2D and 3D warp the previous frame; Video Input restyles a video; Interpolation "
       "generates every frame from text, blending prompts.", ANIMATION_MODES),
    _i("max_frames", 120, "keyframes", "Max frames",
       "Number of frames to render (Video Input uses the video's frame count).", 1, 100_000,
       modes=NOT_VIDEO),
    _c("border", "replicate", "keyframes", "Border mode",
       "How the 2D warp fills pixels that come from outside the frame.", BORDER_MODES,
       modes=TWO_D_ONLY),
    _i("diffusion_cadence", 2, "keyframes", "Cadence",
       "Diffuse every N-th frame and tween the frames between; the last frame is always "
       "diffused so every frame is written.", 1, 50, modes=WARPING),
    _s("strength_schedule", "0: (0.65)", "keyframes", "Strength schedule",
       "How much of the previous frame is kept: 0 = new image, 1 = unchanged.",
       minimum=0.0, maximum=1.0, modes=IMG2IMG),
    _s("noise_schedule", "0: (0.065)", "keyframes", "Noise schedule",
       "Amount of noise blended into the warped previous frame before diffusion.",
       minimum=0.0, maximum=1.0, modes=IMG2IMG),
    _s("contrast_schedule", "0: (1.0)", "keyframes", "Contrast schedule",
       "Multiplies the previous frame's pixel values before noise (clipped, never wrapped).",
       minimum=0.0, modes=IMG2IMG),
    _s("cfg_scale_schedule", "0: (7)", "keyframes", "CFG scale schedule",
       "Classifier-free guidance scale per frame.", minimum=0.0, maximum=100.0),
    # 2D motion
    _s("angle", "0: (0)", "motion_2d", "Angle",
       "Rotation in degrees per frame, counter-clockwise.", modes=TWO_D_ONLY),
    _s("zoom", "0: (1.0025+0.002*sin(1.25*3.14*t/30))", "motion_2d", "Zoom",
       "Scale per frame; 1.0 is still, above 1 zooms in.", minimum=0.001, modes=TWO_D_ONLY),
    _s("translation_x", "0: (0)", "motion_2d", "Translation X",
       "Pixels per frame in 2D; camera movement in 3D (units of 1/200 of the depth range).",
       modes=WARPING),
    _s("translation_y", "0: (0)", "motion_2d", "Translation Y",
       "Pixels per frame in 2D; camera movement in 3D (units of 1/200 of the depth range).",
       modes=WARPING),
    _s("transform_center_x", "0: (0.5)", "motion_2d", "Transform centre X",
       "Pivot of angle and zoom, as a fraction of the width.", modes=TWO_D_ONLY),
    _s("transform_center_y", "0: (0.5)", "motion_2d", "Transform centre Y",
       "Pivot of angle and zoom, as a fraction of the height.", modes=TWO_D_ONLY),
    # 3D motion
    _s("translation_z", "0: (1.75)", "motion_3d", "Translation Z",
       "Camera dolly per frame; positive moves forward.", modes=THREE_D_ONLY),
    _s("rotation_3d_x", "0: (0)", "motion_3d", "Rotation 3D X",
       "Camera tilt in degrees per frame.", modes=THREE_D_ONLY),
    _s("rotation_3d_y", "0: (0)", "motion_3d", "Rotation 3D Y", "Camera pan in degrees per frame.",
       modes=THREE_D_ONLY),
    _s("rotation_3d_z", "0: (0)", "motion_3d", "Rotation 3D Z",
       "Camera roll in degrees per frame.", modes=THREE_D_ONLY),
    # depth
    _b("use_depth_warping", True, "depth", "Use depth warping",
       "Predict depth for the 3D warp; off uses a flat plane.", modes=THREE_D_ONLY),
    _c("depth_algorithm", "Midas-3-Hybrid", "depth", "Depth model",
       "Monocular depth model, downloaded into the WebUI's models folder on first use.",
       ("Midas-3-Hybrid", "Midas-3-Large"),
       modes=THREE_D_ONLY, requires=(_on("use_depth_warping"),)),
    _c("padding_mode", "replicate", "depth", "3D border mode",
       "How the 3D warp fills pixels that come from outside the frame.", BORDER_MODES,
       modes=THREE_D_ONLY),
    _c("sampling_mode", "bicubic", "depth", "3D sampling mode",
       "Interpolation used by the 3D warp.", ("bicubic", "bilinear", "nearest"),
       modes=THREE_D_ONLY),
    _c("camera_model", "deforum", "depth", "3D camera model",
       "deforum: Deforum's own camera, so its settings and presets move as they do there (its "
       "translation_z zooms about 1.4x faster than a real dolly at fov 70, and its roll grows "
       "toward the near content and with smaller fov). pinhole: an exact camera; a flat wall "
       "moves as a real one would and roll is a true rotation. Files without this key use "
       "deforum.", ("deforum", "pinhole"), modes=THREE_D_ONLY),
    _s("fov_schedule", "0: (70)", "depth", "Field of view",
       "Camera field of view in degrees; a larger FOV gives less parallax.",
       minimum=1.0, maximum=179.0, modes=THREE_D_ONLY),
    _s("aspect_ratio_schedule", "0: (1)", "depth", "Aspect ratio",
       "Aspect ratio given to the 3D camera.", minimum=0.01,
       modes=THREE_D_ONLY, requires=(_off("aspect_ratio_use_old_formula"),)),
    _b("aspect_ratio_use_old_formula", False, "depth", "Use W/H as aspect ratio",
       "Ignore the aspect ratio schedule and use width / height.", modes=THREE_D_ONLY),
    # perspective flip
    _b("enable_perspective_flip", False, "perspective_flip", "Enable perspective flip",
       "Tilt the image plane in 3D before the warp (2D and 3D modes).", modes=WARPING),
    _s("perspective_flip_theta", "0: (0)", "perspective_flip", "Theta",
       "Rotation of the image plane about its normal, degrees.",
       modes=WARPING, requires=(_on("enable_perspective_flip"),)),
    _s("perspective_flip_phi", "0: (0)", "perspective_flip", "Phi",
       "Tilt of the image plane about the horizontal axis, degrees.",
       modes=WARPING, requires=(_on("enable_perspective_flip"),)),
    _s("perspective_flip_gamma", "0: (0)", "perspective_flip", "Gamma",
       "Tilt of the image plane about the vertical axis, degrees.",
       modes=WARPING, requires=(_on("enable_perspective_flip"),)),
    _s("perspective_flip_fv", "0: (53)", "perspective_flip", "Field of view",
       "Vanishing-point field of view in degrees (30-160 recommended).",
       minimum=1.0, maximum=179.0, modes=WARPING, requires=(_on("enable_perspective_flip"),)),
    # noise
    _c("noise_type", "perlin", "noise", "Noise type",
       "Gaussian white noise, or white noise shaped by a Perlin field.", ("gaussian", "perlin"),
       modes=IMG2IMG),
    _i("perlin_octaves", 4, "noise", "Perlin octaves", "Number of Perlin octaves.", 1, 7,
       modes=IMG2IMG, requires=(_is("noise_type", "perlin"),)),
    _f("perlin_persistence", 0.5, "noise", "Perlin persistence",
       "Amplitude kept from one octave to the next.", 0.0, 1.0, 0.02,
       modes=IMG2IMG, requires=(_is("noise_type", "perlin"),)),
    _b("enable_noise_multiplier_scheduling", True, "noise", "Schedule the noise multiplier",
       "Set the WebUI's img2img noise multiplier per frame.", modes=IMG2IMG),
    _s("noise_multiplier_schedule", "0: (1.05)", "noise", "Noise multiplier schedule",
       "The WebUI's img2img noise multiplier per frame.", minimum=0.0,
       modes=IMG2IMG, requires=(_on("enable_noise_multiplier_scheduling"),)),
    # coherence
    _c("color_coherence", "LAB", "coherence", "Colour coherence",
       "Match each frame's colours to the first frame (in LAB, HSV or RGB), to an image, or to "
       "the input video's frame (Video Input mode, or hybrid video in 2D/3D; Image and Video "
       "Input match in LAB).",
       ("None", "HSV", "LAB", "RGB", "Image", "Video Input"), modes=IMG2IMG),
    _t("color_coherence_image_path", "", "coherence", "Colour reference image",
       "Image to match colours to, for colour coherence 'Image'.", kind=PATH,
       modes=IMG2IMG, requires=(_is("color_coherence", "Image"),)),
    _i("color_coherence_video_every_N_frames", 1, "coherence", "Refresh video reference every",
       "With colour coherence 'Video Input' (Video Input mode, or hybrid video in 2D/3D), take "
       "a new reference every N frames.", 1, 10_000,
       modes=IMG2IMG, requires=(_is("color_coherence", "Video Input"),)),
    _b("color_force_grayscale", False, "coherence", "Force grayscale",
       "Make every frame grayscale before and after generation."),
    _c("optical_flow_cadence", "None", "coherence", "Cadence tween",
       "Tween cadence frames with optical flow instead of a plain cross-fade.", FLOW_METHODS,
       modes=WARPING),
    _s("cadence_flow_factor_schedule", "0: (1)", "coherence", "Cadence flow factor",
       "Multiplier of the cadence flow.",
       modes=WARPING, requires=(_is("optical_flow_cadence", *FLOW_METHODS[1:]),)),
    _c("optical_flow_redo_generation", "None", "coherence", "Optical flow redo",
       "Generate a throwaway frame, warp the previous frame along the flow toward it, then "
       "generate for real (doubles the cost).", FLOW_METHODS, modes=IMG2IMG),
    _s("redo_flow_factor_schedule", "0: (1)", "coherence", "Redo flow factor",
       "Multiplier of the redo flow.",
       modes=IMG2IMG, requires=(_is("optical_flow_redo_generation", *FLOW_METHODS[1:]),)),
    _i("diffusion_redo", 0, "coherence", "Diffusion redo",
       "Throwaway generations with derived seeds, each fed back as the init, before the real one.",
       0, 50, modes=IMG2IMG),
    _c("reroll_blank_frames", "ignore", "coherence", "Blank frames",
       "On an all-black frame: retry with seed + 1, stop the run, or keep it.",
       ("reroll", "interrupt", "ignore")),
    _i("reroll_patience", 10, "coherence", "Reroll patience",
       "Most retries for one blank frame before the run stops.", 1, 1000,
       requires=(_is("reroll_blank_frames", "reroll"),)),
    # anti-blur
    _s("amount_schedule", "0: (0.1)", "anti_blur", "Amount",
       "Unsharp-mask amount; 0 turns anti-blur off.", modes=IMG2IMG),
    _s("kernel_schedule", "0: (5)", "anti_blur", "Kernel",
       "Gaussian kernel size in pixels; even sizes are rounded up to the next odd size.",
       minimum=0.0, maximum=101.0, modes=IMG2IMG),
    _s("sigma_schedule", "0: (1)", "anti_blur", "Sigma", "Gaussian sigma.", minimum=0.0,
       modes=IMG2IMG),
    _s("threshold_schedule", "0: (0)", "anti_blur", "Threshold",
       "Sharpen only where the detail is at least this many grey levels.",
       minimum=0.0, maximum=255.0, modes=IMG2IMG),
    # seed
    _c("seed_behavior", "iter", "seed", "Seed behaviour",
       "How the seed changes from one diffused frame to the next.",
       ("iter", "fixed", "random", "ladder", "alternate", "schedule")),
    _i("seed_iter_N", 1, "seed", "Seed iter N", "With 'iter', diffused frames per seed step.",
       1, 100_000, requires=(_is("seed_behavior", "iter"),)),
    _s("seed_schedule", '0:(s), 1:(-1), "max_f-2":(-1), "max_f-1":(s)', "seed", "Seed schedule",
       "With 'schedule': the seed per frame; -1 draws a reproducible random seed.",
       requires=(_is("seed_behavior", "schedule"),)),
    _b("enable_subseed_scheduling", False, "seed", "Schedule subseeds",
       "Use the subseed and subseed strength schedules (the WebUI's variation seed)."),
    _s("subseed_schedule", "0: (1)", "seed", "Subseed schedule", "Variation seed per frame.",
       requires=(_on("enable_subseed_scheduling"),)),
    _s("subseed_strength_schedule", "0: (0)", "seed", "Subseed strength schedule",
       "Variation strength per frame, 0 to 1.",
       minimum=0.0, maximum=1.0, requires=(_on("enable_subseed_scheduling"),)),
    _i("seed_resize_from_w", 0, "seed", "Resize seed from width", "0 = off.", 0, 4096, 8),
    _i("seed_resize_from_h", 0, "seed", "Resize seed from height", "0 = off.", 0, 4096, 8),
    # steps, sampler, scheduler, checkpoint, CLIP skip, ETA schedules
    _b("enable_steps_scheduling", False, "pipeline", "Schedule steps", "Use the steps schedule."),
    _s("steps_schedule", "0: (25)", "pipeline", "Steps schedule", "Sampling steps per frame.",
       minimum=1.0, maximum=1000.0,
       requires=(_on("enable_steps_scheduling"),)),
    _b("enable_sampler_scheduling", False, "pipeline", "Schedule sampler",
       "Use the sampler schedule."),
    _s("sampler_schedule", '0: ("Euler a")', "pipeline", "Sampler schedule", "Sampler per frame.",
       kind=STRING_SCHEDULE,
       requires=(_on("enable_sampler_scheduling"),)),
    _b("enable_scheduler_scheduling", False, "pipeline", "Schedule scheduler",
       "Use the scheduler schedule."),
    _s("scheduler_schedule", '0: ("Automatic")', "pipeline", "Scheduler schedule",
       "Scheduler (Karras, Exponential, ...) per frame.", kind=STRING_SCHEDULE,
       requires=(_on("enable_scheduler_scheduling"),)),
    _b("enable_checkpoint_scheduling", False, "pipeline", "Schedule checkpoint",
       "Use the checkpoint schedule; each change reloads weights."),
    _s("checkpoint_schedule", '0: ("model1.ckpt"), 100: ("model2.safetensors")', "pipeline",
       "Checkpoint schedule", "Checkpoint per frame; names are checked before the run starts.",
       kind=STRING_SCHEDULE,
       requires=(_on("enable_checkpoint_scheduling"),)),
    _b("enable_clipskip_scheduling", False, "pipeline", "Schedule CLIP skip",
       "Use the CLIP skip schedule."),
    _s("clipskip_schedule", "0: (2)", "pipeline", "CLIP skip schedule", "CLIP skip per frame.",
       minimum=1.0, maximum=12.0,
       requires=(_on("enable_clipskip_scheduling"),)),
    _b("enable_ddim_eta_scheduling", False, "pipeline", "Schedule DDIM ETA",
       "Use the DDIM ETA schedule."),
    _s("ddim_eta_schedule", "0: (0)", "pipeline", "DDIM ETA schedule", "DDIM ETA per frame.",
       minimum=0.0,
       requires=(_on("enable_ddim_eta_scheduling"),)),
    _b("enable_ancestral_eta_scheduling", False, "pipeline", "Schedule ancestral ETA",
       "Use the ancestral ETA schedule."),
    _s("ancestral_eta_schedule", "0: (1)", "pipeline", "Ancestral ETA schedule",
       "ETA of ancestral samplers per frame.",
       minimum=0.0, requires=(_on("enable_ancestral_eta_scheduling"),)),
    _s("pix2pix_img_cfg_scale_schedule", "0: (1.5)", "pipeline", "Pix2pix image CFG schedule",
       "Image CFG scale per frame, for instruct-pix2pix checkpoints only.", modes=IMG2IMG),
    # prompts
    Setting("animation_prompts", PROMPTS, DEFAULT_PROMPTS, "prompts", "Prompts",
            'JSON {"frame": "prompt"}; keys may be expressions such as "max_f/2"; text after '
            "--neg is the negative prompt; `expressions` in backticks are evaluated per frame."),
    _t("animation_prompts_positive", "", "prompts", "Common positive prompt",
       "Added before every prompt."),
    _t("animation_prompts_negative", "nsfw, nude", "prompts", "Common negative prompt",
       "Added after every negative prompt."),
    _b("prompt_blending", False, "prompts", "Blend prompts",
       "Blend between prompt keyframes with composable AND weights (always on in "
       "Interpolation mode)."),
    # init
    _b("use_init", False, "init", "Use init image", "Start from an image instead of txt2img.",
       modes=WARPING, requires=(_off("use_looper"),)),
    _f("strength", 0.8, "init", "Init strength",
       "Strength for the first frame only; later frames use the strength schedule.", 0.0, 1.0,
       modes=WARPING, requires=(_on("use_init"),)),
    _t("init_image", "", "init", "Init image", "Path of the init image.", kind=PATH,
       modes=WARPING, requires=(_on("use_init"),)),
    # guided images (Deforum's "looper")
    _b("use_looper", False, "guided_images", "Use guided images",
       "Start from the first guide image and pull every diffused frame's init toward the guide "
       "image of its keyframe. Deforum also forces seed behaviour 'schedule'; here the seed "
       "behaviour stays yours (Deforum files load with 'schedule').", modes=WARPING),
    Setting("init_images", IMAGE_KEYFRAMES, DEFAULT_GUIDE_IMAGES, "guided_images",
            "Guide images", 'JSON {"frame": "image path or URL"}; keys may be expressions over '
            'max_f, s and fps such as "max_f/2"; each frame is guided by the image of the latest '
            "key at or before it.", modes=WARPING, requires=(_on("use_looper"),)),
    _s("image_strength_schedule", "0: (0.75)", "guided_images", "Image strength schedule",
       "Replaces the strength schedule (and the init strength of frame 0) while guided images "
       "are on.", minimum=0.0, maximum=1.0, modes=WARPING, requires=(_on("use_looper"),)),
    _s("blendFactorMax", "0: (0.35)", "guided_images", "Blend factor max",
       "Inside the tweening window the init is blended toward the guide image by "
       "max - slope * cos(...).", modes=WARPING, requires=(_on("use_looper"),)),
    _s("blendFactorSlope", "0: (0.25)", "guided_images", "Blend factor slope",
       "How far the blend factor swings inside the tweening window.",
       modes=WARPING, requires=(_on("use_looper"),)),
    _s("tweening_frames_schedule", "0: (20)", "guided_images", "Tweening frames schedule",
       "Length of the tweening window in frames; outside it the blend factor is 0.07.",
       minimum=1.0, modes=WARPING, requires=(_on("use_looper"),)),
    _s("color_correction_factor", "0: (0.075)", "guided_images", "Colour correction factor",
       "The WebUI's colour correction matches each frame to the init blended this far toward "
       "the guide image.", minimum=0.0, maximum=1.0, modes=WARPING,
       requires=(_on("use_looper"),)),
    # mask
    _b("use_mask", False, "mask", "Use mask", "Inpaint every frame through a mask.", modes=IMG2IMG),
    _b("use_alpha_as_mask", False, "mask", "Use alpha as mask",
       "Take the mask from the init image's alpha channel.",
       modes=WARPING, requires=(_on("use_mask"), _on("use_init"))),
    _t("mask_file", "", "mask", "Mask file",
       "Path of the mask image: {init_mask} of the mask schedule.", kind=PATH,
       modes=IMG2IMG, requires=(_on("use_mask"), _off("use_alpha_as_mask"))),
    _b("invert_mask", False, "mask", "Invert mask", "Inpaint outside the mask instead.",
       modes=IMG2IMG, requires=(_on("use_mask"),)),
    _f("mask_contrast_adjust", 1.0, "mask", "Mask contrast", "Contrast applied to the mask.",
       0.0, 10.0, modes=IMG2IMG, requires=(_on("use_mask"),)),
    _f("mask_brightness_adjust", 1.0, "mask", "Mask brightness", "Brightness applied to the mask.",
       0.0, 10.0, modes=IMG2IMG, requires=(_on("use_mask"),)),
    _b("overlay_mask", True, "mask", "Overlay mask",
       "Paste the original pixels outside the mask after generation.",
       modes=IMG2IMG, requires=(_on("use_mask"),)),
    _i("mask_overlay_blur", 4, "mask", "Mask blur", "Blur of the mask edge in pixels.", 0, 64,
       modes=IMG2IMG, requires=(_on("use_mask"),)),
    _c("fill", "original", "mask", "Masked content", "What the masked area starts from.",
       ("fill", "original", "latent noise", "latent nothing"),
       modes=IMG2IMG, requires=(_on("use_mask"),)),
    _b("full_res_mask", True, "mask", "Inpaint at full resolution",
       "Inpaint the masked area at full resolution.", modes=IMG2IMG, requires=(_on("use_mask"),)),
    _i("full_res_mask_padding", 4, "mask", "Full resolution padding",
       "Padding around the masked area in pixels.", 0, 512,
       modes=IMG2IMG, requires=(_on("use_mask"), _on("full_res_mask"))),
    # composable masks (Deforum's names and defaults)
    _s("mask_schedule", '0: ("{video_mask}")', "mask", "Mask schedule",
       "Each frame's mask, composed: {video_mask} (the mask video's frame; without a mask video "
       "the init mask), {init_mask} (the mask file, or the init image's alpha), {everywhere}, "
       "image files in [brackets], joined by & (and), | (or), ^ (xor), \\ (minus), ! (not) "
       "and parentheses. See Composable masks in the README.", kind=STRING_SCHEDULE,
       modes=IMG2IMG, requires=(_on("use_mask"),)),
    _b("use_noise_mask", False, "mask", "Use noise mask",
       "Add noise only inside a mask of its own; off, noise is added inside the frame's mask.",
       modes=IMG2IMG, requires=(_on("use_mask"),)),
    _s("noise_mask_schedule", '0: ("{video_mask}")', "mask", "Noise mask schedule",
       "Where noise is added, composed as the mask schedule is.", kind=STRING_SCHEDULE,
       modes=IMG2IMG, requires=(_on("use_mask"), _on("use_noise_mask"))),
    _b("use_mask_video", False, "mask", "Use mask video",
       "Take {video_mask} from a video, one video frame per frame.", modes=IMG2IMG,
       requires=(_on("use_mask"),)),
    _t("video_mask_path", "", "mask", "Mask video",
       "Path of the mask video (white = inpaint). In Video Input mode its frames are picked as "
       "the input video's are.", kind=PATH, modes=IMG2IMG,
       requires=(_on("use_mask"), _on("use_mask_video"))),
    # video input
    _t("video_init_path", "", "video_input", "Input video",
       "Path of the video to restyle (Video Input), or that hybrid video takes its frames and "
       "motion from (2D/3D).", kind=PATH, modes=IMG2IMG),
    _i("extract_nth_frame", 1, "video_input", "Extract every n-th frame",
       "Keep every n-th frame of the input video, counting from the first frame used.", 1,
       10_000, modes=IMG2IMG),
    _i("extract_from_frame", 0, "video_input", "From frame",
       "First input frame to use (inclusive).", 0, 10_000_000, modes=IMG2IMG),
    _i("extract_to_frame", -1, "video_input", "To frame",
       "Last input frame to use (inclusive); -1 means the end.", -1, 10_000_000,
       modes=IMG2IMG, not_before="extract_from_frame"),
    _b("overwrite_extracted_frames", False, "video_input", "Overwrite extracted frames",
       "Extract the input frames again even if the run folder has them.", modes=IMG2IMG),
    # hybrid video (Deforum's names and defaults)
    _c("hybrid_composite", "None", "hybrid", "Hybrid composite",
       "Blend the input video's frame into each frame: Normal after the hybrid motion, Before "
       "Motion before it, After Generation into the generated frame.", HYBRID_COMPOSITES,
       modes=WARPING),
    _c("hybrid_motion", "None", "hybrid", "Hybrid motion",
       "Move each frame as the input video moves: dense optical flow, or a perspective or "
       "affine matrix estimated from matched features. With hybrid video on, the render has "
       "as many frames as the video gives (unless the init image is used as the video).",
       HYBRID_MOTIONS, modes=WARPING),
    _b("hybrid_use_first_frame_as_init_image", True, "hybrid", "First video frame as init",
       "Frame 0 starts from the video's first frame (at the init strength).", modes=WARPING),
    _b("hybrid_use_init_image", False, "hybrid", "Use init image as video",
       "Composite the init image instead of the video's frames (a still); the render keeps "
       "max_frames, and reads the video only for hybrid motion.", modes=WARPING),
    _b("hybrid_motion_use_prev_img", False, "hybrid", "Motion from the previous frame",
       "Estimate the motion from the warped previous frame to the video frame instead of "
       "between two video frames.", modes=WARPING,
       requires=(_is("hybrid_motion", *HYBRID_MOTIONS[1:]),)),
    _c("hybrid_flow_method", "DIS Fine", "hybrid", "Flow method", "Optical flow estimator.",
       FLOW_METHODS[1:], modes=WARPING, requires=(_is("hybrid_motion", "Optical Flow"),)),
    _b("hybrid_flow_consistency", False, "hybrid", "Flow consistency check",
       "Keep only the flow that the backward flow confirms.", modes=WARPING,
       requires=(_is("hybrid_motion", "Optical Flow"),)),
    _i("hybrid_consistency_blur", 2, "hybrid", "Consistency blur",
       "Blur of the consistency mask (sigma in pixels).", 0, 16, modes=WARPING,
       requires=(_is("hybrid_motion", "Optical Flow"), _on("hybrid_flow_consistency"))),
    _s("hybrid_flow_factor_schedule", "0: (1)", "hybrid", "Hybrid flow factor",
       "Multiplier of the hybrid optical flow.", modes=WARPING,
       requires=(_is("hybrid_motion", "Optical Flow"),)),
    _s("hybrid_comp_alpha_schedule", "0: (0.5)", "hybrid", "Composite alpha",
       "How much of the video frame (or the masked composite) is mixed in: 0 none, 1 all.",
       minimum=0.0, maximum=1.0, modes=WARPING,
       requires=(_is("hybrid_composite", *HYBRID_COMPOSITES[1:]),)),
    _c("hybrid_comp_mask_type", "None", "hybrid", "Composite mask",
       "Where the video shows through: the previous frame's depth, the video frame's depth, a "
       "blend or the difference of the two frames (white keeps the render).",
       HYBRID_MASK_TYPES, modes=WARPING,
       requires=(_is("hybrid_composite", *HYBRID_COMPOSITES[1:]),)),
    _s("hybrid_comp_mask_blend_alpha_schedule", "0: (0.5)", "hybrid", "Mask blend alpha",
       "Blend mask: 0 the render's grey, 1 the video's.", minimum=0.0, maximum=1.0,
       modes=WARPING, requires=(_is("hybrid_composite", *HYBRID_COMPOSITES[1:]),
                                _is("hybrid_comp_mask_type", "Blend"))),
    _s("hybrid_comp_mask_contrast_schedule", "0: (1)", "hybrid", "Mask contrast",
       "Contrast of the composite mask.", minimum=0.0, modes=WARPING,
       requires=(_is("hybrid_composite", *HYBRID_COMPOSITES[1:]),
                 _is("hybrid_comp_mask_type", *HYBRID_MASK_TYPES[1:]))),
    _b("hybrid_comp_mask_inverse", False, "hybrid", "Invert mask", "Invert the composite mask.",
       modes=WARPING, requires=(_is("hybrid_composite", *HYBRID_COMPOSITES[1:]),
                                _is("hybrid_comp_mask_type", *HYBRID_MASK_TYPES[1:]))),
    _c("hybrid_comp_mask_equalize", "None", "hybrid", "Equalize mask",
       "Equalize the mask's histogram before the contrast, after it, or both.",
       ("None", "Before", "After", "Both"), modes=WARPING,
       requires=(_is("hybrid_composite", *HYBRID_COMPOSITES[1:]),
                 _is("hybrid_comp_mask_type", *HYBRID_MASK_TYPES[1:]))),
    _b("hybrid_comp_mask_auto_contrast", False, "hybrid", "Auto-contrast mask",
       "Stretch the mask so the low cutoff percentile is black and the high one white.",
       modes=WARPING, requires=(_is("hybrid_composite", *HYBRID_COMPOSITES[1:]),
                                _is("hybrid_comp_mask_type", *HYBRID_MASK_TYPES[1:]))),
    _s("hybrid_comp_mask_auto_contrast_cutoff_low_schedule", "0: (0)", "hybrid",
       "Auto-contrast low cutoff", "Percentile that becomes black (whole percents).",
       minimum=0.0, maximum=100.0, modes=WARPING,
       requires=(_is("hybrid_composite", *HYBRID_COMPOSITES[1:]),
                 _is("hybrid_comp_mask_type", *HYBRID_MASK_TYPES[1:]),
                 _on("hybrid_comp_mask_auto_contrast"))),
    _s("hybrid_comp_mask_auto_contrast_cutoff_high_schedule", "0: (100)", "hybrid",
       "Auto-contrast high cutoff", "Percentile that becomes white (whole percents).",
       minimum=0.0, maximum=100.0, modes=WARPING,
       requires=(_is("hybrid_composite", *HYBRID_COMPOSITES[1:]),
                 _is("hybrid_comp_mask_type", *HYBRID_MASK_TYPES[1:]),
                 _on("hybrid_comp_mask_auto_contrast"))),
    _b("hybrid_comp_save_extra_frames", False, "hybrid", "Save composite frames",
       "Write each frame's composite mask, composite and blend into the run folder's "
       "hybridframes/.", modes=WARPING,
       requires=(_is("hybrid_composite", *HYBRID_COMPOSITES[1:]),)),
    # parseq
    _t("parseq_manifest", "", "parseq", "Parseq manifest",
       "A Parseq manifest: its JSON, the path of its .json file, or its http(s) URL; empty = "
       "off. The fields it has replace the schedules they match, frame by frame; a path or URL "
       "is read once when the run starts and the run keeps the manifest itself.",
       max_length=MAX_MANIFEST_CHARACTERS),
    _b("parseq_use_deltas", True, "parseq", "Use Parseq deltas for motion",
       "Take the motion fields from the manifest's *_delta columns (the change per frame) "
       "rather than its absolute values."),
    _b("parseq_non_schedule_overrides", True, "parseq", "Take frames, FPS and cadence from Parseq",
       "The manifest's frame count, output FPS and cadence replace max_frames, fps and "
       "diffusion_cadence."),
    # audio
    _t("audio_path", "", "audio", "Audio to analyse",
       "Audio (or video) file whose loudness, bass, mid, treble, onsets, beats and tempo "
       "schedules may read; it is not added to the video. Empty: the video's soundtrack (the "
       "soundtrack file, or the input video's own sound) is analysed when a schedule reads them.",
       kind=PATH),
    _f("audio_bass_max_hz", 250.0, "audio", "Bass up to (Hz)",
       "bass is the energy below this frequency; mid lies between bass and treble.",
       20.0, 900.0, 10.0),
    _f("audio_treble_min_hz", 4000.0, "audio", "Treble from (Hz)",
       "treble is the energy above this frequency.", 1000.0, 20000.0, 100.0),
    _f("audio_attack", 0.0, "audio", "Attack (s)",
       "How long loudness, bass, mid, treble and onset take to rise to a new level; 0 "
       "follows at once.", 0.0, 5.0, 0.01),
    _f("audio_release", 0.1, "audio", "Release (s)",
       "How long loudness, bass, mid, treble and onset take to fall back.", 0.0, 5.0, 0.01),
    _f("audio_beat_release", 0.25, "audio", "Beat release (s)",
       "beat is 1 on a beat's frame and decays toward 0 over about this time.",
       0.0, 5.0, 0.01),
    # output
    _f("fps", 15.0, "output", "FPS", "Frames per second of the video.", 1.0, 240.0, 1.0),
    _c("video_format", "mp4", "output", "Video format",
       "MP4 (H.264, plays everywhere), WebM (VP9) or none.", ("mp4", "webm", "none")),
    _i("video_crf", 17, "output", "Video quality (CRF)", "Lower is better and larger; 17-23 is "
       "typical.", 0, 51, requires=(_is("video_format", "mp4", "webm"),)),
    _c("video_preset", "slow", "output", "Encoder preset",
       "Slower presets make smaller files at the same quality.", VIDEO_PRESETS,
       requires=(_is("video_format", "mp4"),)),
    _b("make_gif", False, "output", "Make GIF", "Also write an animated GIF with its own palette."),
    _c("add_soundtrack", "None", "output", "Soundtrack",
       "Mux audio into the video; a short track never cuts the video.",
       ("None", "File", "Init Video"), requires=(_is("video_format", "mp4", "webm"),)),
    _t("soundtrack_path", "", "output", "Soundtrack file", "Path of the audio file.", kind=PATH,
       requires=(_is("add_soundtrack", "File"),)),
    _b("save_depth_maps", False, "output", "Save depth maps",
       "Write the depth map of every frame beside the frames."),
    _b("delete_imgs", False, "output", "Delete frames after the video",
       "Delete the PNG frames once the video is written (the run can no longer be resumed).", ),
    _b("upscale_after_render", False, "output", "Upscale after render",
       "After the last frame, upscale every frame with one of the host's upscalers into the "
       "run's upscaled/ folder and a second video beside the first; the frames are kept."),
    _c("upscaler", "Lanczos", "output", "Upscaler",
       "The host's upscaler, by the name the WebUI's Extras tab shows; checked before the "
       "first frame. The preview host has Lanczos and Nearest.", UPSCALERS, open_choices=True,
       requires=(_on("upscale_after_render"),)),
    _i("upscale_factor", 2, "output", "Upscale factor",
       "How many times wider and taller the upscaled frames are.", 2, 4,
       requires=(_on("upscale_after_render"),)),
    _b("upscale_keep_frames", True, "output", "Keep upscaled frames",
       "Keep the upscaled PNG frames once the upscaled video is written.",
       requires=(_on("upscale_after_render"),)),
    # frame interpolation (after the render and the upscale)
    _c("frame_interpolation_engine", "None", "output", "Frame interpolation",
       "After the render, add frames between every two frames into the run's interpolated/ "
       "folder and a video beside the first. Optical flow needs no download; RIFE v4.6 "
       "(about 21 MB) and FILM (about 69 MB) download their weights on first use and run best "
       "on a GPU.", INTERPOLATION_ENGINES),
    _i("frame_interpolation_x_amount", 2, "output", "Interpolation x",
       "Frames per original frame: between every two frames x-1 new ones, so n frames become "
       "x*(n-1)+1 and the video plays x times the fps.", 2, 10,
       requires=(_is("frame_interpolation_engine", *INTERPOLATION_ENGINES[1:]),)),
    _b("frame_interpolation_slow_mo_enabled", False, "output", "Slow motion",
       "Play the interpolated video slower instead (fps divided by the slow-motion amount); "
       "it has no soundtrack, which would no longer match the picture.",
       requires=(_is("frame_interpolation_engine", *INTERPOLATION_ENGINES[1:]),)),
    _i("frame_interpolation_slow_mo_amount", 2, "output", "Slow motion amount",
       "How many times slower the interpolated video plays.", 2, 10,
       requires=(_on("frame_interpolation_slow_mo_enabled"),)),
    _b("frame_interpolation_keep_imgs", False, "output", "Keep interpolated frames",
       "Keep the interpolated PNG frames once their video is written.",
       requires=(_is("frame_interpolation_engine", *INTERPOLATION_ENGINES[1:]),)),
    _b("frame_interpolation_use_upscaled", False, "output", "Interpolate the upscaled frames",
       "Interpolate the upscaled frames when the run has them (Upscale after render).",
       requires=(_is("frame_interpolation_engine", *INTERPOLATION_ENGINES[1:]),)),
    # resume
    _b("resume_from_timestring", False, "resume", "Resume run",
       "Continue an interrupted run in its folder; the frames match an uninterrupted run."),
    _t("resume_timestring", "", "resume", "Run to resume",
       "Name of the run folder (its timestring) to continue.",
       requires=(_on("resume_from_timestring"),)),
    # ControlNet units cn_1 ... cn_5 (declared in controlnet_settings.py)
    *controlnet_unit_settings(),
)  # fmt: skip

BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}
ANIMATION_MODE = "animation_mode"


class SettingNames:
    """Every declared name as an attribute, `NAME.zoom == "zoom"`: code refers to a setting
    through the declaration, so a misspelt name fails at once instead of reading nothing."""

    def __init__(self, names: Iterator[str]) -> None:
        for name in names:
            object.__setattr__(self, name, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("setting names are fixed by the declaration")


NAME = SettingNames(iter(BY_NAME))
SCHEDULE_NAMES: tuple[str, ...] = tuple(s.name for s in SETTINGS if s.is_schedule)


def _check_declaration() -> None:
    if len(BY_NAME) != len(SETTINGS):
        raise RuntimeError("duplicate setting names in SETTINGS")
    for setting in SETTINGS:
        if setting.group not in GROUPS or setting.kind not in KINDS:
            raise RuntimeError(f"bad declaration of {setting.name}")
        if not set(setting.modes) <= set(ANIMATION_MODES):
            raise RuntimeError(f"unknown mode in the declaration of {setting.name}")
        for requirement in setting.requires:
            required = BY_NAME.get(requirement.setting)
            if required is None or (required.choices and not set(requirement.values) <= set(
                    required.choices)):
                raise RuntimeError(f"bad requirement of {setting.name}: {requirement}")


_check_declaration()


class Settings(Mapping[str, Any]):
    """A complete, validated, immutable set of values: one per declared setting.

    Read values as attributes (`settings.max_frames`) or by key. `replace()` gives a new
    validated Settings.
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        merged = defaults()
        if values:
            merged.update(values)
        object.__setattr__(self, "_values", validate_all(merged))

    @classmethod
    def _trusted(cls, values: dict[str, Any]) -> Settings:
        instance = cls.__new__(cls)
        object.__setattr__(instance, "_values", values)
        return instance

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Settings are immutable; use replace()")

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Settings):
            return self._values == other._values
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple((k, repr(v)) for k, v in self._values.items()))

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if v != BY_NAME[k].default}
        return f"Settings({changed!r})"

    def replace(self, **changes: Any) -> Settings:
        unknown = [name for name in changes if name not in BY_NAME]
        if unknown:
            raise SettingsError(f"unknown setting {unknown[0]!r}", setting=unknown[0])
        return Settings({**self._values, **changes})

    def to_dict(self) -> dict[str, Any]:
        return {name: _copy_value(value) for name, value in self._values.items()}

    def changed(self) -> dict[str, Any]:
        """The values that differ from the defaults (what a preset stores)."""
        return {k: _copy_value(v) for k, v in self._values.items() if v != BY_NAME[k].default}


def _copy_value(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value


def defaults() -> dict[str, Any]:
    return {setting.name: _copy_value(setting.default) for setting in SETTINGS}


def validate_all(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate every value and the rules between settings; collect every problem at once."""
    problems: list[KeyframesError] = []
    checked: dict[str, Any] = {}
    for setting in SETTINGS:
        try:
            checked[setting.name] = setting.validate(values[setting.name])
        except KeyframesError as error:
            if error.setting is None:
                error.setting = setting.name
            problems.append(error)
    if not problems:
        problems.extend(_cross_checks(checked))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise KeyframesErrors(problems)
    return checked


def _cross_checks(values: Mapping[str, Any]) -> list[SettingsError]:
    """The rules between settings that the declaration states (`multiple_of`, `not_before`)."""
    problems = []
    for setting in SETTINGS:
        value = values[setting.name]
        if setting.multiple_of and value % setting.multiple_of:
            lower = value // setting.multiple_of * setting.multiple_of
            problems.append(SettingsError(
                f"{value} is not a multiple of {setting.multiple_of}", setting=setting.name,
                hint=f"use {lower} or {lower + setting.multiple_of}",
            ))
        if setting.not_before and value != -1 and value < values[setting.not_before]:
            problems.append(SettingsError(
                f"{value} is before {setting.not_before} ({values[setting.not_before]})",
                setting=setting.name, hint="use -1 for the end",
            ))
    return problems


def applies(settings: Mapping[str, Any], name: str) -> bool:
    """Whether a run with these settings reads the setting: its animation mode reads it, and
    every setting it requires holds a required value and applies itself."""
    setting = BY_NAME[name]
    if setting.modes and settings[ANIMATION_MODE] not in setting.modes:
        return False
    return all(
        settings[requirement.setting] in requirement.values
        and applies(settings, requirement.setting)
        for requirement in setting.requires
    )


def settings_in_group(group: str) -> tuple[Setting, ...]:
    return tuple(setting for setting in SETTINGS if setting.group == group)
