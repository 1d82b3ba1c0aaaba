"""The built-in settings the fake knows: those extensions commonly read, and those the fake's
processing and tests use. The host has several hundred; the rest are left out."""

from modules.options import OptionInfo, options_section

restricted_opts = {
    "samples_filename_pattern", "directories_filename_pattern", "outdir_samples",
    "outdir_txt2img_samples", "outdir_img2img_samples", "outdir_extras_samples", "outdir_grids",
    "outdir_txt2img_grids", "outdir_save", "outdir_init_images",
}


def _folder(default, label):
    return OptionInfo(default, label)


options_templates = {}
options_templates.update(options_section(("saving-images", "Saving images"), {
    "samples_save": OptionInfo(True, "Save every generated image"),
    "samples_format": OptionInfo("png", "Image file format"),
    "samples_filename_pattern": OptionInfo("", "File name pattern"),
    "save_images_add_number": OptionInfo(True, "Number the file names"),
    "grid_save": OptionInfo(True, "Save grids"),
    "return_grid": OptionInfo(True, "Show the grid in the results"),
    "enable_pnginfo": OptionInfo(True, "Write the parameters into PNG files"),
    "save_txt": OptionInfo(False, "Write a .txt file next to each image"),
    "save_incomplete_images": OptionInfo(False, "Save images of interrupted generations"),
    "save_to_dirs": OptionInfo(True, "Save into subfolders"),
    "directories_filename_pattern": OptionInfo("[date]", "Subfolder name pattern"),
}))
options_templates.update(options_section(("saving-paths", "Paths for saving"), {
    "outdir_samples": _folder("", "Folder for all images (overrides the ones below)"),
    "outdir_txt2img_samples": _folder("outputs/txt2img-images", "txt2img images"),
    "outdir_img2img_samples": _folder("outputs/img2img-images", "img2img images"),
    "outdir_extras_samples": _folder("outputs/extras-images", "Extras images"),
    "outdir_grids": _folder("", "Folder for all grids"),
    "outdir_txt2img_grids": _folder("outputs/txt2img-grids", "txt2img grids"),
    "outdir_img2img_grids": _folder("outputs/img2img-grids", "img2img grids"),
    "outdir_save": _folder("log/images", "Folder for the Save button"),
    "outdir_init_images": _folder("outputs/init-images", "Folder for img2img inputs"),
}))
options_templates.update(options_section(("sd", "Stable Diffusion"), {
    "sd_model_checkpoint": OptionInfo(None, "Checkpoint"),
    "sd_checkpoints_limit": OptionInfo(1, "Checkpoints kept in memory"),
    "sd_vae": OptionInfo("Automatic", "VAE"),
    "CLIP_stop_at_last_layers": OptionInfo(1, "Clip skip", infotext="Clip skip"),
    "initial_noise_multiplier": OptionInfo(1.0, "Noise multiplier for img2img"),
    "img2img_fix_steps": OptionInfo(False, "img2img runs exactly the given steps"),
    "img2img_color_correction": OptionInfo(False, "Colour correction for img2img"),
    "inpainting_mask_weight": OptionInfo(1.0, "Inpainting conditioning mask strength"),
    "persistent_cond_cache": OptionInfo(True, "Keep the conditioning cache"),
    "face_restoration": OptionInfo(False, "Restore faces"),
    "face_restoration_model": OptionInfo("CodeFormer", "Face restoration model"),
    "tiling": OptionInfo(False, "Tiling"),
    "overlay_inpaint": OptionInfo(True, "Overlay the original outside the inpainted area"),
}))
options_templates.update(options_section(("sampler-params", "Sampler parameters"), {
    "hide_samplers": OptionInfo([], "Hidden samplers"),
    "eta_ddim": OptionInfo(0.0, "Eta for DDIM", infotext="Eta DDIM"),
    "eta_ancestral": OptionInfo(1.0, "Eta for ancestral samplers", infotext="Eta"),
    "eta_noise_seed_delta": OptionInfo(0, "Eta noise seed delta", infotext="ENSD"),
    "s_min_uncond": OptionInfo(0.0, "Negative guidance minimum sigma"),
    "s_churn": OptionInfo(0.0, "sigma churn"),
    "s_tmin": OptionInfo(0.0, "sigma tmin"),
    "s_tmax": OptionInfo(0.0, "sigma tmax"),
    "s_noise": OptionInfo(1.0, "sigma noise"),
    "randn_source": OptionInfo("GPU", "Random number source", infotext="RNG"),
}))
options_templates.update(options_section(("infotext", "Infotext"), {
    "add_model_hash_to_info": OptionInfo(True, "Model hash in the infotext"),
    "add_model_name_to_info": OptionInfo(True, "Model name in the infotext"),
    "add_user_name_to_info": OptionInfo(False, "User name in the infotext"),
    "add_version_to_infotext": OptionInfo(True, "WebUI version in the infotext"),
    "add_vae_name_to_info": OptionInfo(True, "VAE name in the infotext"),
    "add_vae_hash_to_info": OptionInfo(True, "VAE hash in the infotext"),
}))
options_templates.update(options_section(("ui", "User interface"), {
    "ui_tab_order": OptionInfo([], "Tab order"),
    "hidden_tabs": OptionInfo([], "Hidden tabs"),
    "ui_reorder_list": OptionInfo([], "Order of the generation page's parts"),
    "disabled_extensions": OptionInfo([], "Disabled extensions"),
    "disable_all_extensions": OptionInfo("none", "Disable all extensions"),
    "enable_reloading_ui_scripts": OptionInfo(
        False, "Reload UI scripts when using Reload UI option"),
}))
options_templates.update(options_section(("ui_alternatives", "UI alternatives", "ui"), {
    "interrupt_after_current": OptionInfo(True, "Don't Interrupt in the middle").info(
        "with more than one image to make, Interrupt first lets the current image finish"),
}))
options_templates.update(options_section(("ui", "Live previews"), {
    "live_previews_enable": OptionInfo(True, "Show live previews"),
    "show_progress_grid": OptionInfo(True, "Preview the whole batch as a grid"),
    "show_progress_every_n_steps": OptionInfo(10, "Live preview every N steps"),
    "live_previews_image_format": OptionInfo("png", "Live preview format"),
}))
