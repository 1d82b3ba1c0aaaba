"""Frame interpolation after a render: new frames between every two frames of a run, into the
run's `interpolated/` folder and a video beside the original (see `timing.py` for the frame count
and fps, `frames.py` for the files, `engines.py` for the engines and their downloads)."""
