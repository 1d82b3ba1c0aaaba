"""The files a run reads: init image, mask, colour reference, input video and soundtrack."""
